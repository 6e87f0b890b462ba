"""Writes MLMD rows straight into a version-10 SQLite store, in large buffered batches.

ml-metadata's own API costs milliseconds per call; the corpus has tens of millions of rows, so
rows are buffered and written one transaction per flush, a thousand rows per INSERT statement
(`executemany` steps one statement per row, which took twice the CPU time at scale M). Ids are
allocated here (not by SQLite) so the simulation can link rows before they are written.

SQLite's work runs in a child process (`store_file.py`) fed through a pipe, so that it and the
simulation share the machine's cores; each flush is one transaction there, as it was here, and
the file's bytes are the same. A table's buffer is a flat list of the statement parameters of
its rows (`LAYOUT` names them), without the columns that are always the same (`_STATEMENTS` writes
those into the statement): fewer values to build, send and bind.
"""

from __future__ import annotations

import marshal
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from mlprov.corpus import schema
from mlprov.loader.vocabulary import TYPE_KIND_ARTIFACT, TYPE_KIND_CONTEXT, TYPE_KIND_EXECUTION

FLUSH_ROWS = 500_000
SEND_QUEUE = 4  # flushes waiting for the pipe: the simulation goes on while the child catches up

# Declared (non-custom) artifact properties; everything else TFX writes as a custom property.
_DECLARED_ARTIFACT_PROPERTIES = {"split_names"}

_HEADS = {
    "Execution": "INSERT INTO Execution (id, type_id, last_known_state, name, create_time_since_epoch, last_update_time_since_epoch)",
    "ExecutionProperty": "INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value, double_value, string_value)",
    "Artifact": "INSERT INTO Artifact (id, type_id, uri, state, create_time_since_epoch, last_update_time_since_epoch)",
    "ArtifactProperty": "INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value, double_value, string_value)",
    "Event": "INSERT INTO Event (id, artifact_id, execution_id, type, milliseconds_since_epoch)",
    "EventPath": "INSERT INTO EventPath (event_id, is_index_step, step_index, step_key)",
    "Context": "INSERT INTO Context (id, type_id, name, create_time_since_epoch, last_update_time_since_epoch)",
    "ParentContext": "INSERT INTO ParentContext (context_id, parent_context_id)",
    "Association": "INSERT INTO Association (id, context_id, execution_id)",
    "Attribution": "INSERT INTO Attribution (id, context_id, artifact_id)",
}
# The buffered values of one unit of each table, in order (a unit is one row, but one event's two
# EventPath rows: its key step, then its index step).
LAYOUT = {
    "Execution": ("id", "type_id", "last_known_state", "name", "create_time_since_epoch", "last_update_time_since_epoch"),
    "ExecutionProperty": ("execution_id", "name", "value"),
    "Artifact": ("id", "type_id", "uri", "create_time_since_epoch", "last_update_time_since_epoch"),
    "ArtifactProperty": ("artifact_id", "name", "is_custom_property", "value"),
    "Event": ("id", "artifact_id", "execution_id", "type", "milliseconds_since_epoch"),
    "EventPath": ("event_id", "step_key", "index_step_event_id", "step_index"),
    "Context": ("id", "type_id", "name", "create_time_since_epoch", "last_update_time_since_epoch"),
    "ParentContext": ("context_id", "parent_context_id"),
    "Association": ("id", "context_id", "execution_id"),
    "Attribution": ("id", "context_id", "artifact_id"),
}
# How each table's statement is made: `unit` is the VALUES text of one unit, a `?` for each of its
# values in LAYOUT's order, and `prefix` + units joined by commas + `suffix` the statement; the
# rows it makes are the ones the writer made before it buffered parameters only. Only anonymous
# parameters: Python's sqlite3 looks up each parameter's name when it binds, and a numbered one
# makes that lookup a scan of all the statement's names. A property's value is one parameter that
# SQL puts in the int, double or string column by its type (binding the two NULLs cost more).
_VALUE_COLUMNS = ("CASE WHEN typeof({0}) = 'integer' THEN {0} END, CASE WHEN typeof({0}) = 'real' THEN {0} END, "
                  "CASE WHEN typeof({0}) = 'text' THEN {0} END")
_STATEMENTS = {table: (f"{head} VALUES ", "(" + ",".join("?" * len(LAYOUT[table])) + ")", "", 1)
               for table, head in _HEADS.items()}
_STATEMENTS["ExecutionProperty"] = (
    f"{_HEADS['ExecutionProperty']} SELECT column1, column2, 1, {_VALUE_COLUMNS.format('column3')} FROM (VALUES ",
    "(?,?,?)", ")", 1)  # every execution property is custom
_STATEMENTS["ArtifactProperty"] = (
    f"{_HEADS['ArtifactProperty']} SELECT column1, column2, column3, {_VALUE_COLUMNS.format('column4')} FROM (VALUES ",
    "(?,?,?,?)", ")", 1)
