"""`mlprov sync` against a real Neo4j: a store that grows, synced after each step, holds the graph a
fresh load of that step's store gives (content fingerprint of the whole graph, graphlets aside);
rows that leave the store are removed and reported; a sync applied twice, or killed and run again,
ends where a clean sync does; a store that is not the one synced is refused with nothing written.

The fresh loads go into a second server (`reference_neo4j`), so that the synced graph goes on
growing in the session's server."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from mlprov.analytics.graphlets import fingerprint as build_fingerprint
from mlprov.core import queries
from mlprov.core.settings import GraphletSettings
from mlprov.corpus import day_end_ms, replay, write_snapshot
from mlprov.corpus.full_cache import cached_corpus
from mlprov.loader.store_diff import LINK_TABLES, NODE_TABLES, graph_counts
from mlprov.loader.store_state import file_sha256
from scripts.graph_fingerprint import fingerprint
from tests.helpers import REAL_STORES, empty, load, run_cli, store, sync
from tests.mlmd_cut import cut, instants

pytestmark = pytest.mark.integration

TINY = {"pipelines": 6, "days": 20, "seed": 7}
# A replayed file and the snapshot of the same day hold the same rows in other bytes (the corpus
# writes them in another order), so their file digests differ while everything else is equal.
FILE_DIGESTS = frozenset({"sha256", "version"})
CUTS = 5


def fingerprint_of(target, **options) -> str:
    with target.driver() as driver:
        return fingerprint(driver, target.database, **options)["*"]


def cypher(target, text, **params):
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [r.data() for r in records]




def fresh(target, location, source):
    """`target` holding only a fresh load of the store at `location` as `source`."""
    empty(target)
    load(target, location, source_name=source)
    return target


def source_node(target, name):
    return cypher(target, "MATCH (s:Source {name: $name}) RETURN properties(s) AS s", name=name)[0]["s"]


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-cache")
    cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], folder)
    return folder


def test_a_growing_corpus_synced_day_by_day_equals_a_fresh_load_of_each_day(clean_db, reference_neo4j,
                                                                             corpus_cache, tmp_path):
    live = tmp_path / "live" / "corpus.sqlite"
    write_snapshot(live, day_end_ms(2), cache_dir=corpus_cache, progress=None, **TINY)
    load(clean_db, live)
    for day in range(3, TINY["days"] + 1):
        replay(live, day, cache_dir=corpus_cache, progress=None, **TINY)
        result = sync(clean_db, live)
        # The change rules found every change: no table needed its keys compared.
        assert (result.status, result.compared, result.deleted) == ("synced", [], {}), day
        assert cypher(clean_db, "MATCH (n:Changed) RETURN count(n) > 0 AS marked") == [{"marked": True}]
        snapshot = write_snapshot(tmp_path / f"day{day}" / "corpus.sqlite", day_end_ms(day), cache_dir=corpus_cache,
                                  progress=None, **TINY).store
        fresh(reference_neo4j, snapshot, "corpus")
        synced, fresh_load = (fingerprint_of(t, ignore=FILE_DIGESTS) for t in (clean_db, reference_neo4j))
        assert synced == fresh_load, day
        assert source_node(clean_db, "corpus")["version"] == file_sha256(live)
    assert sync(clean_db, live).status == "unchanged"


def test_a_growing_corpus_at_scale_s(clean_db, reference_neo4j, tmp_path):
    """The S corpus (30 pipelines), a month in, synced for two more days."""
    corpus = {"scale": "S", "seed": 0}
    live = tmp_path / "live" / "corpus_s.sqlite"
    write_snapshot(live, day_end_ms(30), progress=None, **corpus)
    load(clean_db, live)
    for day in (31, 32):
        replay(live, day, progress=None, **corpus)
        result = sync(clean_db, live)
        assert (result.status, result.compared, result.deleted) == ("synced", [], {}), day
        snapshot = write_snapshot(tmp_path / f"day{day}" / "corpus_s.sqlite", day_end_ms(day), progress=None,
                                  **corpus).store
        fresh(reference_neo4j, snapshot, "corpus_s")
        synced, fresh_load = (fingerprint_of(t, ignore=FILE_DIGESTS) for t in (clean_db, reference_neo4j))
        assert synced == fresh_load, day


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:50])
def test_every_real_store_cut_at_instants_and_synced_step_by_step(clean_db, reference_neo4j, tmp_path, path):
    """No overlap window: the change rules alone (and the per-table counts behind them) must find
    every change between two instants."""
    live = tmp_path / "live.sqlite"
    steps = instants(path, CUTS)
    assert len(steps) >= 2, path.name
    cut(path, steps[0], live)
    load(clean_db, live)
    for at in steps[1:]:
        # The store as it stood at `at`: the same file, grown (its bytes now those of the cut).
        cut(path, at, tmp_path / "next.sqlite").replace(live)
        result = sync(clean_db, live, overlap_ms=0)
        assert result.status in ("synced", "unchanged"), at
        assert not result.deleted, at
        fresh(reference_neo4j, live, "live")
        assert fingerprint_of(clean_db) == fingerprint_of(reference_neo4j), (path.name, at, result)
    # The last instant is the store itself.
    with sqlite3.connect(live) as grown, sqlite3.connect(path) as original:
        for table in ("Execution", "Artifact", "Event", "Context", "Attribution", "Association"):
            query = f"SELECT * FROM `{table}` ORDER BY id"
            assert grown.execute(query).fetchall() == original.execute(query).fetchall(), table


def _delete_like_mlmd(path):
    """Rows leave the store with their links, as a user deleting through SQL would do it: an
    artifact, an execution, a context, an event and a parent link."""
    with sqlite3.connect(path) as conn:
        artifact = conn.execute("SELECT min(artifact_id) FROM Event").fetchone()[0]
        execution = conn.execute("SELECT max(execution_id) FROM Event").fetchone()[0]
        context = conn.execute("SELECT max(id) FROM Context").fetchone()[0]
        event = conn.execute("SELECT min(id) FROM Event WHERE artifact_id <> ? AND execution_id <> ?",
                             (artifact, execution)).fetchone()[0]
        for statement, value in (
                ("DELETE FROM Event WHERE artifact_id = ?", artifact),
                ("DELETE FROM Attribution WHERE artifact_id = ?", artifact),
                ("DELETE FROM ArtifactProperty WHERE artifact_id = ?", artifact),
                ("DELETE FROM Artifact WHERE id = ?", artifact),
                ("DELETE FROM Event WHERE execution_id = ?", execution),
                ("DELETE FROM Association WHERE execution_id = ?", execution),
                ("DELETE FROM Execution WHERE id = ?", execution),
                ("DELETE FROM Association WHERE context_id = ?", context),
                ("DELETE FROM Attribution WHERE context_id = ?", context),
                ("DELETE FROM ParentContext WHERE context_id = ? OR parent_context_id = ?", context),
                ("DELETE FROM Context WHERE id = ?", context),
                ("DELETE FROM Event WHERE id = ?", event)):
            conn.execute(statement, (value,) * statement.count("?"))
        conn.execute("DELETE FROM ParentContext WHERE rowid = (SELECT min(rowid) FROM ParentContext)")


def test_rows_that_left_the_store_are_removed_and_reported(clean_db, reference_neo4j, tmp_path):
    live = tmp_path / "live.sqlite"
    shutil.copy(store("Syahrrulll"), live)
    load(clean_db, live)
    _delete_like_mlmd(live)
    synced = run_cli(clean_db, "sync", str(live))
    assert synced.returncode == 0, synced.stderr
    report = [line for line in synced.stderr.splitlines() if "removed what left the store" in line]
    assert len(report) == 1, synced.stderr
    for table in ("artifact", "execution", "context", "event", "parentcontext"):
        assert f"{table} row(s)" in report[0], report
    assert synced.stdout.startswith("live\tsynced\t")
    assert fingerprint_of(clean_db) == fingerprint_of(fresh(reference_neo4j, live, "live"))
    # A source's deletions marked what held the removed rows.
    assert cypher(clean_db, "MATCH (n:Changed) RETURN count(n) > 0 AS marked") == [{"marked": True}]

    before = fingerprint_of(clean_db, marks=True)
    again = run_cli(clean_db, "sync", str(live), "--quiet")
    assert again.returncode == 0 and again.stdout.startswith("live\tunchanged\t"), again.stderr
    assert fingerprint_of(clean_db, marks=True) == before


def _store_rows(path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (*NODE_TABLES, *LINK_TABLES)}


def _operator_rows(plan, kind: str) -> int:
    """The rows a profiled plan's operators of one kind produced."""
    own = plan.get("rows", 0) if plan["operatorType"].split("@")[0] == kind else 0
    return own + sum(_operator_rows(child, kind) for child in plan.get("children", []))


