"""Incremental graphlet builds (rules §11): after `mlprov sync`, `graphlets build` recomputes only what
the sync marked `Changed` reaches, and the graph equals a fresh load of the same store with a full
build, element for element (scripts/graph_fingerprint.py, the marks counted: none may be left), and
its graphlet table row for row.

After every step the export (rules §13) refreshes its folder, kept from step to step, where the
tables partitioned by pipeline are rewritten from their last rows and the pipelines the builds
touched; each file must equal, byte for byte, a whole export of the fresh load.

Stores grow as live ones do: the synthetic corpus (a small one, and S) replayed day by day
(`corpus replay`), and the real stores cut at earlier instants (tests/mlmd_cut.py) and grown to the
whole store; rows also leave a store (deleted through SQL, which the sync removes, rules §10 step
5). Each step's fresh load and full build run on the second throwaway server (`reference_neo4j`),
from the same file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlprov.analytics.export import export
from mlprov.analytics.graphlets import FULL, INCREMENTAL, SYNCED, build
from mlprov.core import queries
from mlprov.corpus import day_end_ms, replay, write_snapshot
from mlprov.corpus.full_cache import cached_corpus
from mlprov.corpus.generate import DEFAULT_DAYS, SCALES
from mlprov.loader import load_store
from mlprov.loader.load import default_source_name
from mlprov.loader.sync import sync_store
from scripts.graph_fingerprint import elements
from tests.helpers import REAL_STORES, empty
from tests.mlmd_cut import cut, instants

pytestmark = pytest.mark.integration

SMALL = {"pipelines": 6, "days": 20, "seed": 7}
FIRST_DAY = 12
S = {"pipelines": SCALES["S"], "days": DEFAULT_DAYS, "seed": 0}
S_FIRST_DAY = 100  # synthetic S is loaded as of this day, then grows day by day
SOURCE = "corpus"  # the live store is corpus.sqlite


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-cache")
    cached_corpus(SMALL["pipelines"], SMALL["days"], SMALL["seed"], folder)
    return folder


def live_corpus(folder: Path, day: int, cache: Path) -> Path:
    """The small synthetic corpus as it stood at the end of `day`, in `folder`/corpus.sqlite."""
    return write_snapshot(folder / f"{SOURCE}.sqlite", day_end_ms(day), cache_dir=cache, progress=None, **SMALL).store


def load_and_build(target, stores: list[Path]):
    """Empty the database, load each store (under its default source name), build (full)."""
    empty(target)
    with target.driver() as driver:
        for path in stores:
            load_store(path, driver, target.database, quiet=True)
        report = build(driver, target.database, quiet=True)
    assert set(report.modes.values()) <= {FULL}
    return report


def sync_and_build(target, stores: list[Path]):
    with target.driver() as driver:
        synced = {default_source_name(path): sync_store(path, driver, target.database, quiet=True) for path in stores}
        report = build(driver, target.database, quiet=True)
    return synced, report


def graphlet_table(target) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, "graphlets")


def changed_marks(target) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query("MATCH (n:Changed) RETURN count(n) AS n", database_=target.database)
    return records[0]["n"]


def assert_same_exports(target, reference, exports: Path, step: str):
    """The export of `target` into `exports` (refreshed from what an earlier step left there) against
    a whole export of `reference` into an empty folder: the same files, byte for byte. Returns the
    refreshing export's result."""
    with target.driver() as driver:
        refreshed = export(driver, target.database, exports)
    with tempfile.TemporaryDirectory(prefix="whole-export-") as whole, reference.driver() as driver:
        export(driver, reference.database, Path(whole))
        files = sorted(path.name for path in Path(whole).iterdir() if not path.name.startswith("."))
        assert files and files == sorted(path.name for path in exports.iterdir() if not path.name.startswith("."))
        differ = [name for name in files if (Path(whole) / name).read_bytes() != (exports / name).read_bytes()]
        detail = [f"{name}: {pq.read_metadata(exports / name).metadata} against "
                  f"{pq.read_metadata(Path(whole) / name).metadata}" for name in differ if name.endswith(".parquet")]
    assert not differ, f"{step}: exported files differ from a whole export of a fresh load: {differ} {detail}"
    return refreshed


