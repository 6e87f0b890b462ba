"""Bulk-import-files sink: a store's graph stream as typed CSV files for `neo4j-admin database import full`.

The rows are those of the graph stream (`graph_stream`), the same the Neo4j batch sink writes, so
both paths build the same graph; this module only says how each property is typed in a CSV header
and writes the rows. Rows are held back a batch at a time per file and written column-wise by
pyarrow's CSV writer (C++): formatting each field in Python took as long as reading the store. The
files are plain CSV: on two cores the CPU that gzip would take costs more than the disk.

Quoting follows the importer's defaults: every string is quoted and its quotes doubled, so commas,
quotes and newlines (in JSON `props`) survive; an empty field is an absent property (the online
loader's `SET n = row` drops nulls) while `""` stays an empty string. Labels and relationship
types are the constants below, never from the store.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

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

_ARROW_TYPES = {STRING: pa.string(), LONG: pa.int64(), DOUBLE: pa.float64()}
# Rows held back per file before they are written: large enough that pyarrow's per-call overhead
# vanishes, small enough that a batch of the widest rows (executions) is a few tens of MB.
BATCH_ROWS = 10000
_WRITE_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed", delimiter=",")

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
    def __init__(self, column: str, value: Any, expected: str = STRING, kind: str = ""):
        self.column, self.value, self.expected, self.kind = column, value, expected, kind


class CsvFile:
    """One import file: a header line, then one line per row; remembers whether a value spans lines.

    A relationship file takes each row's start and end node uids from the row's keys `ends` (by
    default `:START_ID` and `:END_ID`); keys in `ignored` are not properties."""

    def __init__(self, path: Path, kind: str, columns: tuple[tuple[str, str], ...], *, node: bool,
                 ends: tuple[str, str] = (":START_ID", ":END_ID"), ignored: frozenset[str] = frozenset(),
                 writer: Executor | None = None):
        self.path = path
        self.kind = kind  # the label or relationship type
        self.node = node
        self.columns = columns
        self.names = frozenset(name for name, _ in columns)
        self.rows = 0
        self.multiline = False
        header = [f"{name}:ID" if node and name == "uid" else f"{name}:{kind_}" for name, kind_ in columns]
        # Where each column's values are in a row: the ends first in a relationship file.
        self._keys: tuple[tuple[str, str], ...] = columns
        self._allowed = self.names | ignored
        if not node:
            header = [":START_ID", ":END_ID", *header]
            self._keys = ((ends[0], STRING), (ends[1], STRING), *columns)
            self._allowed |= set(ends)
        self._pending: list[dict] = []
        # Where full batches are written (a thread beside the reader), else here; one batch of this
        # file at a time is being written.
        self._writer = writer
        self._writing: Future | None = None
        self._file = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._file.write(",".join(header) + "\n")
        self._file.flush()
        self._raw = self._file.buffer

    def append(self, row: dict[str, Any]) -> None:
        """Take a row whose keys are columns (or, in a relationship file, its ends or ignored keys)."""
        self._pending.append(row)
        self.rows += 1
        if len(self._pending) >= BATCH_ROWS:
            rows, self._pending = self._pending, []
            self._submit(self._write, rows)

    def append_columns(self, columns: dict[str, list]) -> None:
        """Take the rows that `columns` hold (equal-length lists keyed as `append`'s rows; a key
        left out is absent in every row), after the rows held back."""
        n = len(next(iter(columns.values()), []))
        if not n:
            return
        if self._pending:
            rows, self._pending = self._pending, []
            self._submit(self._write, rows)
        self.rows += n
        self._submit(self._write_columns, columns)

    def flush(self) -> None:
        """Write the rows held back, and wait until every batch is written."""
        rows, self._pending = self._pending, []
        self._wait()
        self._write(rows)

    def _submit(self, write: Callable[[Any], None], batch: Any) -> None:
        """Write `batch` with `write` (in the writer thread, if any) once the batch before is written."""
        self._wait()
        if self._writer is None:
            write(batch)
        else:
            self._writing = self._writer.submit(write, batch)

    def _wait(self) -> None:
        """Wait for the batch being written (raising what stopped it)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def _write(self, rows: list[dict]) -> None:
        """Write `rows` column by column."""
        if not rows:
            return
        self._check_keys(set().union(*rows))
        self._write_values([[row.get(key) for row in rows] for key, _ in self._keys])

    def _write_columns(self, columns: dict[str, list]) -> None:
        self._check_keys(set(columns))
        n = len(next(iter(columns.values())))
        self._write_values([columns[key] if key in columns else [None] * n for key, _ in self._keys])

    def _check_keys(self, keys: set[str]) -> None:
        unknown = keys - self._allowed
        if unknown:
            # A property graph_rows writes that has no column here would be lost silently.
            raise RuntimeError(f"{self.kind} rows have properties without a CSV column: {unknown}")

    def _write_values(self, values: list[list]) -> None:
        """Write the rows whose values `values` holds, a list per column in `_keys` order."""
        try:
            arrays = [_column(column, kind, name)
                      for column, (_, kind), name in zip(values, self._keys, self._column_names())]
        except _TypeMismatch as mismatch:
            mismatch.kind = self.kind
            raise
        if not self.multiline:
            self.multiline = any(pc.any(pc.match_substring_regex(array, "[\r\n]")).as_py()
                                 for array in arrays if array.type == pa.string() and array.null_count < len(array))
        pa_csv.write_csv(pa.Table.from_arrays(arrays, names=[str(i) for i in range(len(arrays))]), self._raw,
                         _WRITE_OPTIONS)

    def _column_names(self) -> list[str]:
        names = [name for name, _ in self.columns]
        return names if self.node else [":START_ID", ":END_ID", *names]

    def __getstate__(self) -> dict:
        """A closed file as another process sees it (bulk_load's workers hand theirs back): what it
        holds and how to import it, without the open handle or the writer."""
        if not self._file.closed:
            raise RuntimeError(f"{self.path} is still open")
        return {**self.__dict__, "_file": None, "_raw": None, "_writer": None, "_writing": None, "_pending": []}

    def close(self, *, flush: bool = True) -> None:
        """Write what is held back (unless `flush` is false: a failed write drops it) and close."""
        try:
            if flush and not self._file.closed:
                self.flush()
        finally:
            self._pending = []
            if self._writing is not None:
                # A failed write drops the batch being written too; only wait until it ends.
                self._writing.exception()
                self._writing = None
            self._file.close()


