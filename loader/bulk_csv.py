"""Write one MLMD store as CSV files for `neo4j-admin database import full`, streaming.

The rows are the online loader's (`graph_rows`), so both paths write the same graph; this module
only says how each property is typed in a CSV header and writes the rows one line at a time.
The files are plain CSV: on two cores the CPU that gzip would take costs more than the disk.

Quoting follows the importer's defaults: every string is quoted and its quotes doubled, so commas,
quotes and newlines (in JSON `props`) survive; an empty field is an absent property (the online
loader's `SET n = row` drops nulls) while `""` stays an empty string. Labels and relationship
types are the constants below, never from the store.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from mlprov.core.errors import BadInputError
from mlprov.loader import graph_rows, mlmd
from mlprov.loader.operators import OperatorMap
from mlprov.core.progress import Progress

STRING, LONG, DOUBLE = "string", "long", "double"
_LIFTED_KINDS = {"int": LONG, "float": DOUBLE, "str": STRING}

# Column order is the header order; `uid` is also the importer's node ID (uids are unique across
# sources and kinds, so one ID space serves every label).
NODE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Source": (("name", STRING), ("kind", STRING), ("path", STRING), ("sha256", STRING),
               ("schema_version", LONG), ("status", STRING)),
    "Pipeline": (("uid", STRING), ("source", STRING), ("name", STRING)),
    "Context": (("uid", STRING), ("source", STRING), ("mlmd_id", LONG), ("type", STRING), ("name", STRING),
                ("created_at", LONG), ("props", STRING)),
    "Artifact": (("uid", STRING), ("source", STRING), ("mlmd_id", LONG), ("type", STRING), ("name", STRING),
                 ("uri", STRING), ("state", STRING), ("created_at", LONG), ("updated_at", LONG), ("props", STRING),
                 *((prop, _LIFTED_KINDS[kind]) for prop, kind in graph_rows.ARTIFACT_LIFTED.values())),
    "Execution": (("uid", STRING), ("source", STRING), ("mlmd_id", LONG), ("type", STRING), ("operator", STRING),
                  ("category", STRING), ("name", STRING), ("state", STRING), ("created_at", LONG),
                  ("ended_at", LONG), ("cost_s", DOUBLE), ("cost_basis", STRING), ("pipeline", STRING),
                  ("node", STRING), ("props", STRING), *((name, STRING) for name in graph_rows.EXECUTION_LIFTED)),
}
EVENT_COLUMNS = (("event_id", LONG), ("event_type", STRING), ("key", STRING), ("index", LONG), ("at", LONG))
RELATIONSHIP_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "INPUT": EVENT_COLUMNS,
    "OUTPUT": EVENT_COLUMNS,
    "IN_PIPELINE": (),
    "ATTRIBUTED_TO": (),
    "ASSOCIATED_WITH": (),
    "CHILD_OF": (),
}
_PYTHON_TYPES = {STRING: str, LONG: int, DOUBLE: float}


def _double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


class _TypeMismatch(Exception):
    def __init__(self, column: str, value: Any):
        self.column, self.value = column, value


class CsvFile:
    """One import file: a header line, then one line per row; remembers whether a value spans lines."""

    def __init__(self, path: Path, kind: str, columns: tuple[tuple[str, str], ...], *, node: bool):
        self.path = path
        self.kind = kind  # the label or relationship type
        self.node = node
        self.columns = columns
        self.names = frozenset(name for name, _ in columns)
        self.rows = 0
        self.multiline = False
        header = [f"{name}:ID" if node and name == "uid" else f"{name}:{kind_}" for name, kind_ in columns]
        if not node:
            header = [":START_ID", ":END_ID", *header]
        self._file = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._file.write(",".join(header) + "\n")

    def write(self, row: dict[str, Any], ends: tuple[str, str] | None = None) -> None:
        """Write a node's properties, or (with `ends`, its start and end uids) a relationship's."""
        if not row.keys() <= self.names:
            # A property graph_rows writes that has no column here would be lost silently.
            raise RuntimeError(f"{self.kind} rows have properties without a CSV column: {set(row) - self.names}")
        fields = [_field(row.get(name), kind, name) for name, kind in self.columns]
        if ends is not None:
            fields[:0] = (_field(ends[0], STRING, ":START_ID"), _field(ends[1], STRING, ":END_ID"))
        line = ",".join(fields)
        if not self.multiline and ("\n" in line or "\r" in line):
            self.multiline = True
        self._file.write(line + "\n")
        self.rows += 1

    def close(self) -> None:
        self._file.close()


def _field(value: Any, kind: str, column: str) -> str:
    if value is None:
        return ""
    # Exact types: a bool is not a long, and an int would import as a double where the online
    # loader stores a long; either would make the two graphs differ.
    if type(value) is not _PYTHON_TYPES[kind]:
        raise _TypeMismatch(column, value)
    if kind == STRING:
        return '"' + value.replace('"', '""') + '"'
    return str(value) if kind == LONG else _double(value)


@dataclass
class StoreCsv:
    """The import files of one store and what writing them counted."""

    source: str
    path: Path
    files: list[CsvFile] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


class _StoreWriter:
    def __init__(self, store: mlmd.Store, source: str, folder: Path, quiet: bool):
        self.store = store
        self.source = source
        self.folder = folder
        self.quiet = quiet
        self.files: list[CsvFile] = []

    def open(self, kind: str, *, node: bool) -> CsvFile:
        columns = NODE_COLUMNS[kind] if node else RELATIONSHIP_COLUMNS[kind]
        csv = CsvFile(self.folder / f"{kind.lower()}.csv", kind, columns, node=node)
        self.files.append(csv)
        return csv

    def nodes(self, kind: str, rows: Iterable[dict], label: str, total: int) -> int:
        csv = self.open(kind, node=True)
        progress = Progress(f"  {label}", total, quiet=self.quiet)
        for row in rows:
            self.write(csv, row)
            progress.advance()
        progress.close()
        return csv.rows

    def links(self, kind: str, rows: Iterable[tuple[str, str]], label: str, total: int) -> int:
        csv = self.open(kind, node=False)
        progress = Progress(f"  {label}", total, quiet=self.quiet)
        for start, end in rows:
            self.write(csv, {}, (start, end))
            progress.advance()
        progress.close()
        return csv.rows

    def write(self, csv: CsvFile, row: dict, ends: tuple[str, str] | None = None) -> None:
        try:
            csv.write(row, ends)
        except _TypeMismatch as mismatch:
            raise BadInputError(
                f"{self.store.path}: {csv.kind} property {mismatch.column!r} holds "
                f"{type(mismatch.value).__name__} {str(mismatch.value)[:40]!r} where the bulk import expects a "
                f"{dict(csv.columns).get(mismatch.column, STRING)}; load this store without --bulk"
            ) from None


def write_store_csv(store: mlmd.Store, source: str, facts: dict, folder: Path, operators: OperatorMap,
                    *, quiet: bool = False) -> StoreCsv:
    """Stream `store` into CSV files in `folder`, one per label and relationship type.

    The Source node is written `loading` with `facts`; the caller marks it `loaded` once the
    database holds the rest, as the online loader does."""
    started = time.monotonic()
    folder.mkdir(parents=True)
    writer = _StoreWriter(store, source, folder, quiet)
    try:
        writer.write(writer.open("Source", node=True), {"name": source, **facts, "status": "loading"})
        nodes = writer.nodes("Context", (graph_rows.context_row(source, r) for r in mlmd.contexts(store)),
                             "contexts", store.count("Context"))
        nodes += writer.nodes("Artifact", (graph_rows.artifact_row(source, r) for r in mlmd.artifacts(store)),
                              "artifacts", store.count("Artifact"))
        nodes += _executions(writer, store, source, operators)
        relationships = _events(writer, store)
        relationships += writer.links("ATTRIBUTED_TO", _link_ends(source, "a", mlmd.attributions(store)),
                                      "attributions", store.count("Attribution"))
        relationships += writer.links("ASSOCIATED_WITH", _link_ends(source, "e", mlmd.associations(store)),
                                      "associations", store.count("Association"))
        relationships += writer.links(
            "CHILD_OF",
            ((row["child"], row["parent"]) for row in
             (graph_rows.parent_row(source, r) for r in mlmd.parent_contexts(store))),
            "parent contexts", store.count("ParentContext"))
    finally:
        for csv in writer.files:
            csv.close()
    return StoreCsv(source, store.path, writer.files, nodes, relationships, dict(sorted(store.skipped.items())),
                    time.monotonic() - started)


def _executions(writer: _StoreWriter, store: mlmd.Store, source: str, operators: OperatorMap) -> int:
    """Executions, their pipelines (a node per pipeline, at its first execution) and IN_PIPELINE."""
    normaliser = graph_rows.ExecutionNormaliser(source, mlmd.pipeline_contexts(store), operators)
    executions = writer.open("Execution", node=True)
    pipelines = writer.open("Pipeline", node=True)
    in_pipeline = writer.open("IN_PIPELINE", node=False)
    seen_pipelines: set[str] = set()  # one per pipeline: small whatever the store's size
    progress = Progress("  executions", store.count("Execution"), quiet=writer.quiet)
    for row in mlmd.executions(store):
        built = normaliser.row(row)
        node, pipeline_uid = built["node"], built["pipeline_uid"]
        writer.write(executions, node)
        if pipeline_uid not in seen_pipelines:
            seen_pipelines.add(pipeline_uid)
            writer.write(pipelines, {"uid": pipeline_uid, "source": node["source"], "name": node["pipeline"]})
        writer.write(in_pipeline, {}, (built["uid"], pipeline_uid))
        progress.advance()
    progress.close()
    return executions.rows


def _events(writer: _StoreWriter, store: mlmd.Store) -> int:
    """One pass over the events into INPUT and OUTPUT; the reader counts the skipped ones once."""
    files = {"INPUT": writer.open("INPUT", node=False), "OUTPUT": writer.open("OUTPUT", node=False)}
    total = mlmd.count_events(store, "INPUT") + mlmd.count_events(store, "OUTPUT")
    progress = Progress("  events", total, quiet=writer.quiet)
    for event in mlmd.events(store):
        row = graph_rows.event_row(writer.source, event)
        artifact, execution = row.pop("artifact"), row.pop("execution")
        if event["direction"] == "INPUT":
            writer.write(files["INPUT"], row, (artifact, execution))
        else:
            writer.write(files["OUTPUT"], row, (execution, artifact))
        progress.advance()
    progress.close()
    return files["INPUT"].rows + files["OUTPUT"].rows


def _link_ends(source: str, owner_kind: str, rows: Iterable[dict]) -> Iterable[tuple[str, str]]:
    for row in rows:
        link = graph_rows.link_row(source, owner_kind, row)
        yield link["owner"], link["context"]
