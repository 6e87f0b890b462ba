"""The Neo4j batch sink (no server: its stored-query calls are recorded): whatever the batch size, a
batch never reaches the database before the nodes it matches; and only the stream makes pipelines."""

import re
import threading
import time

import pytest

from mlprov.core import queries
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import PIPELINES, GraphStream
from mlprov.loader.neo4j_sink import LOAD_QUERIES, Neo4jBatchSink
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill
from tests.helpers import store

# Queries whose rows are nodes, by `uid`; and the row keys of the uids each other query matches.
CREATES = {"load.contexts", "load.artifacts", "load.pipelines", "load.executions"}
MATCHES = {
    "load.executions": ("pipeline_uid",),
    "load.input_events": ("artifact", "execution"),
    "load.output_events": ("artifact", "execution"),
    "load.attributions": ("owner", "context"),
    "load.associations": ("owner", "context"),
    "load.parent_contexts": ("child", "parent"),
}


def sent_batches(monkeypatch, path, batch_size):
    sent = []
    monkeypatch.setattr(queries, "execute", lambda driver, database, name, rows: sent.append((name, rows)))
    opened = mlmd.open_store(path)
    try:
        written = fill(Neo4jBatchSink(None, "neo4j", batch_size), GraphStream(opened, "s", default_map()), quiet=True)
    finally:
        opened.close()
    return sent, written


@pytest.mark.parametrize("fragment", ["Skye-Tran", "Syahrrulll"])
@pytest.mark.parametrize("batch_size", [1, 3, 5000])
def test_batches_reach_the_database_after_the_nodes_they_match(monkeypatch, fragment, batch_size):
    sent, written = sent_batches(monkeypatch, store(fragment), batch_size)
    in_database = set()
    for name, rows in sent:
        assert 0 < len(rows) <= batch_size
        for row in rows:
            missing = [row[key] for key in MATCHES.get(name, ()) if row[key] not in in_database]
            assert not missing, f"{name} sent before {missing} was written"
            if name in CREATES:
                in_database.add(row["uid"])
    counted = sum(len(rows) for name, rows in sent if name != "load.pipelines")
    assert counted == written.nodes + written.relationships


def test_only_the_pipelines_query_makes_pipeline_nodes():
    makes_pipelines = re.compile(r"\b(CREATE|MERGE)\s*\(\s*\w*\s*:\s*Pipeline\b")
    makers = {name for name, query in queries.registry().queries.items() if makes_pipelines.search(query.body)}
    assert makers == {LOAD_QUERIES[PIPELINES]}


class Recorder:
    """A stand-in for the server's writes: records each batch, when it starts and ends."""

    def __init__(self, fail_on: int | None = None):
        self.calls: list[tuple[str, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, driver, database, name, rows):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.calls.append((name, len(rows)))
            number = len(self.calls)
        try:
            time.sleep(0.01)
            if number == self.fail_on:
                raise RuntimeError(f"batch {number} refused")
        finally:
            with self.lock:
                self.in_flight -= 1


def test_the_next_batch_is_read_while_one_is_written_and_never_two_at_once(monkeypatch):
    """The reader goes on while a batch is in flight (the first batch waits until rows after it were
    read: a sink that wrote in the reader's thread would wait forever), yet batches reach the
    server one at a time, in order."""
    recorder = Recorder()
    read_on = threading.Event()
    rows_read = 0

    def first_waits(driver, database, name, rows):
        if not recorder.calls:
            assert read_on.wait(10), "no row was read while the first batch was being written"
        recorder(driver, database, name, rows)

    monkeypatch.setattr(queries, "execute", first_waits)
    opened = mlmd.open_store(store("Syahrrulll"))
    stream = GraphStream(opened, "s", default_map())
    real_readings = stream.readings

    def counted_readings(only=None):
        for reading in real_readings(only):
            def rows(inner=reading.rows):
                nonlocal rows_read
                for row in inner:
                    rows_read += 1
                    if rows_read == 6:  # a batch of 3 went out at row 3 or 4
                        read_on.set()
                    yield row
            reading.rows = rows()
            yield reading

    monkeypatch.setattr(stream, "readings", counted_readings)
    try:
        written = fill(Neo4jBatchSink(None, "neo4j", 3), stream, quiet=True)
    finally:
        opened.close()
    assert recorder.most_in_flight == 1
    assert sum(n for name, n in recorder.calls if name != "load.pipelines") == written.nodes + written.relationships


def test_a_failed_batch_stops_the_load_with_nothing_left_in_flight(monkeypatch):
    recorder = Recorder(fail_on=2)
    monkeypatch.setattr(queries, "execute", recorder)
    opened = mlmd.open_store(store("Syahrrulll"))
    try:
        with pytest.raises(RuntimeError, match="batch 2 refused"):
            fill(Neo4jBatchSink(None, "neo4j", 3), GraphStream(opened, "s", default_map()), quiet=True)
    finally:
        opened.close()
    # The failure surfaced before the next batch went out: nothing after the failed batch was sent,
    # and nothing is still being written when the caller cleans up.
    assert len(recorder.calls) == 2 and recorder.in_flight == 0
