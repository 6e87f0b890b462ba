"""What a sync reads, without a server (rules §10): chosen rows read as a whole read gives them,
the changes between two instants of every real store, the skipped rows counted in SQL as the
reader skips them, what the Source records of a store, and the upsert sink's order and rows."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest

from mlprov.core import queries
from mlprov.core.errors import BadInputError
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import (
    DELETED_ARTIFACTS, DELETED_EVENTS, EXECUTIONS, INPUT_EVENTS, GraphStream, Selection,
)
from mlprov.loader.neo4j_sink import UPSERT_QUERIES, Neo4jBatchSink
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill
from mlprov.loader.store_changes import find_changes
from mlprov.loader.store_state import check_same_store, read_state
from tests.helpers import MLMD_STREAMS, REAL_STORES, store
from tests.mlmd_cut import cut, instants

TABLES = {"contexts": "Context", "artifacts": "Artifact", "executions": "Execution", "events": "Event",
          "attributions": "Attribution", "associations": "Association"}


def opened(path):
    return mlmd.open_store(path)


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:50])
def test_chosen_rows_read_as_a_whole_read_gives_them(path):
    store_ = opened(path)
    try:
        store_.chunk_rows = 3  # several chunks of ids even in a small store
        for stream, table in TABLES.items():
            every_id = [row[0] for row in store_.db.rows(f"SELECT id FROM `{table}`")]
            whole = list(getattr(mlmd, stream)(store_))
            assert list(getattr(mlmd, stream)(store_, every_id)) == whole, stream
            if stream in ("attributions", "associations"):
                continue  # their rows do not carry their own id
            some = set(every_id[1::2])
            assert list(getattr(mlmd, stream)(store_, some)) == [
                row for row in whole if row.get("mlmd_id", row.get("event_id")) in some], stream
        contexts = [row[0] for row in store_.db.rows("SELECT id FROM Context")]
        assert list(mlmd.parent_contexts(store_, contexts)) == list(mlmd.parent_contexts(store_))
    finally:
        store_.close()


def _rows_by_id(path, table):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {row[0]: row for row in conn.execute(f"SELECT * FROM `{table}`")}


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:50])
def test_the_changes_between_two_instants_hold_every_row_that_differs(tmp_path, path):
    """Without an overlap window, every row that is new or differs at the later instant is chosen."""
    steps = instants(path, 4)
    for earlier, later in zip(steps, steps[1:]):
        before, after = cut(path, earlier, tmp_path / "before.sqlite"), cut(path, later, tmp_path / "after.sqlite")
        store_ = opened(before)
        recorded = read_state(store_).watermarks
        store_.close()
        store_ = opened(after)
        try:
            chosen = find_changes(store_, recorded, overlap_ms=0).selection
        finally:
            store_.close()
        for stream, table in TABLES.items():
            old, new = _rows_by_id(before, table), _rows_by_id(after, table)
            differing = {row_id for row_id, row in new.items() if old.get(row_id) != row}
            assert differing <= set(getattr(chosen, stream)), (table, earlier, later)


def test_skipped_rows_are_counted_in_sql_as_the_reader_skips_them(tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    shutil.copy(store("Syahrrulll"), damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 30)")
        conn.execute("DELETE FROM Execution WHERE id = 14")
        conn.execute("DELETE FROM Context WHERE id = 5")
        conn.execute("UPDATE Event SET type = 0 WHERE id = 7")
        conn.execute("DELETE FROM Context WHERE id = (SELECT max(parent_context_id) FROM ParentContext)")
    store_ = opened(damaged)
    try:
        for name in MLMD_STREAMS:
            list(getattr(mlmd, name)(store_))
        assert len(store_.skipped) >= 6
        assert mlmd.count_skipped(store_) == store_.skipped
    finally:
        store_.close()


def test_the_recorded_state_tells_the_same_store_from_another(tmp_path):
    copy = tmp_path / "copy.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    first, again = opened(store("penguin-tfma")), opened(copy)
    try:
        state = read_state(first)
        assert read_state(again).facts() | {"location": None, "path": None} == state.facts() | {"location": None,
                                                                                              "path": None}
        check_same_store(again, state.identity, "tfma")
    finally:
        first.close()
        again.close()
    for other in (store("Syahrrulll"), store("penguin-transform")):
        different = opened(other)
        try:
            with pytest.raises(BadInputError, match="another store at this location"):
                check_same_store(different, state.identity, "tfma")
        finally:
            different.close()


def test_the_digest_hashed_beside_the_read_is_the_files_sha256(tmp_path):
    """`read_state` hashes a file in a thread of its own while the store is read: what it records
    is still that file's sha256, and another file's state records another one."""
    digests = {}
    for name in ("penguin-tfma", "Syahrrulll"):
        opened_store = opened(store(name))
        try:
            state = read_state(opened_store)
            find_changes(opened_store, state.watermarks, 0)  # reading goes on while it hashes
            digests[name] = state.facts()["sha256"]
            assert digests[name] == state.version == hashlib.sha256(store(name).read_bytes()).hexdigest()
        finally:
            opened_store.close()
    assert digests["penguin-tfma"] != digests["Syahrrulll"]


def test_the_upsert_sink_sends_rows_without_nulls_and_removals_last(monkeypatch):
    sent = []
    monkeypatch.setattr(queries, "execute", lambda driver, database, name, rows: sent.append((name, rows)))
    store_ = opened(store("penguin-tfma"))
    try:
        sink = Neo4jBatchSink(None, "neo4j", 2, mode="upsert")
        sink.write(DELETED_ARTIFACTS, {"uid": "s:a:99"})
        sink.write(DELETED_EVENTS, {"event_id": 98, "execution": "s:e:1"})
        fill(sink, GraphStream(store_, "s", default_map(), Selection(executions={3}, events={1, 2, 3})), quiet=True)
    finally:
        store_.close()
    names = [name for name, _ in sent]
    assert names[-2:] == [UPSERT_QUERIES[DELETED_EVENTS], UPSERT_QUERIES[DELETED_ARTIFACTS]]
    assert names.index(UPSERT_QUERIES[EXECUTIONS]) < names.index(UPSERT_QUERIES[INPUT_EVENTS])
    for name, rows in sent:
        for row in rows:
            flat = row.get("node", row.get("props", row))
            assert None not in flat.values(), name
    with pytest.raises(ValueError, match="no deleted_artifacts rows"):
        Neo4jBatchSink(None, "neo4j", 2).write(DELETED_ARTIFACTS, {"uid": "s:a:1"})