def test_graph_counts_of_a_source_alone_and_beside_another_are_its_store_rows(clean_db):
    """The sync finds rows that left the store by these counts: alone in the database a source is
    counted from Neo4j's counts by label and type (its own nodes are not walked); beside another
    source, by walking its own nodes. Both must give the store's rows (stores without skipped rows)."""
    first, second = store("Syahrrulll"), store("penguin-transform")
    load(clean_db, first, source_name="first")
    counts_query = queries.registry().get("sync.graph_counts").body
    with clean_db.driver() as driver:
        assert graph_counts(driver, clean_db.database, "first") == _store_rows(first)
        profiled = driver.execute_query("PROFILE " + counts_query, {"source": "first"}, database_=clean_db.database)
        plan = profiled.summary.profile
        assert _operator_rows(plan, "NodeCountFromCountStore") == 3
        assert _operator_rows(plan, "NodeIndexSeek") == 0  # the walk of the source's own nodes did not run
    load(clean_db, second, source_name="second")
    with clean_db.driver() as driver:
        assert graph_counts(driver, clean_db.database, "first") == _store_rows(first)
        assert graph_counts(driver, clean_db.database, "second") == _store_rows(second)
        profiled = driver.execute_query("PROFILE " + counts_query, {"source": "first"}, database_=clean_db.database)
        assert _operator_rows(profiled.summary.profile, "NodeIndexSeek") == sum(_store_rows(first)[t]
                                                                                for t in NODE_TABLES)


