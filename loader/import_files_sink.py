"""Bulk-import-files sink: a store's graph stream as typed CSV files for `neo4j-admin database import full`.

The rows are those of the graph stream (`graph_stream`), the same the Neo4j batch sink writes, so
both paths build the same graph; this module only says how each property is typed in a CSV header
and writes the rows one line at a time. The files are plain CSV: on two cores the CPU that gzip
would take costs more than the disk.

Quoting follows the importer's defaults: every string is quoted and its quotes doubled, so commas,
quotes and newlines (in JSON `props`) survive; an empty field is an absent property (the online
loader's `SET n = row` drops nulls) while `""` stays an empty string. Labels and relationship
types are the constants below, never from the store.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mlprov.core.errors import BadInputError
from mlprov.loader import graph_rows
from mlprov.loader.graph_stream import (
    ARTIFACTS, ASSOCIATIONS, ATTRIBUTIONS, CONTEXTS, EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, PARENT_CONTEXTS,
    PIPELINES, Part,
)

STRING, LONG, DOUBLE = "string", "long", "double"
_LIFTED_KINDS = {"int": LONG, "float": DOUBLE, "str": STRING}

# Column order is the header order; `uid` is also the importer's node ID (uids are unique across
# sources and kinds, so one ID space serves every label).
NODE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Source": (("name", STRING), ("kind", STRING), ("location", STRING), ("path", STRING), ("sha256", STRING),
               ("version", STRING), ("schema_version", LONG), ("watermarks", STRING), ("identity", STRING),
               ("status", STRING)),
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

# Which file each part goes to. An execution row also holds its IN_PIPELINE link (see write).
NODE_FILES = {CONTEXTS: "Context", ARTIFACTS: "Artifact", PIPELINES: "Pipeline"}
# part -> (relationship type, the row's key of its start node's uid, of its end node's uid)
RELATIONSHIP_FILES = {
    INPUT_EVENTS: ("INPUT", "artifact", "execution"),
    OUTPUT_EVENTS: ("OUTPUT", "execution", "artifact"),
    ATTRIBUTIONS: ("ATTRIBUTED_TO", "owner", "context"),
    ASSOCIATIONS: ("ASSOCIATED_WITH", "owner", "context"),
    PARENT_CONTEXTS: ("CHILD_OF", "child", "parent"),
}


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


class ImportFilesSink:
    """Writes one store's graph stream as import files in `folder`, one per label and relationship
    type, after its Source node (`source_node`, marked `loading` as `load.source_begin` marks it:
    the caller marks it `loaded` once the database holds the rest, as the online loader does).

    The files are for `neo4j-admin database import full`, which builds a whole database at once:
    this sink takes a whole store, never a delta."""

    def __init__(self, folder: Path, store_location: str, source_node: dict):
        self.store_location = store_location
        folder.mkdir(parents=True)
        self.files: list[CsvFile] = []
        try:
            self._nodes = {kind: self._open(folder, kind, NODE_COLUMNS[kind], node=True) for kind in NODE_COLUMNS}
            self._relationships = {kind: self._open(folder, kind, columns, node=False)
                                   for kind, columns in RELATIONSHIP_COLUMNS.items()}
            self._put(self._nodes["Source"], source_node)
        except BaseException:
            self.close()
            raise

    def _open(self, folder: Path, kind: str, columns: tuple[tuple[str, str], ...], *, node: bool) -> CsvFile:
        csv = CsvFile(folder / f"{kind.lower()}.csv", kind, columns, node=node)
        self.files.append(csv)
        return csv

    def write(self, part: Part, row: dict) -> None:
        if part is EXECUTIONS:
            self._put(self._nodes["Execution"], row["node"])
            self._put(self._relationships["IN_PIPELINE"], {}, (row["uid"], row["pipeline_uid"]))
        elif part in NODE_FILES:
            self._put(self._nodes[NODE_FILES[part]], row)
        else:
            kind, start, end = RELATIONSHIP_FILES[part]
            properties = {name: value for name, value in row.items() if name not in (start, end)}
            self._put(self._relationships[kind], properties, (row[start], row[end]))

    def finish(self) -> None:
        self.close()

    def close(self) -> None:
        for csv in self.files:
            csv.close()

    def _put(self, csv: CsvFile, row: dict, ends: tuple[str, str] | None = None) -> None:
        try:
            csv.write(row, ends)
        except _TypeMismatch as mismatch:
            raise BadInputError(
                f"{self.store_location}: {csv.kind} property {mismatch.column!r} holds "
                f"{type(mismatch.value).__name__} {str(mismatch.value)[:40]!r} where the bulk import expects a "
                f"{dict(csv.columns).get(mismatch.column, STRING)}; load this store without --bulk"
            ) from None