def _column(values: list, kind: str, column: str) -> pa.Array:
    """One column's values as an Arrow array of its kind. Exact types: a bool is not a long, and an
    int would import as a double where the online loader stores a long (a float as a long,
    likewise); either would make the two graphs differ. Non-finite doubles are written as the
    importer spells them (Java's), as text."""
    expected = _PYTHON_TYPES[kind]
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds - {expected}:
        raise _TypeMismatch(column, next(v for v in values if v is not None and type(v) is not expected), kind)
    array = pa.array(values, type=_ARROW_TYPES[kind])
    if kind == DOUBLE and array.null_count < len(array) and not pc.all(pc.is_finite(array)).as_py():
        return pa.array([None if v is None else _double(v) for v in values], type=pa.string())
    return array


class ImportFilesSink:
    """Writes one store's graph stream as import files in `folder`, one per label and relationship
    type, after its Source node (`source_node`, marked `loading` as `load.source_begin` marks it:
    the caller marks it `loaded` once the database holds the rest, as the online loader does; None
    when another sink writes part of the same stream, and the Source node, in another folder).

    The files are for `neo4j-admin database import full`, which builds a whole database at once:
    this sink takes a whole store, never a delta."""

    def __init__(self, folder: Path, store_location: str, source_node: dict | None):
        self.store_location = store_location
        folder.mkdir(parents=True)
        self.files: list[CsvFile] = []
        # One thread writes the full batches while the reader goes on: pyarrow's writer and
        # SQLite's query steps both run without the GIL, so the two overlap on two cores.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-files")
        try:
            self._nodes = {kind: self._open(folder, kind, NODE_COLUMNS[kind], node=True) for kind in NODE_COLUMNS}
            ends = {kind: (start, end) for kind, start, end in RELATIONSHIP_FILES.values()}
            # An execution row holds its IN_PIPELINE link: its uid, its pipeline's uid, and the node.
            ends["IN_PIPELINE"] = ("uid", "pipeline_uid")
            self._relationships = {
                kind: self._open(folder, kind, columns, node=False, ends=ends[kind],
                                 ignored=frozenset({"node"}) if kind == "IN_PIPELINE" else frozenset())
                for kind, columns in RELATIONSHIP_COLUMNS.items()}
            if source_node is not None:
                self._nodes["Source"].append(source_node)
        except BaseException:
            self.close()
            raise
        # Each part's rows go straight to their file (an execution's to two).
        self._route: dict[Part, Callable[[dict], None]] = {
            **{part: self._nodes[kind].append for part, kind in NODE_FILES.items()},
            **{part: self._relationships[kind].append for part, (kind, _, _) in RELATIONSHIP_FILES.items()},
            EXECUTIONS: self._execution,
        }
        # The link tables' batches (`Reading.batches`) go to their file whole.
        self._route_batch: dict[Part, Callable[[dict[str, list]], None]] = {
            part: self._relationships[kind].append_columns for part, (kind, _, _) in RELATIONSHIP_FILES.items()}

    def _open(self, folder: Path, kind: str, columns: tuple[tuple[str, str], ...], *, node: bool,
              **options) -> CsvFile:
        csv = CsvFile(folder / f"{kind.lower()}.csv", kind, columns, node=node, writer=self._writer, **options)
        self.files.append(csv)
        return csv

    def _execution(self, row: dict) -> None:
        self._nodes["Execution"].append(row["node"])
        self._relationships["IN_PIPELINE"].append(row)

    def write(self, part: Part, row: dict) -> None:
        try:
            self._route[part](row)
        except _TypeMismatch as mismatch:
            raise self._refusal(mismatch) from None

    def write_batch(self, part: Part, columns: dict[str, list]) -> None:
        try:
            self._route_batch[part](columns)
        except _TypeMismatch as mismatch:
            raise self._refusal(mismatch) from None

    def finish(self) -> None:
        try:
            for csv in self.files:
                csv.flush()
        except _TypeMismatch as mismatch:
            raise self._refusal(mismatch) from None
        self.close()

    def close(self) -> None:
        """Close every file; rows not yet written are dropped (`finish` writes them)."""
        for csv in self.files:
            csv.close(flush=False)
        self._writer.shutdown()

    def _refusal(self, mismatch: _TypeMismatch) -> BadInputError:
        return BadInputError(
            f"{self.store_location}: {mismatch.kind} property {mismatch.column!r} holds "
            f"{type(mismatch.value).__name__} {str(mismatch.value)[:40]!r} where the bulk import expects a "
            f"{mismatch.expected}; load this store without --bulk"
        )
