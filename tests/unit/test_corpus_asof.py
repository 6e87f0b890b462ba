"""Snapshots of the corpus store as it stood at an instant (`generate --as-of`).

A tiny corpus (6 pipelines, 20 days) keeps these fast. The rules are checked against the full
store directly, not through the timeline the snapshot code reads.
"""

import hashlib
import json
import sqlite3
import subprocess

import pandas as pd
import pytest

from mlprov.core.errors import BadInputError
from mlprov.corpus import as_of_ms, day_end_ms, generate, write_snapshot
from mlprov.corpus.full_cache import cached_corpus
from mlprov.corpus.simulate import DAY_MS, WINDOW_START_MS
from mlprov.loader import mlmd
from tests.helpers import mlmd_interpreter

TINY = {"pipelines": 6, "days": 20, "seed": 7}
RUNNING, INPUT = 2, 3


def table_rows(path) -> dict[str, list[tuple]]:
    """Every table's rows (sqlite_sequence included), sorted: what "equal stores" means here."""
    with sqlite3.connect(path) as con:
        tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: sorted(con.execute(f"SELECT * FROM `{table}`"), key=repr) for table in tables}


def _by_id(con, table):
    return {row[0]: row for row in con.execute(f"SELECT * FROM `{table}`")}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def full(cache_dir):
    return cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], cache_dir)


@pytest.fixture(scope="module")
def busy_instant(full):
    """An instant in the middle of the longest run that has outputs: at least one execution in flight."""
    with sqlite3.connect(full.store) as con:
        created, ended = con.execute(
            "SELECT create_time_since_epoch, last_update_time_since_epoch FROM Execution e WHERE EXISTS "
            "(SELECT 1 FROM Event ev WHERE ev.execution_id = e.id AND ev.type = 4) "
            "ORDER BY last_update_time_since_epoch - create_time_since_epoch DESC, id LIMIT 1").fetchone()
    return (created + ended) // 2


