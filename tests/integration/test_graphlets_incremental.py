"""Incremental graphlet builds (rules §10): after a sync, `graphlets build` recomputes only what the
sync reached, and the graph equals a fresh load of the same store with a full build, element for
element (scripts/graph_fingerprint.py), and its graphlet table row for row.

The sync is emulated (tests/sync_emulation.py, the contract of rules §10) on stores that grow as
live ones do: the synthetic corpus's as-of snapshots, and the real stores cut at earlier instants
(tests/store_cut.py). The fresh load and full build of each step run on a second throwaway server.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from mlprov.analytics.graphlets import FULL, INCREMENTAL, SYNCED, build
from mlprov.core import queries
from mlprov.corpus import day_end_ms, write_snapshot
from mlprov.loader import load_store
from mlprov.loader.load import default_source_name
from scripts.graph_fingerprint import elements
from tests.helpers import REAL_STORES
from tests.store_cut import cut_store, instants
from tests.sync_emulation import emulate_sync

pytestmark = pytest.mark.integration

SMALL = {"pipelines": 6, "days": 20, "seed": 7}
FIRST_DAY = 10
SOURCE = "syn"


@pytest.fixture(scope="module")
def second_db(make_local_server):
    """A second throwaway server: each step's fresh load and full build, beside the synced graph."""
    server = make_local_server(auth=False)
    server.start()
    return server.target()


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    """The small synthetic corpus as of each day from FIRST_DAY on, one folder per day (the store
    is `syn.sqlite` in each, so its source name is the same every day)."""
    root = tmp_path_factory.mktemp("days")
    cache = tmp_path_factory.mktemp("corpus-cache")
    return {day: write_snapshot(root / f"day{day}" / f"{SOURCE}.sqlite", day_end_ms(day), cache_dir=cache,
                                progress=None, **SMALL).store
            for day in range(FIRST_DAY, SMALL["days"] + 1)}


def wipe(target) -> None:
    with target.driver() as driver, driver.session(database=target.database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def load_and_build(target, stores: dict[str, Path]):
    """Empty the database, load each store under its source name, build (full)."""
    wipe(target)
    with target.driver() as driver:
        for source, path in stores.items():
            load_store(path, driver, target.database, source_name=source, quiet=True)
        report = build(driver, target.database, quiet=True)
    assert set(report.modes.values()) <= {FULL}
    return report


def sync_and_build(target, stores: dict[str, Path]):
    with target.driver() as driver:
        synced = {source: emulate_sync(path, driver, target.database, source) for source, path in stores.items()}
        report = build(driver, target.database, quiet=True)
    return synced, report


def graph(target) -> dict[str, list[str]]:
    with target.driver() as driver:
        return elements(driver, target.database)


def graphlet_table(target) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, "graphlets")


def changed_marks(target) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query("MATCH (n:Changed) RETURN count(n) AS n", database_=target.database)
    return records[0]["n"]


def assert_same_graph(synced_target, fresh_target, step: str) -> None:
    """Whole-graph equality, graphlets included, with the first differing elements on failure."""
    synced, fresh = graph(synced_target), graph(fresh_target)
    if synced != fresh:
        lines = []
        for source in sorted(set(synced) | set(fresh)):
            a, b = set(synced.get(source, [])), set(fresh.get(source, []))
            lines += [f"  incremental only: {line[:300]}" for line in sorted(a - b)[:5]]
            lines += [f"  full build only:  {line[:300]}" for line in sorted(b - a)[:5]]
        pytest.fail(f"{step}: the incrementally built graph differs from a fresh load and full build:\n"
                    + "\n".join(lines))
    pd.testing.assert_frame_equal(graphlet_table(synced_target), graphlet_table(fresh_target))
    assert changed_marks(synced_target) == 0, f"{step}: Changed marks left after a successful build"


def test_a_growing_synthetic_store_built_day_by_day_equals_a_full_build(clean_db, second_db, snapshots):
    load_and_build(clean_db, {SOURCE: snapshots[FIRST_DAY]})
    for day in range(FIRST_DAY + 1, SMALL["days"] + 1):
        before = len(graphlet_table(clean_db))
        synced, report = sync_and_build(clean_db, {SOURCE: snapshots[day]})
        assert synced[SOURCE].changed, f"day {day}: the corpus grows every day"
        assert report.modes == {SOURCE: INCREMENTAL} and report.reasons == {SOURCE: SYNCED}, day
        touched, after = report.touched[SOURCE], len(graphlet_table(clean_db))
        # Every new graphlet is built, and not every graphlet is rebuilt: the runs of earlier days
        # that the day's runs do not reach stay as they were.
        assert after - before <= touched["rebuilt"] < after, (day, touched)
        load_and_build(second_db, {SOURCE: snapshots[day]})
        assert_same_graph(clean_db, second_db, f"day {day}")


