"""Writes MLMD rows straight into a version-10 SQLite store, in large buffered batches.

ml-metadata's own API costs milliseconds per call; the corpus has tens of millions of rows, so
rows are buffered as tuples and written one transaction per flush, a thousand rows per INSERT
statement: `executemany` steps one statement per row, which took twice the CPU time at scale M.
Ids are allocated here (not by SQLite) so the simulation can link rows before they are written.
"""

from __future__ import annotations

import sqlite3
from itertools import chain
from pathlib import Path

from mlprov.corpus import schema
from mlprov.loader.vocabulary import TYPE_KIND_ARTIFACT, TYPE_KIND_CONTEXT, TYPE_KIND_EXECUTION

FLUSH_ROWS = 500_000
# Rows per multi-row INSERT: past a thousand the statement only grows, it does not get faster.
ROWS_PER_STATEMENT = 1000

# Declared (non-custom) artifact properties; everything else TFX writes as a custom property.
_DECLARED_ARTIFACT_PROPERTIES = {"split_names"}

_INSERTS = {
    "Execution": "INSERT INTO Execution (id, type_id, last_known_state, name, create_time_since_epoch, last_update_time_since_epoch) VALUES (?,?,?,?,?,?)",
    "ExecutionProperty": "INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value, double_value, string_value) VALUES (?,?,?,?,?,?)",
    "Artifact": "INSERT INTO Artifact (id, type_id, uri, state, create_time_since_epoch, last_update_time_since_epoch) VALUES (?,?,?,?,?,?)",
    "ArtifactProperty": "INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value, double_value, string_value) VALUES (?,?,?,?,?,?)",
    "Event": "INSERT INTO Event (id, artifact_id, execution_id, type, milliseconds_since_epoch) VALUES (?,?,?,?,?)",
    "EventPath": "INSERT INTO EventPath (event_id, is_index_step, step_index, step_key) VALUES (?,?,?,?)",
    "Context": "INSERT INTO Context (id, type_id, name, create_time_since_epoch, last_update_time_since_epoch) VALUES (?,?,?,?,?)",
    "ParentContext": "INSERT INTO ParentContext (context_id, parent_context_id) VALUES (?,?)",
    "Association": "INSERT INTO Association (id, context_id, execution_id) VALUES (?,?,?)",
    "Attribution": "INSERT INTO Attribution (id, context_id, artifact_id) VALUES (?,?,?)",
}


def _typed(value: object) -> tuple[int | None, float | None, str | None]:
    """Split a property value into MLMD's (int_value, double_value, string_value) columns."""
    if isinstance(value, bool) or isinstance(value, int):
        return int(value), None, None
    if isinstance(value, float):
        return None, value, None
    return None, None, str(value)


