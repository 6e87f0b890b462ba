"""Neo4j batch sink: graph rows into a Neo4j database as UNWIND batches of stored queries.

Each part has its stored query (parameterised Cypher; labels and relationship types are written in
the query, never taken from a row). Rows wait in one batch per part; a batch goes out when it is
full, and every batch of an earlier part goes before it, so an execution never reaches the
database before its pipeline, nor an event before its artifact and execution, whatever the batch
size.

Two modes, one table of queries each:
- `load` (`load.*`): nodes are CREATEd (a fresh source has none to match); Pipeline nodes are
  MERGEd on uid, which costs nothing at a few per store.
- `upsert` (`sync.*`, what `mlprov sync` writes, rules §10): every row is MERGEd (nodes on uid,
  events on their event id, links on their two ends) and its properties replaced (`SET n = row`,
  so a property gone from the store goes from the node) when they differ; what is created or
  differs gets the label `Changed`, for the incremental graphlet build. Applying a row twice
  changes nothing. The deletion parts (rows that left the store) come after every other part.
  Rows are sent without their null values: `SET n = row` would drop them anyway, and without them
  a node and its row compare equal when nothing changed.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

import neo4j

from mlprov.core import queries
from mlprov.loader.graph_stream import (
    ARTIFACTS, ASSOCIATIONS, ATTRIBUTIONS, CONTEXTS, DELETED_ARTIFACTS, DELETED_ASSOCIATIONS, DELETED_ATTRIBUTIONS,
    DELETED_CONTEXTS, DELETED_EVENTS, DELETED_EXECUTIONS, DELETED_PARENT_CONTEXTS, DELETIONS, EXECUTIONS,
    INPUT_EVENTS, OUTPUT_EVENTS, PARENT_CONTEXTS, PARTS, PIPELINES, Part,
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

UPSERT_QUERIES = {
    CONTEXTS: "sync.contexts",
    ARTIFACTS: "sync.artifacts",
    # Merged on uid already; a new pipeline is marked `Changed` when its first execution joins it.
    PIPELINES: "load.pipelines",
    EXECUTIONS: "sync.executions",
    INPUT_EVENTS: "sync.input_events",
    OUTPUT_EVENTS: "sync.output_events",
    ATTRIBUTIONS: "sync.attributions",
    ASSOCIATIONS: "sync.associations",
    PARENT_CONTEXTS: "sync.parent_contexts",
    DELETED_EVENTS: "sync.delete_events",
    DELETED_ATTRIBUTIONS: "sync.delete_attributions",
    DELETED_ASSOCIATIONS: "sync.delete_associations",
    DELETED_PARENT_CONTEXTS: "sync.delete_parent_contexts",
    DELETED_ARTIFACTS: "sync.delete_artifacts",
    DELETED_EXECUTIONS: "sync.delete_executions",
    DELETED_CONTEXTS: "sync.delete_contexts",
}

MODES = ("load", "upsert")


def _without_nulls(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


def _event_for_upsert(row: dict) -> dict:
    props = _without_nulls({key: row[key] for key in ("event_id", "event_type", "key", "index", "at")})
    return {"artifact": row["artifact"], "execution": row["execution"], "event_id": row["event_id"], "props": props}


# How a graph row is shaped for its upsert query (rows of other parts go as they are).
_UPSERT_ROWS: dict[Part, Callable[[dict], dict]] = {
    CONTEXTS: _without_nulls,
    ARTIFACTS: _without_nulls,
    EXECUTIONS: lambda row: {**row, "node": _without_nulls(row["node"])},
    INPUT_EVENTS: _event_for_upsert,
    OUTPUT_EVENTS: _event_for_upsert,
}


class Neo4jBatchSink:
    """Batches go out one at a time, in order, from a thread beside the reader: while the server
    writes one batch, the next is read and built (the server's wait and the reader's work overlap
    on two cores). At most one batch is in flight; the failure of one is raised by the next `write`,
    `finish` or `close`, and `close` returns only once nothing is in flight, so a caller that
    cleans up after a failure never races a batch still being written."""

    def __init__(self, driver: neo4j.Driver, database: str, batch_size: int, mode: str = "load"):
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self.mode = mode
        self._queries = LOAD_QUERIES if mode == "load" else UPSERT_QUERIES
        self._order = PARTS if mode == "load" else PARTS + DELETIONS
        self._batches: dict[Part, list[dict]] = {part: [] for part in self._order}
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-batches")
        self._in_flight: Future | None = None

    def write(self, part: Part, row: dict) -> None:
        if part not in self._queries:
            raise ValueError(f"a {self.mode} sink takes no {part.name} rows")
        if self.mode == "upsert" and part in _UPSERT_ROWS:
            row = _UPSERT_ROWS[part](row)
        batch = self._batches[part]
        batch.append(row)
        if len(batch) >= self.batch_size:
            self._send_up_to(part)

    def finish(self) -> None:
        """Send every batch still waiting and return once the server has written them all."""
        self._send_up_to(self._order[-1])
        self.close()

    def close(self) -> None:
        """Wait for the batch in flight (raising its failure) and stop the sending thread; batches
        not yet sent are dropped (`finish` sends them)."""
        try:
            self._wait()
        finally:
            self._sender.shutdown(wait=True)

    def _wait(self) -> None:
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            in_flight.result()

    def _send_up_to(self, last: Part) -> None:
        """Send the waiting batch of `last` and, first, those of the parts before it."""
        for part in self._order[:self._order.index(last) + 1]:
            if self._batches[part]:
                rows, self._batches[part] = self._batches[part], []
                self._wait()
                self._in_flight = self._sender.submit(queries.execute, self.driver, self.database,
                                                      self._queries[part], rows=rows)