def assert_same_graph(target, reference, stores: list[Path], step: str, exports: Path | None = None):
    """`target` (synced and built incrementally) against a fresh load of `stores` and a full build
    on `reference`: whole graphs, graphlets and `Changed` marks included, and graphlet tables; with
    `exports`, the export refreshed there too (`assert_same_exports`, whose result is returned)."""
    load_and_build(reference, stores)
    with target.driver() as driver:
        synced = elements(driver, target.database, marks=True)
    with reference.driver() as driver:
        fresh = elements(driver, reference.database, marks=True)
    if synced != fresh:
        lines = []
        for source in sorted(set(synced) | set(fresh)):
            a, b = set(synced.get(source, [])), set(fresh.get(source, []))
            lines += [f"  incremental only: {line[:300]}" for line in sorted(a - b)[:5]]
            lines += [f"  full build only:  {line[:300]}" for line in sorted(b - a)[:5]]
        pytest.fail(f"{step}: the incrementally built graph differs from a fresh load and full build:\n"
                    + "\n".join(lines))
    pd.testing.assert_frame_equal(graphlet_table(target), graphlet_table(reference))
    if exports is not None:
        return assert_same_exports(target, reference, exports, step)
    return None


def graphlets_of_pipelines_built_last(target) -> int:
    """How many graphlets the pipelines whose rows the last build changed hold."""
    with target.driver() as driver:
        records, _, _ = driver.execute_query(
            "MATCH (s:Source {name: $source})-[:HAS_PIPELINE]->(p:Pipeline)-[:HAS_GRAPHLET]->(g:Graphlet) "
            "WHERE p.graphlets_revision = s.graphlets_revision RETURN count(g) AS n",
            source=SOURCE, database_=target.database)
    return records[0]["n"]


def test_a_growing_synthetic_store_built_day_by_day_equals_a_full_build(clean_db, reference_neo4j, corpus_cache,
                                                                        tmp_path):
    live = live_corpus(tmp_path / "live", FIRST_DAY, corpus_cache)
    load_and_build(clean_db, [live])
    exports = tmp_path / "exports"
    with clean_db.driver() as driver:
        export(driver, clean_db.database, exports)
    refreshed_days = fewer_graphlets_days = fewer_facts_days = 0
    for day in range(FIRST_DAY + 1, SMALL["days"] + 1):
        before = len(graphlet_table(clean_db))
        replay(live, day, cache_dir=corpus_cache, progress=None, **SMALL)
        synced, report = sync_and_build(clean_db, [live])
        assert synced[SOURCE].status == "synced", day
        assert report.modes == {SOURCE: INCREMENTAL} and report.reasons == {SOURCE: SYNCED}, day
        touched, after = report.touched[SOURCE], len(graphlet_table(clean_db))
        # Every new graphlet is built, and not every graphlet is rebuilt: the runs of earlier days
        # that the day's runs do not reach stay as they were.
        assert after - before <= touched["rebuilt"] < after, (day, touched)
        exported = assert_same_graph(clean_db, reference_neo4j, [live], f"day {day}", exports)
        # The tables partitioned by pipeline were refreshed from their rows, not run whole, and
        # only for the pipelines the build touched.
        partitioned = [q for q in queries.registry() if q.partition]
        assert set(exported.refreshed) == {q.name.rsplit(".", 1)[-1] for q in partitioned}, (day, exported.refreshed)
        counts = set(exported.refreshed.values())
        assert None not in counts and len(counts) == 1, (day, exported.refreshed)
        refreshed_days += counts.pop() < SMALL["pipelines"]
        # The tables by graphlet ran again only the graphlets the build could change (rules §13),
        # fewer than those pipelines hold; those that read no costs or links, only the graphlets
        # whose other facts may have changed.
        by_graphlet = {q.name.rsplit(".", 1)[-1]: touched["revised_facts" if q.graphlet_facts else "revised"]
                       for q in partitioned if q.graphlet}
        assert exported.refreshed_graphlets == by_graphlet, (day, touched)
        assert any(q.graphlet_facts for q in partitioned) and touched["revised_facts"] <= touched["revised"]
        fewer_facts_days += touched["revised_facts"] < touched["revised"]
        held = graphlets_of_pipelines_built_last(clean_db)
        fewer_graphlets_days += touched["revised"] < held
    # Some day's runs reach only some pipelines (a day that reaches all of them is refreshed whole),
    # some day's build touches only some graphlets of those, and changes only the costs of some.
    assert refreshed_days > 0 and fewer_graphlets_days > 0 and fewer_facts_days > 0