def test_a_sync_that_deletes_equals_a_full_build(clean_db, second_db, snapshots):
    # Syncing to an earlier day deletes the runs made since (their graphlets lose members or go)
    # and turns runs that ended since back to RUNNING without their outputs.
    last = SMALL["days"]
    load_and_build(clean_db, {SOURCE: snapshots[last]})
    for day in (last - 3, FIRST_DAY, last):
        synced, report = sync_and_build(clean_db, {SOURCE: snapshots[day]})
        assert report.modes == {SOURCE: INCREMENTAL}
        if day < last:
            assert synced[SOURCE].nodes_deleted > 0 and report.touched[SOURCE]["removed"] > 0
        load_and_build(second_db, {SOURCE: snapshots[day]})
        assert_same_graph(clean_db, second_db, f"back to day {day}")


def real_store_steps(tmp_path: Path) -> list[dict[str, Path]]:
    """Each real store cut at up to three instants, then whole, then cut at its first instant again
    (a sync that deletes): one {source: store} per step."""
    steps: list[dict[str, Path]] = [{} for _ in range(5)]
    for path in REAL_STORES:
        source = default_source_name(path)
        cuts = instants(path, 3)
        sequence = [cut_store(path, cuts[i], tmp_path / f"cut{i}" / path.name) if i < len(cuts) else path
                    for i in range(3)]
        sequence.append(path)
        sequence.append(cut_store(path, cuts[0], tmp_path / "back" / path.name) if cuts else path)
        for step, store in zip(steps, sequence):
            step[source] = store
    return steps


def test_real_stores_cut_at_instants_and_synced_equal_a_full_build(clean_db, second_db, tmp_path):
    steps = real_store_steps(tmp_path)
    load_and_build(clean_db, steps[0])
    grown = 0
    for number, stores in enumerate(steps[1:], 1):
        synced, report = sync_and_build(clean_db, stores)
        changed = {source for source, result in synced.items() if result.changed}
        grown += len(changed)
        # Exactly the sources whose store changed are built, each incrementally.
        assert set(report.built) == changed and set(report.modes.values()) <= {INCREMENTAL}, number
        load_and_build(second_db, stores)
        assert_same_graph(clean_db, second_db, f"step {number}")
    assert grown > len(REAL_STORES)


def test_a_noop_sync_touches_nothing(clean_db, snapshots, tmp_path):
    load_and_build(clean_db, {SOURCE: snapshots[FIRST_DAY]})
    before = graph(clean_db)
    # The same store again: nothing differs, nothing is marked, nothing is pending.
    synced, report = sync_and_build(clean_db, {SOURCE: snapshots[FIRST_DAY]})
    assert not synced[SOURCE].changed and report.built == []
    assert graph(clean_db) == before
    # The same rows in a file that differs (its header's user_version): the content version moves,
    # so the build is incremental, and it touches no graphlet, no artifact and no pipeline.
    other = tmp_path / f"{SOURCE}.sqlite"
    other.write_bytes(snapshots[FIRST_DAY].read_bytes())
    with sqlite3.connect(other) as con:
        con.execute("PRAGMA user_version = 7")
    synced, report = sync_and_build(clean_db, {SOURCE: other})
    assert not synced[SOURCE].changed
    assert report.modes == {SOURCE: INCREMENTAL}
    touched = report.touched[SOURCE]
    assert touched["graphlets"] == 0 and all(n == 0 for n in touched.values()), touched
    after = graph(clean_db)
    # Only the Source node says anything new: the file's sha256 and what the build recorded of it.
    assert [line for line in after[SOURCE] if not line.startswith("N Source|")] == \
           [line for line in before[SOURCE] if not line.startswith("N Source|")]


def running_mlprov_transactions(target) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD metaData, currentQuery WHERE metaData.app = 'mlprov' RETURN count(*) AS n",
            database_=target.database)
    return records[0]["n"]


def test_a_build_killed_half_way_is_redone_whole_and_equals_a_clean_build(clean_db, second_db, snapshots):
    day = FIRST_DAY + 3
    load_and_build(clean_db, {SOURCE: snapshots[FIRST_DAY]})
    with clean_db.driver() as driver:
        assert emulate_sync(snapshots[day], driver, clean_db.database, SOURCE).changed
    env = {**os.environ, "NEO4J_URI": clean_db.uri, "NEO4J_DATABASE": clean_db.database}
    env.pop("NEO4J_PASSWORD", None)
    # The incremental build logs each step; it dies (kill -9) right after rebuilding the graphlets
    # the day reached, before they are chained, linked or costed.
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
    load_and_build(second_db, {SOURCE: snapshots[day]})
    assert_same_graph(clean_db, second_db, "after the killed build")
