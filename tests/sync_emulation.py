"""A stand-in for `mlprov sync` in the tests, faithful to the contract an incremental graphlet
build relies on (docs/rules.md, rules §10), until the real sync replaces it.

`emulate_sync(path, driver, database, source)` brings a loaded source up to date with the store at
`path` through the loader's own graph stream (the same rows a load writes), comparing before
writing:

- a node (Artifact, Execution, Context, Pipeline) that is new or whose properties differ is
  MERGEd on its uid and `SET n = row`, and labelled `Changed`;
- a relationship that is new or whose properties differ is MERGEd (events on their two ends and
  `event_id`, the others on their two ends) and both its ends are labelled `Changed`;
- a relationship the store no longer has is deleted and its ends labelled `Changed`; a node the
  store no longer has is deleted, after labelling `Changed` every Graphlet that holds it and every
  node it is linked to (the surviving ends of the relationships that go with it);
- the Source node gets the store's facts as a load of it would (sha256, counts, skipped rows),
  `loading` while the rows are written and `loaded` after.

Nothing derived by the graphlet build (graphlets, creator links, DAG edges) is written. A sync of
an unchanged store writes no row and labels nothing. Comparing the new rows with digests of the
old ones keeps the memory small enough for an M corpus.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import neo4j

from mlprov.core import queries
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import (
    ARTIFACTS, ASSOCIATIONS, ATTRIBUTIONS, CONTEXTS, EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, PARENT_CONTEXTS,
    PIPELINES, GraphStream, Part,
)
from mlprov.loader.load import LoadResult, file_sha256, finish_source, source_facts
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill

BATCH = 5000
NODE_LABELS = {CONTEXTS: "Context", ARTIFACTS: "Artifact", PIPELINES: "Pipeline", EXECUTIONS: "Execution"}
# relationship type -> (start label, end label, key properties besides the two ends)
RELATIONSHIPS = {
    "IN_PIPELINE": ("Execution", "Pipeline"),
    "INPUT": ("Artifact", "Execution"),
    "OUTPUT": ("Execution", "Artifact"),
    "ATTRIBUTED_TO": ("Artifact", "Context"),
    "ASSOCIATED_WITH": ("Execution", "Context"),
    "CHILD_OF": ("Context", "Context"),
}
EVENT_PROPERTIES = ("event_id", "event_type", "key", "index", "at")
# What the graphlet build writes on the loader's nodes: a sync neither compares nor keeps it.
DERIVED_PROPERTIES = {"Pipeline": {"dag_edges"}}


def _digest(props: dict) -> bytes:
    present = {k: v for k, v in props.items() if v is not None}
    return hashlib.blake2b(json.dumps(present, sort_keys=True, default=str).encode(), digest_size=12).digest()


@dataclass
class SyncResult:
    """What the emulated sync wrote."""

    nodes_upserted: int = 0
    nodes_deleted: int = 0
    relationships_upserted: int = 0
    relationships_deleted: int = 0
    by_label: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.nodes_upserted or self.nodes_deleted or self.relationships_upserted
                    or self.relationships_deleted)


class _DiffSink:
    """A graph sink (loader/sinks.py) that keeps only what differs from the source in the graph."""

    def __init__(self, driver: neo4j.Driver, database: str, source: str):
        self.driver, self.database, self.source = driver, database, source
        self.nodes: dict[str, dict[str, bytes]] = {label: {} for label in NODE_LABELS.values()}
        self.relationships: dict[tuple, bytes] = {}
        self._read_graph()
        self.upserts: dict[str, list[dict]] = {label: [] for label in NODE_LABELS.values()}
        self.relationship_upserts: dict[str, list[dict]] = {kind: [] for kind in RELATIONSHIPS}
        self.seen_nodes: dict[str, set[str]] = {label: set() for label in NODE_LABELS.values()}
        self.seen_relationships: set[tuple] = set()

    def _run(self, text: str, **params: Any) -> list[neo4j.Record]:
        records, _, _ = self.driver.execute_query(text, params, database_=self.database)
        return records

    def _read_graph(self) -> None:
        with self.driver.session(database=self.database) as session:
            for label in NODE_LABELS.values():
                result = session.run(f"MATCH (n:{label}) WHERE n.source = $source RETURN n.uid AS uid, properties(n) AS p",
                                     source=self.source)
                derived = DERIVED_PROPERTIES.get(label, set())
                self.nodes[label] = {r["uid"]: _digest({k: v for k, v in r["p"].items() if k not in derived})
                                     for r in result}
            for kind, (start, end) in RELATIONSHIPS.items():
                result = session.run(
                    f"MATCH (a:{start})-[r:{kind}]->(b:{end}) WHERE a.source = $source "
                    "RETURN a.uid AS a, b.uid AS b, properties(r) AS p", source=self.source)
                for r in result:
                    self.relationships[self._key(kind, r["a"], r["b"], r["p"].get("event_id"))] = _digest(r["p"])

    @staticmethod
    def _key(kind: str, a: str, b: str, event_id: int | None = None) -> tuple:
        return (kind, a, b, event_id)

    # -- GraphSink

    def write(self, part: Part, row: dict) -> None:
        if part in NODE_LABELS:
            label = NODE_LABELS[part]
            props = row["node"] if part == EXECUTIONS else row
            self._node(label, props)
            if part == EXECUTIONS:
                self._relationship("IN_PIPELINE", row["uid"], row["pipeline_uid"], {})
        elif part in (INPUT_EVENTS, OUTPUT_EVENTS):
            props = {name: row[name] for name in EVENT_PROPERTIES}
            kind, a, b = (("INPUT", row["artifact"], row["execution"]) if part == INPUT_EVENTS
                          else ("OUTPUT", row["execution"], row["artifact"]))
            self._relationship(kind, a, b, props)
        elif part == ATTRIBUTIONS:
            self._relationship("ATTRIBUTED_TO", row["owner"], row["context"], {})
        elif part == ASSOCIATIONS:
            self._relationship("ASSOCIATED_WITH", row["owner"], row["context"], {})
        elif part == PARENT_CONTEXTS:
            self._relationship("CHILD_OF", row["child"], row["parent"], {})

    def _node(self, label: str, props: dict) -> None:
        uid = props["uid"]
        self.seen_nodes[label].add(uid)
        if self.nodes[label].get(uid) != _digest(props):
            self.upserts[label].append({k: v for k, v in props.items() if v is not None})

    def _relationship(self, kind: str, a: str, b: str, props: dict) -> None:
        key = self._key(kind, a, b, props.get("event_id"))
        self.seen_relationships.add(key)
        if self.relationships.get(key) != _digest(props):
            self.relationship_upserts[kind].append({"a": a, "b": b, "props": {k: v for k, v in props.items() if v is not None}})

    def finish(self) -> None:
        pass  # applied by `apply`, once the Source facts are known

    # -- writing the difference

    def apply(self) -> SyncResult:
        result = SyncResult()
        for label, rows in self.upserts.items():
            for batch in _batches(rows):
                self._run(f"UNWIND $rows AS row MERGE (n:{label} {{uid: row.uid}}) SET n = row SET n:Changed", rows=batch)
            result.nodes_upserted += len(rows)
            result.by_label[label] = len(rows)
        for kind, rows in self.relationship_upserts.items():
            start, end = RELATIONSHIPS[kind]
            merge = (f"MERGE (a)-[r:{kind} {{event_id: row.props.event_id}}]->(b) SET r = row.props"
                     if kind in ("INPUT", "OUTPUT") else f"MERGE (a)-[r:{kind}]->(b)")
            for batch in _batches(rows):
                self._run(f"UNWIND $rows AS row MATCH (a:{start} {{uid: row.a}}) MATCH (b:{end} {{uid: row.b}}) "
                          f"{merge} SET a:Changed, b:Changed", rows=batch)
            result.relationships_upserted += len(rows)
        gone_relationships = [key for key in self.relationships if key not in self.seen_relationships]
        for kind in RELATIONSHIPS:
            start, end = RELATIONSHIPS[kind]
            rows = [{"a": a, "b": b, "event_id": event_id} for k, a, b, event_id in gone_relationships if k == kind]
            for batch in _batches(rows):
                self._run(f"UNWIND $rows AS row MATCH (a:{start} {{uid: row.a}})-[r:{kind}]->(b:{end} {{uid: row.b}}) "
                          "WHERE row.event_id IS NULL OR r.event_id = row.event_id "
                          "SET a:Changed, b:Changed DELETE r", rows=batch)
            result.relationships_deleted += len(rows)
        for label, known in self.nodes.items():
            gone = sorted(set(known) - self.seen_nodes[label])
            for batch in _batches(gone):
                self._run(f"""
                    UNWIND $uids AS uid
                    MATCH (n:{label} {{uid: uid}})
                    CALL (n) {{
                      MATCH (n)<-[:CONTAINS]-(g:Graphlet)
                      SET g:Changed
                    }}
                    CALL (n) {{
                      MATCH (n)--(m)
                      WHERE m:Artifact OR m:Execution OR m:Context OR m:Pipeline
                      SET m:Changed
                    }}
                    DETACH DELETE n""", uids=batch)
            result.nodes_deleted += len(gone)
        return result


def _batches(rows: list) -> list[list]:
    return [rows[i:i + BATCH] for i in range(0, len(rows), BATCH)]


def emulate_sync(path: Path, driver: neo4j.Driver, database: str, source: str) -> SyncResult:
    """Bring the loaded `source` up to date with the MLMD store at `path`, as `mlprov sync` would."""
    started = datetime.now(timezone.utc)
    store = mlmd.open_store(Path(path))
    try:
        sink = _DiffSink(driver, database, source)
        queries.execute(driver, database, "load.source_begin", source=source,
                        facts=source_facts(store, file_sha256(Path(path))))
        written = fill(sink, GraphStream(store, source, default_map()), quiet=True)
        result = sink.apply()
    finally:
        store.close()
    finished = datetime.now(timezone.utc)
    finish_source(driver, database, LoadResult(source, Path(path), "loaded", written.nodes, written.relationships,
                                               written.skipped, (finished - started).total_seconds()), finished)
    return result