def test_rows_pointing_at_rows_that_left_are_counted_as_skipped_like_a_fresh_load(clean_db, reference_neo4j,
                                                                                   tmp_path):
    live = tmp_path / "live.sqlite"
    shutil.copy(store("penguin-transform"), live)
    load(clean_db, live)
    with sqlite3.connect(live) as conn:  # rows deleted under their links, as in a damaged store
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 11)")
        conn.execute("DELETE FROM Execution WHERE id = 14")
    result = sync(clean_db, live)
    assert result.deleted == {"Artifact": 2, "Execution": 1}
    assert result.skipped and sum(result.skipped.values()) == source_node(clean_db, "live")["skipped"]
    assert fingerprint_of(clean_db) == fingerprint_of(fresh(reference_neo4j, live, "live"))


def test_applying_the_same_changes_twice_is_harmless(clean_db, corpus_cache, tmp_path):
    live = tmp_path / "live" / "corpus.sqlite"
    write_snapshot(live, day_end_ms(4), cache_dir=corpus_cache, progress=None, **TINY)
    load(clean_db, live)
    before = source_node(clean_db, "corpus")
    replay(live, 9, cache_dir=corpus_cache, progress=None, **TINY)
    sync(clean_db, live)
    once = fingerprint_of(clean_db, marks=True)
    # The source forgets the sync's watermarks: the next sync reads and writes the same changes again.
    cypher(clean_db, "MATCH (s:Source {name: 'corpus'}) SET s.watermarks = $old, s.sha256 = $sha, s.version = $sha",
           old=before["watermarks"], sha=before["sha256"])
    assert sync(clean_db, live).status == "synced"
    assert fingerprint_of(clean_db, marks=True) == once


def _status(target, source):
    rows = cypher(target, "MATCH (s:Source {name: $name}) RETURN s.status AS status", name=source)
    return rows[0]["status"] if rows else None