_STATEMENTS["Artifact"] = (f"{_HEADS['Artifact']} VALUES ", f"(?,?,?,{int(schema.ARTIFACT_LIVE)},?,?)", "", 1)  # LIVE
_STATEMENTS["EventPath"] = (f"{_HEADS['EventPath']} VALUES ", "(?,0,NULL,?),(?,1,?,NULL)", "", 2)


def _value(value: object) -> int | float | str:
    """A property value as MLMD types it: an int (bool too), a double, else a string."""
    if isinstance(value, bool) or isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


class StoreWriter:
    """Creates the store, registers the TFX types, then buffers rows and has the child write them.

    `observe(table, values, start)`, if set, sees every buffered value of the current pipeline
    from `start` on, before the buffer is sent (at a flush, and when the pipeline ends)."""

    def __init__(self, path: Path):
        self.type_ids: dict[str, int] = {}
        self.type_names: dict[int, str] = {}
        registration = self._register_types()
        self._child = _ChildStore(Path(path))
        self._child.send(("open", schema.DDL, registration))
        self._child.send(("statements", {table: (prefix, unit, suffix, len(LAYOUT[table]), rows)
                                         for table, (prefix, unit, suffix, rows) in _STATEMENTS.items()}))
        self._rows: dict[str, list] = {table: [] for table in _HEADS}
        self._pipeline_start = {table: 0 for table in _HEADS}  # where the current pipeline's values begin
        self.observe: Callable[[str, list, int], None] | None = None
        self._buffered = 0
        self._next = {table: 1 for table in ("Execution", "Artifact", "Event", "Context", "Association", "Attribution")}
        self._contexts: dict[tuple[str, str], list[int]] = {}
        self._attributed: set[tuple[int, int]] = set()
        self._component_type_ids = {operator: self.type_ids[class_path]
                                    for operator, (class_path, _) in schema.COMPONENT_TYPES.items()}

    def _register_types(self) -> list[tuple[str, list[tuple]]]:
        """Allocate the type ids; the statements that register them, for the child to run."""
        rows, properties, parents = [], [], []

        def add(name: str, kind: int) -> int:
            type_id = len(rows) + 1
            rows.append((type_id, name, kind))
            self.type_ids[name] = type_id
            self.type_names[type_id] = name
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
        return [("INSERT INTO MLMDEnv (schema_version) VALUES (?)", [(schema.SCHEMA_VERSION,)]),
                ("INSERT INTO Type (id, name, type_kind) VALUES (?,?,?)", rows),
                ("INSERT INTO TypeProperty (type_id, name, data_type) VALUES (?,?,?)", properties),
                ("INSERT INTO ParentType (type_id, parent_type_id) VALUES (?,?)", parents)]

    def _take_id(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def context(self, type_name: str, name: str, at_ms: int) -> int:
        """The id of a context, allocated on first use; its time span grows with each use."""
        entry = self._contexts.get((type_name, name))
        if entry is None:
            entry = [self._take_id("Context"), at_ms, at_ms]
            self._contexts[(type_name, name)] = entry
        else:
            if at_ms < entry[1]:
                entry[1] = at_ms
            if at_ms > entry[2]:
                entry[2] = at_ms
        return entry[0]

    def parent_context(self, child_id: int, parent_id: int) -> None:
        self._rows["ParentContext"] += (child_id, parent_id)
        self._buffered += 1

    def execution(self, operator: str, state: int, name: str, created_ms: int, updated_ms: int,
                  properties: dict[str, object]) -> int:
        execution_id = self._take_id("Execution")
        self._rows["Execution"] += (execution_id, self._component_type_ids[operator], state, name, created_ms, updated_ms)
        buffer = self._rows["ExecutionProperty"]
        for prop, value in properties.items():
            buffer += (execution_id, prop, _value(value))
        self._buffered += 1 + len(properties)
        return execution_id

    def artifact(self, type_name: str, uri: str, created_ms: int, properties: dict[str, object]) -> int:
        artifact_id = self._take_id("Artifact")
        self._rows["Artifact"] += (artifact_id, self.type_ids[type_name], uri, created_ms, created_ms)
        buffer = self._rows["ArtifactProperty"]
        for prop, value in properties.items():
            buffer += (artifact_id, prop, 0 if prop in _DECLARED_ARTIFACT_PROPERTIES else 1, _value(value))
        self._buffered += 1 + len(properties)
        return artifact_id

    def event(self, artifact_id: int, execution_id: int, event_type: int, key: str, at_ms: int, index: int = 0) -> None:
        event_id = self._take_id("Event")
        self._rows["Event"] += (event_id, artifact_id, execution_id, event_type, at_ms)
        self._rows["EventPath"] += (event_id, key, event_id, index)
        self._buffered += 3

    def events(self, execution_id: int, event_type: int, at_ms: int, artifacts: list[tuple],
               context_ids: tuple[int, ...]) -> None:
        """An event (the same type and time) for each (artifact id, key[, index]) of `artifacts`,
        each artifact attributed to `context_ids`: what `event` and `attribute` would write, in bulk."""
        rows = self._rows
        events, paths, attributions = rows["Event"], rows["EventPath"], rows["Attribution"]
        attributed = self._attributed
        next_ids = self._next
        event_id, attribution_id = next_ids["Event"], next_ids["Attribution"]
        first_attribution = attribution_id
        for artifact in artifacts:
            artifact_id = artifact[0]
            events += (event_id, artifact_id, execution_id, event_type, at_ms)
            paths += (event_id, artifact[1], event_id, artifact[2] if len(artifact) > 2 else 0)
            event_id += 1
            for context_id in context_ids:
                if (context_id, artifact_id) not in attributed:
                    attributed.add((context_id, artifact_id))
                    attributions += (attribution_id, context_id, artifact_id)
                    attribution_id += 1
        self._buffered += 3 * len(artifacts) + attribution_id - first_attribution
        next_ids["Event"], next_ids["Attribution"] = event_id, attribution_id

    def associate(self, context_ids: tuple[int, ...], execution_id: int) -> None:
        buffer = self._rows["Association"]
        for context_id in context_ids:
            buffer += (self._take_id("Association"), context_id, execution_id)
        self._buffered += len(context_ids)

    def attribute(self, context_ids: tuple[int, ...], artifact_id: int) -> None:
        buffer = self._rows["Attribution"]
        for context_id in context_ids:
            if (context_id, artifact_id) not in self._attributed:
                self._attributed.add((context_id, artifact_id))
                buffer += (self._take_id("Attribution"), context_id, artifact_id)
                self._buffered += 1

    def end_pipeline(self) -> None:
        """Write the pipeline's contexts (their time spans are known now) and flush if large."""
        buffer = self._rows["Context"]
        for (type_name, name), (context_id, first_ms, last_ms) in sorted(self._contexts.items(), key=lambda kv: kv[1][0]):
            buffer += (context_id, self.type_ids[type_name], name, first_ms, last_ms)
            self._buffered += 1
        self._contexts.clear()
        # Attribution pairs never repeat across pipelines: every pipeline has its own contexts.
        self._attributed.clear()
        self._show_pipeline()
        self.maybe_flush()

    def _show_pipeline(self) -> None:
        """Hand the current pipeline's buffered values to the observer; what follows is the next pipeline's."""
        for table, values in self._rows.items():
            if self.observe is not None and len(values) > self._pipeline_start[table]:
                self.observe(table, values, self._pipeline_start[table])
            self._pipeline_start[table] = len(values)

    def maybe_flush(self) -> None:
        """Flush mid-pipeline when the buffer is large: a busy pipeline alone has millions of rows."""
        if self._buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self._show_pipeline()
        self._child.send(("rows", [(table, values) for table, values in self._rows.items() if values]))
        self._rows = {table: [] for table in _HEADS}
        self._pipeline_start = {table: 0 for table in _HEADS}
        self._buffered = 0

    def next_ids(self) -> tuple[int, int]:
        """The next (execution id, artifact id): a pipeline's rows are a contiguous id range."""
        return self._next["Execution"], self._next["Artifact"]

    def close(self) -> None:
        """Flush, and wait until the child has written everything and closed the store."""
        self.end()
        self.wait()

    def end(self) -> None:
        """Send the last rows and have the child close the store when it has written them."""
        self.flush()
        self._child.send(("close",))

    def wait(self) -> None:
        """Wait until the child has closed the store (after `end`)."""
        self._child.close()

    def abort(self) -> None:
        """Stop the child without finishing the store (after an error)."""
        self._child.abort()


class _ChildStore:
    """The `store_file.py` process writing the store, and a thread feeding its stdin."""

    def __init__(self, path: Path):
        script = Path(__file__).with_name("store_file.py")
        self._process = subprocess.Popen([sys.executable, str(script), str(path)], stdin=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=SEND_QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._feed, name="corpus-store-feed", daemon=True)
        self._thread.start()

    def send(self, message: tuple) -> None:
        if self._error is not None:
            self.abort()
            raise RuntimeError(f"the corpus store writer failed: {self._stderr() or self._error}")
        self._queue.put(marshal.dumps(message))

    def _feed(self) -> None:
        """Write each message with its length; after a failure, only empty the queue."""
        stdin = self._process.stdin
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    stdin.write(len(data).to_bytes(8, "little"))
                    stdin.write(data)
                except BaseException as error:  # noqa: BLE001 - the next send or close reports it
                    self._error = error
        try:
            stdin.close()
        except OSError as error:
            self._error = self._error or error

    def _stderr(self) -> str:
        return self._process.stderr.read().decode(errors="replace").strip()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        status = self._process.wait()
        stderr = self._stderr()
        self._process.stderr.close()
        if status != 0 or self._error is not None:
            raise RuntimeError(f"the corpus store writer failed (exit status {status}): {stderr or self._error}")

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