@pytest.fixture(scope="module")
def snapshot(full, cache_dir, busy_instant, tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshot")
    return write_snapshot(folder / "tiny.sqlite", busy_instant, cache_dir=cache_dir, progress=None, **TINY)


def test_day_numbers_and_timestamps():
    assert day_end_ms(0) == WINDOW_START_MS == as_of_ms("0") == as_of_ms("2024-01-01T00:00:00Z")
    assert as_of_ms("7") == WINDOW_START_MS + 7 * DAY_MS
    assert as_of_ms("2024-01-15T12:00:00") == as_of_ms("2024-01-15T13:00:00+01:00") == WINDOW_START_MS + 14.5 * DAY_MS
    for bad in ("-1", "yesterday", "2024-13-01"):
        with pytest.raises(BadInputError):
            as_of_ms(bad)


def test_cached_full_store_is_what_generate_writes(full, tmp_path):
    fresh = generate(tmp_path / "tiny.sqlite", progress=None, **TINY)
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert digest(full.store) == digest(fresh.store)


def test_snapshot_is_a_valid_store_the_reader_opens(snapshot):
    store = mlmd.open_store(snapshot.store)
    try:
        streams = {"Artifact": mlmd.artifacts, "Execution": mlmd.executions, "Context": mlmd.contexts,
                   "Event": mlmd.events, "Attribution": mlmd.attributions, "Association": mlmd.associations,
                   "ParentContext": mlmd.parent_contexts}
        for table, stream in streams.items():
            assert sum(1 for _ in stream(store)) == store.count(table) > 0, table
        assert not store.skipped  # nothing points at a row that is not there
    finally:
        store.close()


def test_no_row_after_the_instant_and_ids_are_the_full_stores(full, snapshot, busy_instant):
    t = busy_instant
    with sqlite3.connect(full.store) as whole, sqlite3.connect(snapshot.store) as snap:
        for table in ("Execution", "Artifact", "Context"):
            expected = {i for (i,) in whole.execute(f"SELECT id FROM {table} WHERE create_time_since_epoch <= ?", (t,))}
            assert {i for (i,) in snap.execute(f"SELECT id FROM {table}")} == expected, table
        artifacts, executions = _by_id(whole, "Artifact"), _by_id(whole, "Execution")
        # An event is there once it, its execution and its artifact are.
        expected_events = {i for i, a, x, _, at in whole.execute("SELECT * FROM Event")
                           if max(at, artifacts[a][6], executions[x][5]) <= t}
        assert {i for (i,) in snap.execute("SELECT id FROM Event")} == expected_events
        for table in ("Type", "TypeProperty", "ParentType", "MLMDEnv", "Artifact", "ArtifactProperty", "Event",
                      "Association", "Attribution", "ParentContext"):
            assert set(snap.execute(f"SELECT * FROM `{table}`")) <= set(whole.execute(f"SELECT * FROM `{table}`")), table
        assert snap.execute("SELECT COUNT(*) FROM Type").fetchone() == whole.execute("SELECT COUNT(*) FROM Type").fetchone()
        assert snap.execute("SELECT MAX(last_update_time_since_epoch) FROM Context").fetchone()[0] <= t


def test_in_flight_executions_are_running_without_outputs(full, snapshot, busy_instant):
    t = busy_instant
    with sqlite3.connect(full.store) as whole, sqlite3.connect(snapshot.store) as snap:
        in_flight = [i for (i,) in whole.execute(
            "SELECT id FROM Execution WHERE create_time_since_epoch <= ? AND last_update_time_since_epoch > ?", (t, t))]
        assert in_flight
        now, later = _by_id(snap, "Execution"), _by_id(whole, "Execution")
        for execution in in_flight:
            assert now[execution] == (*later[execution][:2], RUNNING, *later[execution][3:6], later[execution][5])
            properties = {name for (name,) in snap.execute(
                "SELECT name FROM ExecutionProperty WHERE execution_id = ?", (execution,))}
            assert "cpu_seconds" not in properties
            assert properties == {name for (name,) in whole.execute(
                "SELECT name FROM ExecutionProperty WHERE execution_id = ?", (execution,))} - {"cpu_seconds"}
            assert {kind for (kind,) in snap.execute("SELECT type FROM Event WHERE execution_id = ?", (execution,))} <= {INPUT}
            outputs = [a for (a,) in whole.execute(
                "SELECT artifact_id FROM Event WHERE execution_id = ? AND type = 4", (execution,))]
            assert not snap.execute(f"SELECT id FROM Artifact WHERE id IN ({','.join('?' * len(outputs))})",
                                    outputs).fetchall()
        # Runs that ended by then are exactly as in the full store, cpu_seconds included.
        for execution, row in now.items():
            if execution not in in_flight:
                assert row == later[execution]
        assert snap.execute("SELECT COUNT(*) FROM Execution e WHERE NOT EXISTS (SELECT 1 FROM ExecutionProperty p "
                            "WHERE p.execution_id = e.id AND p.name = 'cpu_seconds')").fetchone() == (len(in_flight),)


def test_contexts_were_last_touched_by_their_latest_execution_so_far(snapshot):
    with sqlite3.connect(snapshot.store) as snap:
        assert snap.execute(
            "SELECT COUNT(*) FROM Context c WHERE c.last_update_time_since_epoch != (SELECT MAX(e.create_time_since_epoch) "
            "FROM Association s JOIN Execution e ON e.id = s.execution_id WHERE s.context_id = c.id)").fetchone() == (0,)


def test_ground_truth_is_the_oracle_on_the_snapshot(snapshot):
    from mlprov.corpus import compute

    truth = pd.read_parquet(snapshot.graphlets)
    whole = compute(snapshot.store).graphlets
    compared = ["trainer_id", "outcome", "member_execution_ids", "member_artifact_ids"]
    pd.testing.assert_frame_equal(truth[compared].sort_values("trainer_id", ignore_index=True),
                                  whole[compared].sort_values("trainer_id", ignore_index=True), check_dtype=False)


def test_snapshot_at_the_end_is_the_full_store(full, cache_dir, tmp_path):
    full_rows = table_rows(full.store)
    for name, instant in (("end", day_end_ms(TINY["days"])), ("after", day_end_ms(TINY["days"] + 30))):
        end = write_snapshot(tmp_path / name / "corpus.sqlite", instant, cache_dir=cache_dir, progress=None, **TINY)
        assert table_rows(end.store) == full_rows
        for truth in ("graphlets.csv", "pipelines.csv"):
            assert (end.store.parent / truth).read_bytes() == (full.folder / truth).read_bytes()


def test_day_zero_holds_only_the_types_and_snapshots_are_deterministic(full, cache_dir, tmp_path):
    start = write_snapshot(tmp_path / "zero" / "corpus.sqlite", day_end_ms(0), cache_dir=cache_dir, progress=None, **TINY)
    rows = table_rows(start.store)
    assert {table for table, content in rows.items() if content} == {"MLMDEnv", "Type", "TypeProperty", "ParentType",
                                                                     "sqlite_sequence"}
    assert start.graphlet_count == 0
    again = write_snapshot(tmp_path / "again" / "corpus.sqlite", day_end_ms(0), cache_dir=cache_dir, progress=None, **TINY)
    assert again.store.read_bytes() == start.store.read_bytes()


def test_refuses_to_overwrite_without_force(cache_dir, tmp_path):
    target = tmp_path / "store.sqlite"
    target.write_bytes(b"keep me")
    with pytest.raises(BadInputError, match="--force"):
        write_snapshot(target, day_end_ms(3), cache_dir=cache_dir, progress=None, **TINY)
    assert target.read_bytes() == b"keep me"


READ_WITH_MLMD = """
import json, sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
config = metadata_store_pb2.ConnectionConfig()
config.sqlite.filename_uri = sys.argv[1]
config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
store = metadata_store.MetadataStore(config)
executions = store.get_executions()
print(json.dumps({
    "executions": len(executions), "artifacts": len(store.get_artifacts()), "contexts": len(store.get_contexts()),
    "events": len(store.get_events_by_execution_ids([e.id for e in executions])),
    "running": sum(1 for e in executions if e.last_known_state == metadata_store_pb2.Execution.RUNNING),
}))
"""


@pytest.mark.mlmd
def test_ml_metadata_opens_a_snapshot(snapshot):
    interpreter = mlmd_interpreter()
    result = subprocess.run([interpreter, "-c", READ_WITH_MLMD, str(snapshot.store)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    with sqlite3.connect(snapshot.store) as con:
        count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        assert seen == {"executions": count("SELECT COUNT(*) FROM Execution"),
                        "artifacts": count("SELECT COUNT(*) FROM Artifact"),
                        "contexts": count("SELECT COUNT(*) FROM Context"),
                        "events": count("SELECT COUNT(*) FROM Event"),
                        "running": count("SELECT COUNT(*) FROM Execution WHERE last_known_state = 2")}
    assert seen["running"] > 0
