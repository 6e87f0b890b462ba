"""The graph stream of a store: each MLMD table read once, one skipped tally, pipelines decided once
and before their executions, nodes before relationships."""

import shutil
import sqlite3
from collections import Counter

import pytest

from mlprov.loader import mlmd
from mlprov.loader.graph_stream import EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, PARTS, PIPELINES, GraphStream
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill
from tests.helpers import REAL_STORES, sql_count, store

# The reader's streams the graph stream reads, each once (the link tables' as column batches; the
# links' by table).
READER_STREAMS = ("contexts", "artifacts", "executions", "event_batches", "link_batches", "parent_contexts")
STREAMS_READ = ("contexts", "artifacts", "executions", "event_batches", "link_batches Attribution",
                "link_batches Association", "parent_contexts")
RELATIONSHIP_TABLES = {"Event": ("input_events", "output_events"), "Attribution": ("attributions",),
                       "Association": ("associations",), "ParentContext": ("parent_contexts",)}


class RecordingSink:
    def __init__(self):
        self.rows = []
        self.finished = False

    def write(self, part, row):
        self.rows.append((part, row))

    def finish(self):
        self.finished = True


def stream_rows(path, source="s"):
    opened = mlmd.open_store(path)
    try:
        stream = GraphStream(opened, source, default_map())
        sink = RecordingSink()
        written = fill(sink, stream, quiet=True)
    finally:
        opened.close()
    assert sink.finished
    return sink.rows, written


@pytest.fixture
def damaged(tmp_path):
    """penguin-tfma with two artifacts and a context deleted: events, attributions, associations
    and a parent link now point at deleted rows."""
    path = tmp_path / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 11)")
        conn.execute("DELETE FROM Context WHERE id = 2")
    return path


def test_each_mlmd_table_is_read_once(monkeypatch, damaged):
    calls = Counter()

    def counted(name, read):
        def wrapper(*args, **kwargs):
            calls[f"{name} {args[1]}" if name == "link_batches" else name] += 1
            return read(*args, **kwargs)
        return wrapper

    for name in (*READER_STREAMS, "pipeline_contexts"):
        monkeypatch.setattr(mlmd, name, counted(name, getattr(mlmd, name)))
    stream_rows(damaged)
    assert calls == {name: 1 for name in STREAMS_READ}


def test_the_skipped_tally_is_the_rows_the_reader_dropped_counted_once(damaged):
    rows, written = stream_rows(damaged)
    yielded = Counter(part.name for part, _ in rows)
    dropped = sum(sql_count(damaged, f"SELECT count(*) FROM {table}") - sum(yielded[part] for part in parts)
                  for table, parts in RELATIONSHIP_TABLES.items())
    dangling_events = sql_count(damaged, "SELECT count(*) FROM Event WHERE artifact_id IN (3, 11)")
    assert dropped > dangling_events > 0
    assert written.skipped["event pointing at a deleted artifact"] == dangling_events
    assert sum(written.skipped.values()) == dropped
    assert written.relationships == sum(yielded[part] for parts in RELATIONSHIP_TABLES.values() for part in parts)


def test_a_stream_is_read_once(damaged):
    opened = mlmd.open_store(damaged)
    try:
        stream = GraphStream(opened, "s", default_map())
        list(stream)
        with pytest.raises(RuntimeError, match="already read"):
            list(stream)
    finally:
        opened.close()


@pytest.fixture
def some_executions_outside_pipelines(tmp_path):
    """A legacy store of 16 pipeline contexts (one per notebook session, one execution each) where
    three executions lost their pipeline association: they belong to the pipeline named after the
    source, and their three sessions, left without executions, are no pipelines."""
    path = tmp_path / "unassociated.sqlite"
    shutil.copy(store("Skye-Tran"), path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM Association WHERE execution_id IN (2, 7, 16) AND context_id IN "
                     "(SELECT c.id FROM Context c JOIN Type t ON t.id = c.type_id WHERE t.name = 'pipeline')")
    return path


@pytest.mark.parametrize("path", [*REAL_STORES, "unassociated"], ids=lambda p: str(p)[-40:])
def test_each_pipeline_comes_once_before_the_executions_in_it(path, some_executions_outside_pipelines):
    path = some_executions_outside_pipelines if path == "unassociated" else path
    rows, _ = stream_rows(path)
    pipelines = [row["uid"] for part, row in rows if part is PIPELINES]
    assert len(pipelines) == len(set(pipelines)) > 0
    seen = set()
    for part, row in rows:
        if part is PIPELINES:
            seen.add(row["uid"])
        elif part is EXECUTIONS:
            assert row["pipeline_uid"] in seen, f"execution {row['uid']} before its pipeline"
    assert seen == {row["pipeline_uid"] for part, row in rows if part is EXECUTIONS}


def test_the_unassociated_executions_get_the_sources_pipeline(some_executions_outside_pipelines):
    rows, _ = stream_rows(some_executions_outside_pipelines, source="src")
    pipeline_of = {row["node"]["mlmd_id"]: row["pipeline_uid"] for part, row in rows if part is EXECUTIONS}
    assert {pipeline_of[i] for i in (2, 7, 16)} == {"src:p:src"}
    assert sum(1 for part, _ in rows if part is PIPELINES) == 16 - 3 + 1


def test_tables_come_in_load_order_nodes_before_relationships():
    rows, _ = stream_rows(store("Syahrrulll"))
    # Pipelines interleave with executions, input with output events; no table comes back later.
    table_of = {PIPELINES: EXECUTIONS, OUTPUT_EVENTS: INPUT_EVENTS}
    order = [PARTS.index(table_of.get(part, part)) for part, _ in rows]
    assert order == sorted(order)
    last_node = max(i for i, (part, _) in enumerate(rows) if part.counts_as != "relationships")
    first_relationship = min(i for i, (part, _) in enumerate(rows) if part.counts_as == "relationships")
    assert last_node < first_relationship


class BatchRecordingSink(RecordingSink):
    """A sink that takes batches: records each batch's part, size and rows, in the order they came."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def write_batch(self, part, columns):
        sizes = {len(column) for column in columns.values()}
        assert len(sizes) == 1, f"{part.name}: columns of different lengths {sizes}"
        self.batches.append((part, sizes.pop()))
        names = tuple(columns)
        self.rows.extend((part, dict(zip(names, values))) for values in zip(*columns.values()))

    def close(self):
        pass


@pytest.mark.parametrize("path", [store("penguin-tfma"), "damaged"])
def test_a_batch_sink_gets_the_link_tables_in_batches_and_the_same_rows_as_a_row_sink(path, damaged):
    path = damaged if path == "damaged" else path
    rows, written = stream_rows(path)
    opened = mlmd.open_store(path)
    try:
        sink = BatchRecordingSink()
        batched = fill(sink, GraphStream(opened, "s", default_map()), quiet=True)
    finally:
        opened.close()
    by_batch = {part.name for part, _ in sink.batches}
    assert by_batch == {"input_events", "output_events", "attributions", "associations"}
    assert all(size > 0 for _, size in sink.batches)
    # The rows of each part are the same, in the same order, whichever way they came.
    for part in PARTS:
        assert [r for p, r in sink.rows if p == part] == [r for p, r in rows if p == part], part.name
    assert (batched.nodes, batched.relationships, batched.skipped) == (written.nodes, written.relationships,
                                                                        written.skipped)