def test_synthetic_s_grown_day_by_day_and_built_incrementally_equals_a_full_build(clean_db, reference_neo4j,
                                                                                 tmp_path_factory, tmp_path):
    cache = tmp_path_factory.mktemp("corpus-cache-s")
    live = write_snapshot(tmp_path / "live" / f"{SOURCE}.sqlite", day_end_ms(S_FIRST_DAY), cache_dir=cache,
                          progress=None, **S).store
    load_and_build(clean_db, [live])
    exports = tmp_path / "exports"
    with clean_db.driver() as driver:
        export(driver, clean_db.database, exports)
    for day in range(S_FIRST_DAY + 1, S_FIRST_DAY + 3):
        replay(live, day, cache_dir=cache, progress=None, **S)
        synced, report = sync_and_build(clean_db, [live])
        assert synced[SOURCE].status == "synced", day
        assert report.modes == {SOURCE: INCREMENTAL} and report.reasons == {SOURCE: SYNCED}, day
        assert 0 < report.touched[SOURCE]["rebuilt"] < report.graphlets, (day, report.touched)
        exported = assert_same_graph(clean_db, reference_neo4j, [live], f"S, day {day}", exports)
        assert 0 < exported.refreshed["graphlets"] < SCALES["S"], (day, exported.refreshed)


def leave_the_store(path: Path, after_ms: int) -> None:
    """Every execution, artifact and context created after `after_ms` leaves the store with its
    events, links and properties, as rows deleted through SQL would (what stays is what a store
    holds; runs that ended later keep their state)."""
    with sqlite3.connect(path) as conn:
        for table in ("Execution", "Artifact", "Context"):
            conn.execute(f"DELETE FROM {table} WHERE create_time_since_epoch > ?", (after_ms,))
        conn.executescript("""
            DELETE FROM Event WHERE execution_id NOT IN (SELECT id FROM Execution)
                                 OR artifact_id NOT IN (SELECT id FROM Artifact);
            DELETE FROM EventPath WHERE event_id NOT IN (SELECT id FROM Event);
            DELETE FROM Association WHERE execution_id NOT IN (SELECT id FROM Execution)
                                       OR context_id NOT IN (SELECT id FROM Context);
            DELETE FROM Attribution WHERE artifact_id NOT IN (SELECT id FROM Artifact)
                                       OR context_id NOT IN (SELECT id FROM Context);
            DELETE FROM ParentContext WHERE context_id NOT IN (SELECT id FROM Context)
                                         OR parent_context_id NOT IN (SELECT id FROM Context);
            DELETE FROM ExecutionProperty WHERE execution_id NOT IN (SELECT id FROM Execution);
            DELETE FROM ArtifactProperty WHERE artifact_id NOT IN (SELECT id FROM Artifact);
            DELETE FROM ContextProperty WHERE context_id NOT IN (SELECT id FROM Context);""")