def _killed_mid_sync(target, live, marked_at_least: int) -> None:
    """Start `mlprov sync` on `live` and kill -9 it once it has marked that many nodes `Changed`."""
    env = {**os.environ, "NEO4J_URI": target.uri, "NEO4J_DATABASE": target.database}
    env.pop("NEO4J_PASSWORD", None)
    syncing = subprocess.Popen([sys.executable, "-m", "mlprov", "sync", str(live), "--batch-size", "20", "--quiet"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and syncing.poll() is None:
            marked = cypher(target, "MATCH (n:Changed) RETURN count(n) AS n")[0]["n"]
            if marked >= marked_at_least:
                break
            time.sleep(0.05)
        assert syncing.poll() is None, f"the sync ended before it could be killed: {syncing.stderr.read()}"
        os.kill(syncing.pid, signal.SIGKILL)
    finally:
        syncing.wait(30)
        syncing.stderr.close()


@pytest.mark.parametrize("marked_at_least", [1, 300])
def test_a_sync_killed_mid_way_then_run_again_equals_a_clean_sync(clean_db, reference_neo4j, corpus_cache, tmp_path,
                                                                  marked_at_least):
    start = write_snapshot(tmp_path / "day5" / "corpus.sqlite", day_end_ms(5), cache_dir=corpus_cache,
                           progress=None, **TINY).store
    live = tmp_path / "live" / "corpus.sqlite"
    live.parent.mkdir()
    shutil.copy(start, live)
    load(clean_db, live)
    replay(live, 16, cache_dir=corpus_cache, progress=None, **TINY)
    with sqlite3.connect(start) as conn:
        synced_link = conn.execute("SELECT min(id) FROM Attribution").fetchone()[0]
    with sqlite3.connect(live) as conn:  # and a row leaves: the removal is part of the work killed
        conn.execute("DELETE FROM Attribution WHERE id = ?", (synced_link,))

    _killed_mid_sync(clean_db, live, marked_at_least)
    assert _status(clean_db, "corpus") == "syncing"
    # A half-synced source is left alone, as a half-loaded one is.
    built = run_cli(clean_db, "graphlets", "build", check=True)
    assert "corpus\tskipped\tsync not finished" in built.stdout
    # The killed sync's process is gone: the export names the stuck source and what finishes it
    # (exit code 5, rules §13) rather than waiting for it (4).
    exported = run_cli(clean_db, "export", "--output", str(tmp_path / "export"))
    assert exported.returncode == 5, exported.stderr
    assert "corpus (syncing; " in exported.stderr and "`mlprov sync corpus`" in exported.stderr, exported.stderr

    rerun = run_cli(clean_db, "sync", str(live), "--quiet")
    assert rerun.returncode == 0, rerun.stderr
    assert _status(clean_db, "corpus") == "loaded"

    empty(reference_neo4j)
    load(reference_neo4j, start, source_name="corpus")
    clean = sync(reference_neo4j, live)
    assert clean.deleted == {"Attribution": 1}
    assert fingerprint_of(clean_db, marks=True) == fingerprint_of(reference_neo4j, marks=True)


def test_a_source_never_loaded_is_loaded_in_full_and_a_name_finds_its_store(clean_db, tmp_path):
    live = tmp_path / "live.sqlite"
    shutil.copy(store("penguin-tfma"), live)
    first = run_cli(clean_db, "sync", str(live), "--quiet")
    assert first.returncode == 0 and first.stdout.startswith("live\tloaded\t"), first.stderr
    with sqlite3.connect(live) as conn:
        conn.execute("UPDATE Execution SET last_known_state = 4, last_update_time_since_epoch = "
                     "last_update_time_since_epoch + 1 WHERE id = (SELECT max(id) FROM Execution)")
    other_folder = tmp_path / "elsewhere"
    other_folder.mkdir()
    by_name = subprocess.run([sys.executable, "-m", "mlprov", "sync", "live", "--quiet"], cwd=other_folder,
                             capture_output=True, text=True, timeout=300,
                             env={**{k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"},
                                  "NEO4J_URI": clean_db.uri, "NEO4J_DATABASE": clean_db.database})
    assert by_name.returncode == 0 and by_name.stdout.startswith("live\tsynced\t"), by_name.stderr
    state = cypher(clean_db, "MATCH (e:Execution {source: 'live'}) RETURN e.state AS state ORDER BY e.mlmd_id DESC "
                             "LIMIT 1")
    assert state == [{"state": "FAILED"}]
    # `load` of a grown store points at sync; nothing is written.
    before = fingerprint_of(clean_db, marks=True)
    with sqlite3.connect(live) as conn:
        conn.execute("UPDATE Execution SET last_update_time_since_epoch = last_update_time_since_epoch + 1")
    refused = run_cli(clean_db, "load", str(live))
    assert refused.returncode == 1 and "mlprov sync live" in refused.stderr, refused.stderr
    assert fingerprint_of(clean_db, marks=True) == before


def test_graphlet_builds_see_a_synced_source_as_changed(clean_db, corpus_cache, tmp_path):
    live = tmp_path / "live" / "corpus.sqlite"
    write_snapshot(live, day_end_ms(6), cache_dir=corpus_cache, progress=None, **TINY)
    load(clean_db, live)
    run_cli(clean_db, "graphlets", "build", "--quiet", check=True)
    replay(live, 7, cache_dir=corpus_cache, progress=None, **TINY)
    sync(clean_db, live)
    with clean_db.driver() as driver:
        _, pending = queries.execute(driver, clean_db.database, "graphlets.pending",
                                     fingerprint=build_fingerprint(GraphletSettings()))
    assert [row[2] for row in pending if row[0] == "corpus"] == ["store synced"]


def test_a_build_after_a_sync_takes_in_the_marks_and_equals_a_fresh_load_and_build(clean_db, reference_neo4j,
                                                                                   corpus_cache, tmp_path):
    live = tmp_path / "live" / "corpus.sqlite"
    write_snapshot(live, day_end_ms(6), cache_dir=corpus_cache, progress=None, **TINY)
    load(clean_db, live)
    run_cli(clean_db, "graphlets", "build", "--quiet", check=True)
    replay(live, 9, cache_dir=corpus_cache, progress=None, **TINY)
    sync(clean_db, live)
    assert cypher(clean_db, "MATCH (n:Changed) RETURN count(n) > 0 AS marked") == [{"marked": True}]
    run_cli(clean_db, "graphlets", "build", "--quiet", check=True)
    assert cypher(clean_db, "MATCH (n:Changed) RETURN count(n) AS n") == [{"n": 0}]
    fresh(reference_neo4j, live, "corpus")
    run_cli(reference_neo4j, "graphlets", "build", "--quiet", check=True)
    # Marks counted too: none may be left behind, and the graphlets must be a fresh build's.
    assert fingerprint_of(clean_db, marks=True, ignore=FILE_DIGESTS) == \
        fingerprint_of(reference_neo4j, marks=True, ignore=FILE_DIGESTS)


def _refused(target, location, *args):
    before = fingerprint_of(target, marks=True)
    result = run_cli(target, "sync", str(location), *args)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert fingerprint_of(target, marks=True) == before
    return errors[0]


def test_a_store_whose_past_changed_is_refused_with_nothing_written(clean_db, tmp_path):
    live = tmp_path / "live.sqlite"
    shutil.copy(store("penguin-tfma"), live)
    load(clean_db, live)

    shutil.copy(store("Syahrrulll"), live)  # another store at the same location
    assert "another store at this location" in _refused(clean_db, live)

    shutil.copy(store("penguin-tfma"), live)
    with sqlite3.connect(live) as conn:  # type ids renumbered
        conn.execute("UPDATE Type SET id = id + 1000 WHERE id = (SELECT max(id) FROM Type)")
        conn.execute("UPDATE Execution SET last_update_time_since_epoch = last_update_time_since_epoch + 1")
    assert "types are not those of source 'live'" in _refused(clean_db, live)

    shutil.copy(store("penguin-tfma"), live)
    with sqlite3.connect(live) as conn:  # an id reused: execution 6 is another run now
        conn.execute("UPDATE Execution SET create_time_since_epoch = create_time_since_epoch + 60000, "
                     "last_update_time_since_epoch = last_update_time_since_epoch + 600000 WHERE id = 6")
    assert "execution 6 is not the row source 'live' holds" in _refused(clean_db, live)

    # --replace reloads it in full.
    replaced = run_cli(clean_db, "sync", str(live), "--replace", "--quiet")
    assert replaced.returncode == 0 and replaced.stdout.startswith("live\tloaded\t"), replaced.stderr
