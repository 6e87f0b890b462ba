"""The Neo4j batch sink (no server: its stored-query calls are recorded): whatever the batch size, a
batch never reaches the database before the nodes it matches; and only the stream makes pipelines."""

import re

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