def test_rows_that_leave_the_store_are_built_incrementally_as_a_full_build(clean_db, reference_neo4j,
                                                                           corpus_cache, tmp_path):
    # The runs of the last days leave the store: their graphlets go, earlier graphlets lose the
    # downstream work that came late, chains end earlier (and their last graphlets may be open).
    last = SMALL["days"]
    live = live_corpus(tmp_path / "live", last, corpus_cache)
    load_and_build(clean_db, [live])
    exports = tmp_path / "exports"
    with clean_db.driver() as driver:
        export(driver, clean_db.database, exports)
    leave_the_store(live, day_end_ms(last - 3))
    synced, report = sync_and_build(clean_db, [live])
    assert synced[SOURCE].deleted.get("Execution", 0) > 0, synced[SOURCE]
    assert report.modes == {SOURCE: INCREMENTAL}
    assert report.touched[SOURCE]["removed"] > 0, report.touched
    exported = assert_same_graph(clean_db, reference_neo4j, [live], "after the deletions", exports)
    assert exported.refreshed and None not in exported.refreshed.values(), exported.refreshed


def real_store_steps(tmp_path: Path, cuts: int = 4) -> list[list[tuple[Path, Path]]]:
    """Per step, (live file, the store's cut for that step) of every real store: each store cut
    at up to `cuts` instants from its first recorded time to the whole store."""
    steps: list[list[tuple[Path, Path]]] = [[] for _ in range(cuts)]
    for path in REAL_STORES:
        at = instants(path, cuts)
        live = tmp_path / "live" / path.name
        for number, step in enumerate(steps):
            step.append((live, cut(path, at[min(number, len(at) - 1)], tmp_path / f"cut{number}" / path.name)))
    return steps


def test_real_stores_cut_at_instants_synced_and_built_equal_a_full_build(clean_db, reference_neo4j, tmp_path):
    steps = real_store_steps(tmp_path)
    lives = [live for live, _ in steps[0]]
    for live, first in steps[0]:
        live.parent.mkdir(parents=True, exist_ok=True)
        first.replace(live)
    load_and_build(clean_db, lives)
    exports = tmp_path / "exports"
    with clean_db.driver() as driver:
        export(driver, clean_db.database, exports)
    synced_sources = 0
    for number, step in enumerate(steps[1:], 1):
        for live, grown in step:
            grown.replace(live)
        synced, report = sync_and_build(clean_db, lives)
        changed = {source for source, result in synced.items() if result.status == "synced"}
        synced_sources += len(changed)
        # Exactly the sources whose store changed are built, each incrementally.
        assert set(report.built) == changed and set(report.modes.values()) <= {INCREMENTAL}, number
        exported = assert_same_graph(clean_db, reference_neo4j, lives, f"step {number}", exports)
        assert not changed or exported.refreshed, number
    assert synced_sources >= len(REAL_STORES)
    # Then, in every store with events, the first execution that has any (an ExampleGen: upstream
    # of every graphlet there) and the newest artifact that one reads or writes leave the store.
    for live in lives:
        with sqlite3.connect(live) as conn:
            execution = conn.execute("SELECT min(execution_id) FROM Event").fetchone()[0]
            artifact = conn.execute("SELECT max(artifact_id) FROM Event").fetchone()[0]
            if execution is None:
                continue
            for statement, value in (("DELETE FROM Event WHERE execution_id = ?", execution),
                                     ("DELETE FROM Association WHERE execution_id = ?", execution),
                                     ("DELETE FROM ExecutionProperty WHERE execution_id = ?", execution),
                                     ("DELETE FROM Execution WHERE id = ?", execution),
                                     ("DELETE FROM Event WHERE artifact_id = ?", artifact),
                                     ("DELETE FROM Attribution WHERE artifact_id = ?", artifact),
                                     ("DELETE FROM ArtifactProperty WHERE artifact_id = ?", artifact),
                                     ("DELETE FROM Artifact WHERE id = ?", artifact)):
                conn.execute(statement, (value,))
    synced, report = sync_and_build(clean_db, lives)
    assert sum(bool(result.deleted) for result in synced.values()) > len(REAL_STORES) // 2
    assert set(report.modes.values()) == {INCREMENTAL}
    assert sum(touched["removed"] + touched["rebuilt"] for touched in report.touched.values()) > 0
    assert_same_graph(clean_db, reference_neo4j, lives, "after the deletions", exports)


