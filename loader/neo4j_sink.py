"""Neo4j batch sink: graph rows into a Neo4j database as UNWIND batches of the `load.*` stored queries.

Each part has its stored query (parameterised Cypher; labels and relationship types are written in
the query, never taken from a row). Rows wait in one batch per part; a batch goes out when it is
full, and every batch of an earlier part goes before it, so an execution never reaches the
database before its pipeline, nor an event before its artifact and execution, whatever the batch
size. Nodes are CREATEd (a fresh source has none to match); Pipeline nodes are MERGEd on uid, which
costs nothing at a few per store.

A future `mlprov sync` feeds this same sink a delta of a loaded source: the parts of the stream,
holding only new or changed rows, and deletions. It will plug in as a second table beside
`LOAD_QUERIES`, picked by a mode given to the constructor: upserts (MERGE on uid, on event_id for
events, then SET) for each part, plus DETACH DELETE by uid for the deletion parts, which come last
in the flush order. Batching and ordering stay as they are.
"""

from __future__ import annotations

import neo4j

from mlprov.core import queries
from mlprov.loader.graph_stream import (
    ARTIFACTS, ASSOCIATIONS, ATTRIBUTIONS, CONTEXTS, EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, PARENT_CONTEXTS, PARTS,
    PIPELINES, Part,
)

LOAD_QUERIES = {
    CONTEXTS: "load.contexts",
    ARTIFACTS: "load.artifacts",
    PIPELINES: "load.pipelines",
    EXECUTIONS: "load.executions",
    INPUT_EVENTS: "load.input_events",
    OUTPUT_EVENTS: "load.output_events",
    ATTRIBUTIONS: "load.attributions",
    ASSOCIATIONS: "load.associations",
    PARENT_CONTEXTS: "load.parent_contexts",
}


class Neo4jBatchSink:
    def __init__(self, driver: neo4j.Driver, database: str, batch_size: int):
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self._batches: dict[Part, list[dict]] = {part: [] for part in PARTS}

    def write(self, part: Part, row: dict) -> None:
        batch = self._batches[part]
        batch.append(row)
        if len(batch) >= self.batch_size:
            self._send_up_to(part)

    def finish(self) -> None:
        self._send_up_to(PARTS[-1])

    def _send_up_to(self, last: Part) -> None:
        """Send the waiting batch of `last` and, first, those of the parts before it."""
        for part in PARTS[:PARTS.index(last) + 1]:
            if self._batches[part]:
                queries.execute(self.driver, self.database, LOAD_QUERIES[part], rows=self._batches[part])
                self._batches[part] = []