class StoreWriter:
    """Creates the store, registers the TFX types, then buffers and writes rows."""

    def __init__(self, path: Path):
        self.connection = sqlite3.connect(path, isolation_level=None)
        # No journal: the file is written to a temporary name and renamed only when complete.
        self.connection.execute("PRAGMA journal_mode=OFF")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.executescript(schema.DDL)
        self._max_variables = self.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.type_ids: dict[str, int] = {}
        self._register_types()
        self._rows: dict[str, list[tuple]] = {table: [] for table in _INSERTS}
        self._buffered = 0
        self._next = {table: 1 for table in ("Execution", "Artifact", "Event", "Context", "Association", "Attribution")}
        self._contexts: dict[tuple[str, str], list[int]] = {}
        self._attributed: set[tuple[int, int]] = set()

    def _register_types(self) -> None:
        rows, properties, parents = [], [], []

        def add(name: str, kind: int) -> int:
            type_id = len(rows) + 1
            rows.append((type_id, name, kind))
            self.type_ids[name] = type_id
            return type_id

        for name, kind in schema.SYSTEM_TYPES:
            add(name, kind)
        for name in schema.CONTEXT_TYPES:
            add(name, TYPE_KIND_CONTEXT)
        for class_path, parent in schema.COMPONENT_TYPES.values():
            type_id = add(class_path, TYPE_KIND_EXECUTION)
            if parent:
                parents.append((type_id, self.type_ids[parent]))
        for name, (declared, parent) in schema.ARTIFACT_TYPES.items():
            type_id = add(name, TYPE_KIND_ARTIFACT)
            properties += [(type_id, prop, data_type) for prop, data_type in declared.items()]
            if parent:
                parents.append((type_id, self.type_ids[parent]))
        con = self.connection
        con.execute("BEGIN")
        con.execute("INSERT INTO MLMDEnv (schema_version) VALUES (?)", (schema.SCHEMA_VERSION,))
        con.executemany("INSERT INTO Type (id, name, type_kind) VALUES (?,?,?)", rows)
        con.executemany("INSERT INTO TypeProperty (type_id, name, data_type) VALUES (?,?,?)", properties)
        con.executemany("INSERT INTO ParentType (type_id, parent_type_id) VALUES (?,?)", parents)
        con.execute("COMMIT")

    def _take_id(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def _add(self, table: str, row: tuple) -> None:
        self._rows[table].append(row)
        self._buffered += 1

    def context(self, type_name: str, name: str, at_ms: int) -> int:
        """The id of a context, allocated on first use; its time span grows with each use."""
        entry = self._contexts.get((type_name, name))
        if entry is None:
            entry = [self._take_id("Context"), at_ms, at_ms]
            self._contexts[(type_name, name)] = entry
        else:
            entry[1] = min(entry[1], at_ms)
            entry[2] = max(entry[2], at_ms)
        return entry[0]

    def parent_context(self, child_id: int, parent_id: int) -> None:
        self._add("ParentContext", (child_id, parent_id))

    def execution(self, operator: str, state: int, name: str, created_ms: int, updated_ms: int,
                  properties: dict[str, object]) -> int:
        execution_id = self._take_id("Execution")
        type_id = self.type_ids[schema.COMPONENT_TYPES[operator][0]]
        self._add("Execution", (execution_id, type_id, state, name, created_ms, updated_ms))
        for prop, value in properties.items():
            self._add("ExecutionProperty", (execution_id, prop, 1, *_typed(value)))
        return execution_id

    def artifact(self, type_name: str, uri: str, created_ms: int, properties: dict[str, object]) -> int:
        artifact_id = self._take_id("Artifact")
        self._add("Artifact", (artifact_id, self.type_ids[type_name], uri, schema.ARTIFACT_LIVE, created_ms, created_ms))
        for prop, value in properties.items():
            is_custom = 0 if prop in _DECLARED_ARTIFACT_PROPERTIES else 1
            self._add("ArtifactProperty", (artifact_id, prop, is_custom, *_typed(value)))
        return artifact_id

    def event(self, artifact_id: int, execution_id: int, event_type: int, key: str, at_ms: int, index: int = 0) -> None:
        event_id = self._take_id("Event")
        self._add("Event", (event_id, artifact_id, execution_id, event_type, at_ms))
        self._add("EventPath", (event_id, 0, None, key))
        self._add("EventPath", (event_id, 1, index, None))

    def associate(self, context_ids: tuple[int, ...], execution_id: int) -> None:
        for context_id in context_ids:
            self._add("Association", (self._take_id("Association"), context_id, execution_id))

    def attribute(self, context_ids: tuple[int, ...], artifact_id: int) -> None:
        for context_id in context_ids:
            if (context_id, artifact_id) not in self._attributed:
                self._attributed.add((context_id, artifact_id))
                self._add("Attribution", (self._take_id("Attribution"), context_id, artifact_id))

    def end_pipeline(self) -> None:
        """Write the pipeline's contexts (their time spans are known now) and flush if large."""
        for (type_name, name), (context_id, first_ms, last_ms) in sorted(self._contexts.items(), key=lambda kv: kv[1][0]):
            self._add("Context", (context_id, self.type_ids[type_name], name, first_ms, last_ms))
        self._contexts.clear()
        # Attribution pairs never repeat across pipelines: every pipeline has its own contexts.
        self._attributed.clear()
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush mid-pipeline when the buffer is large: a busy pipeline alone has millions of rows."""
        if self._buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        con = self.connection
        con.execute("BEGIN")
        for table, rows in self._rows.items():
            if rows:
                self._insert(table, rows)
                rows.clear()
        con.execute("COMMIT")
        self._buffered = 0

    def _insert(self, table: str, rows: list[tuple]) -> None:
        """Insert `rows` in their order, as `executemany` would (the file's bytes depend on it),
        many rows per statement."""
        con = self.connection
        head, one_row = _INSERTS[table].split(" VALUES ")
        per_statement = min(ROWS_PER_STATEMENT, self._max_variables // one_row.count("?"))
        full = f"{head} VALUES {','.join([one_row] * per_statement)}"
        whole = len(rows) - len(rows) % per_statement
        for start in range(0, whole, per_statement):
            con.execute(full, list(chain.from_iterable(rows[start:start + per_statement])))
        if whole < len(rows):
            con.execute(f"{head} VALUES {','.join([one_row] * (len(rows) - whole))}",
                        list(chain.from_iterable(rows[whole:])))

    def next_ids(self) -> tuple[int, int]:
        """The next (execution id, artifact id): a pipeline's rows are a contiguous id range."""
        return self._next["Execution"], self._next["Artifact"]

    def close(self) -> None:
        self.flush()
        self.connection.close()