def test_a_sync_that_changes_nothing_touches_nothing(clean_db, corpus_cache, tmp_path):
    live = live_corpus(tmp_path / "live", FIRST_DAY, corpus_cache)
    load_and_build(clean_db, [live])
    with clean_db.driver() as driver:
        before = elements(driver, clean_db.database, marks=True)
    # The same store again: the sync writes nothing, and nothing is left to build.
    synced, report = sync_and_build(clean_db, [live])
    assert synced[SOURCE].status == "unchanged" and report.built == []
    # The same rows in a file whose bytes differ (its header's user_version): the store's version
    # moves, so the build is incremental, and it touches no artifact, graphlet, chain or pipeline.
    with sqlite3.connect(live) as con:
        con.execute("PRAGMA user_version = 7")
    with clean_db.driver() as driver:
        synced = sync_store(live, driver, clean_db.database, quiet=True)
        assert synced.status == "synced", synced
        assert changed_marks(clean_db) == 0  # rows read again but equal are not marked
        report = build(driver, clean_db.database, quiet=True)
    assert report.modes == {SOURCE: INCREMENTAL} and report.reasons == {SOURCE: SYNCED}
    touched = report.touched[SOURCE]
    assert touched["graphlets"] == 0 and all(n == 0 for n in touched.values()), touched
    with clean_db.driver() as driver:
        after = elements(driver, clean_db.database, marks=True)
    # Only the Source node says anything new: the file's digest, and the build's record of it.
    assert [line for line in after[SOURCE] if not line.startswith("N Source|")] == \
           [line for line in before[SOURCE] if not line.startswith("N Source|")]


def running_mlprov_transactions(target) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD metaData WHERE metaData.app = 'mlprov' RETURN count(*) AS n",
            database_=target.database)
    return records[0]["n"]


def test_a_build_killed_half_way_is_redone_whole_and_equals_a_clean_build(clean_db, reference_neo4j, corpus_cache,
                                                                         tmp_path):
    live = live_corpus(tmp_path / "live", FIRST_DAY, corpus_cache)
    load_and_build(clean_db, [live])
    replay(live, FIRST_DAY + 3, cache_dir=corpus_cache, progress=None, **SMALL)
    with clean_db.driver() as driver:
        assert sync_store(live, driver, clean_db.database, quiet=True).status == "synced"
    env = {**os.environ, "NEO4J_URI": clean_db.uri, "NEO4J_DATABASE": clean_db.database}
    env.pop("NEO4J_PASSWORD", None)
    # The incremental build logs each step; it dies (kill -9) right after rebuilding the graphlets
    # the sync reached, before they are chained, linked or costed.
    child = subprocess.Popen([sys.executable, "-m", "mlprov", "graphlets", "build"], env=env,
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = []
    for line in child.stderr:
        seen.append(line)
        if f"{SOURCE}: members done" in line:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "".join(seen)
    # The server drops the dead client's transactions.
    deadline = time.monotonic() + 60
    while running_mlprov_transactions(clean_db) and time.monotonic() < deadline:
        time.sleep(0.5)
    with clean_db.driver() as driver:
        _, pending = queries.execute(driver, clean_db.database, "graphlets.pending", fingerprint="any")
        assert [SOURCE, "loaded", "the last build did not finish"] in pending
        assert changed_marks(clean_db) > 0  # what the killed build had not absorbed yet
        report = build(driver, clean_db.database, quiet=True)
    assert report.modes == {SOURCE: FULL} and report.reasons == {SOURCE: "the last build did not finish"}
    assert_same_graph(clean_db, reference_neo4j, [live], "after the killed build")
