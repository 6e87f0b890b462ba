"""Read an MLMD SQLite store (schema versions 4 to 10) with plain SQL, as streams of rows.

Every stream is ordered by MLMD id and joins its side tables by merging sorted cursors, so memory
stays flat however large the store. Columns that a schema version lacks come back as None.
Rows that point at deleted rows (damaged stores) are not yielded; they are counted in
``Store.skipped`` with the reason.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from mlprov.core.errors import BadInputError
from mlprov.loader.vocabulary import (
    ARTIFACT_STATES, EVENT_TYPES, EXECUTION_STATES, INPUT_EVENTS, LEGACY_STATES, OUTPUT_EVENTS, TYPE_KIND_CONTEXT,
)

SUPPORTED_SCHEMA_VERSIONS = range(4, 11)
REQUIRED_TABLES = {
    "Type", "Artifact", "ArtifactProperty", "Execution", "ExecutionProperty",
    "Event", "EventPath", "Context", "ContextProperty", "Association", "Attribution", "MLMDEnv",
}
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Store:
    """An open, validated MLMD store and what reading it skipped."""

    path: Path
    conn: sqlite3.Connection
    schema_version: int
    columns: dict[str, set[str]]
    type_names: dict[int, str]
    type_kinds: dict[int, int]
    skipped: Counter = field(default_factory=Counter)

    def close(self) -> None:
        self.conn.close()

    def has(self, table: str, column: str | None = None) -> bool:
        cols = self.columns.get(table)
        return cols is not None and (column is None or column in cols)

    def col(self, table: str, column: str, alias: str = "") -> str:
        """`column` when the table has it in this schema version, else NULL (names are our own)."""
        qualified = f"{alias}.{column}" if alias else column
        return qualified if self.has(table, column) else "NULL"

    def count(self, table: str) -> int:
        if not self.has(table):
            return 0
        return self.conn.execute(f"SELECT count(*) FROM `{table}`").fetchone()[0]

    def type_ids(self, kind: int, name: str) -> list[int]:
        return [i for i, n in self.type_names.items() if n == name and self.type_kinds[i] == kind]


def open_store(path: Path) -> Store:
    """Open `path` read-only and check it is an MLMD store we can read, else BadInputError."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(f"{path}: the file is empty, not an MLMD store")
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise BadInputError(f"{path}: not a SQLite database, so not an MLMD SQLite store")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    if page_count and size < page_count * page_size:
        raise BadInputError(
            f"{path}: truncated or damaged SQLite file ({size} bytes, header promises "
            f"{page_count * page_size}); restore a complete copy of the store"
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = REQUIRED_TABLES - tables
        if missing:
            conn.close()
            raise BadInputError(
                f"{path}: a SQLite file but not an MLMD store (missing tables: {', '.join(sorted(missing))})"
            )
        version_rows = conn.execute("SELECT schema_version FROM MLMDEnv").fetchall()
        if len(version_rows) != 1 or version_rows[0][0] not in SUPPORTED_SCHEMA_VERSIONS:
            found = [r[0] for r in version_rows]
            conn.close()
            raise BadInputError(
                f"{path}: MLMD schema version {found[0] if len(found) == 1 else found} is not supported "
                f"(supported: {SUPPORTED_SCHEMA_VERSIONS.start}..{SUPPORTED_SCHEMA_VERSIONS.stop - 1})"
            )
        columns = {t: {r[1] for r in conn.execute(f"PRAGMA table_info(`{t}`)")} for t in tables}
        types = conn.execute("SELECT id, name, type_kind FROM Type").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{path}: unreadable SQLite database ({exc}); is it damaged?") from exc
    return Store(
        path=path,
        conn=conn,
        schema_version=version_rows[0][0],
        columns=columns,
        type_names={i: n for i, n, _ in types},
        type_kinds={i: k for i, _, k in types},
    )


def _grouped(rows: Iterable[tuple]) -> Iterator[tuple[int, list[tuple]]]:
    """Group rows sorted by their first column: yields (id, [rest of each row])."""
    current, bucket = None, []
    for row in rows:
        if row[0] != current:
            if bucket:
                yield current, bucket
            current, bucket = row[0], []
        bucket.append(row[1:])
    if bucket:
        yield current, bucket


class _SortedSide:
    """A sorted (id, value) stream that a main stream, sorted by the same id, looks up in order."""

    def __init__(self, grouped: Iterator[tuple[int, Any]]):
        self._it = grouped
        self._head = next(self._it, None)

    def take(self, key: int, default: Any = None) -> Any:
        while self._head is not None and self._head[0] < key:
            self._head = next(self._it, None)
        if self._head is not None and self._head[0] == key:
            return self._head[1]
        return default


def _property_value(int_v, double_v, string_v, bool_v) -> Any:
    for value in (int_v, double_v, string_v):
        if value is not None:
            return value
    return None if bool_v is None else bool(bool_v)


def _properties(store: Store, table: str, id_column: str) -> _SortedSide:
    bool_col = store.col(table, "bool_value")
    rows = store.conn.execute(
        f"SELECT {id_column}, name, is_custom_property, int_value, double_value, string_value, {bool_col} "
        f"FROM `{table}` ORDER BY {id_column}, is_custom_property DESC"
    )

    def merged() -> Iterator[tuple[int, dict]]:
        for owner, props in _grouped(rows):
            values: dict[str, Any] = {}
            # Custom properties come first, so a non-custom one of the same name wins.
            for name, _is_custom, i, d, s, b in props:
                value = _property_value(i, d, s, b)
                if value is not None:
                    values[name] = value
            yield owner, values

    return _SortedSide(merged())


def _context_names(store: Store, owner_table: str, owner_column: str, context_type: str) -> _SortedSide:
    """For each owner id, the name of the first (lowest id) context of `context_type` it belongs to."""
    type_ids = store.type_ids(TYPE_KIND_CONTEXT, context_type)
    if not type_ids:
        return _SortedSide(iter(()))
    marks = ",".join("?" * len(type_ids))
    rows = store.conn.execute(
        f"SELECT o.{owner_column}, c.name FROM `{owner_table}` o JOIN Context c ON c.id = o.context_id "
        f"WHERE c.type_id IN ({marks}) ORDER BY o.{owner_column}, c.id",
        type_ids,
    )
    return _SortedSide((owner, names[0][0]) for owner, names in _grouped(rows))


def _event_times(store: Store) -> _SortedSide:
    """Per execution: (first event ms, last event ms, has an output-like event)."""
    output_codes = ",".join(str(code) for code, name in EVENT_TYPES.items() if name in OUTPUT_EVENTS)
    rows = store.conn.execute(
        "SELECT execution_id, min(milliseconds_since_epoch), max(milliseconds_since_epoch), "
        f"max(type IN ({output_codes})) FROM Event GROUP BY execution_id ORDER BY execution_id"
    )
    return _SortedSide((r[0], (r[1], r[2], bool(r[3]))) for r in rows)


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def artifacts(store: Store) -> Iterator[dict]:
    props = _properties(store, "ArtifactProperty", "artifact_id")
    rows = store.conn.execute(
        f"SELECT id, type_id, uri, state, {store.col('Artifact', 'name')}, "
        f"{store.col('Artifact', 'create_time_since_epoch')}, {store.col('Artifact', 'last_update_time_since_epoch')} "
        "FROM Artifact ORDER BY id"
    )
    for art_id, type_id, uri, state, name, created, updated in rows:
        yield {
            "mlmd_id": art_id,
            "type": store.type_names.get(type_id, f"unknown-type-{type_id}"),
            "uri": uri,
            "state": ARTIFACT_STATES.get(state) if state is not None else None,
            "name": name,
            "created_at": _positive(created),
            "updated_at": _positive(updated),
            "properties": props.take(art_id, {}),
        }


def executions(store: Store) -> Iterator[dict]:
    props = _properties(store, "ExecutionProperty", "execution_id")
    pipelines = _context_names(store, "Association", "execution_id", "pipeline")
    nodes = _context_names(store, "Association", "execution_id", "node")
    times = _event_times(store)
    rows = store.conn.execute(
        f"SELECT id, type_id, {store.col('Execution', 'last_known_state')}, {store.col('Execution', 'name')}, "
        f"{store.col('Execution', 'create_time_since_epoch')}, {store.col('Execution', 'last_update_time_since_epoch')} "
        "FROM Execution ORDER BY id"
    )
    for ex_id, type_id, state, name, created, updated in rows:
        first_event, last_event, has_output = times.take(ex_id, (None, None, False))
        yield {
            "mlmd_id": ex_id,
            "type": store.type_names.get(type_id, f"unknown-type-{type_id}"),
            "state_code": state,
            "name": name,
            "created_at": _positive(created) or first_event,
            "ended_at": _positive(updated) or last_event,
            "has_output": has_output,
            "pipeline_context": pipelines.take(ex_id),
            "node_context": nodes.take(ex_id),
            "properties": props.take(ex_id, {}),
        }


def execution_state(row: dict) -> str:
    """rules §2: legacy string `state`, else `last_known_state`, else inferred from events."""
    legacy = row["properties"].get("state")
    if isinstance(legacy, str) and legacy.lower() in LEGACY_STATES:
        return LEGACY_STATES[legacy.lower()]
    if row["state_code"] is not None:
        return EXECUTION_STATES.get(row["state_code"], "UNKNOWN")
    return "COMPLETE" if row["has_output"] else "UNKNOWN"


def contexts(store: Store) -> Iterator[dict]:
    props = _properties(store, "ContextProperty", "context_id")
    rows = store.conn.execute(
        f"SELECT id, type_id, name, {store.col('Context', 'create_time_since_epoch')} FROM Context ORDER BY id"
    )
    for ctx_id, type_id, name, created in rows:
        yield {
            "mlmd_id": ctx_id,
            "type": store.type_names.get(type_id, f"unknown-type-{type_id}"),
            "name": name,
            "created_at": _positive(created),
            "properties": props.take(ctx_id, {}),
        }


def count_events(store: Store, direction: str) -> int:
    """Events of one direction (INPUT or OUTPUT), for progress totals."""
    names = INPUT_EVENTS if direction == "INPUT" else OUTPUT_EVENTS
    codes = ",".join(str(code) for code, name in EVENT_TYPES.items() if name in names)
    return store.conn.execute(f"SELECT count(*) FROM Event WHERE type IN ({codes})").fetchone()[0]


def pipeline_contexts(store: Store) -> list[str]:
    """Names of the store's `pipeline` contexts (few: one per pipeline or notebook session)."""
    type_ids = store.type_ids(TYPE_KIND_CONTEXT, "pipeline")
    if not type_ids:
        return []
    marks = ",".join("?" * len(type_ids))
    return [r[0] for r in store.conn.execute(
        f"SELECT name FROM Context WHERE type_id IN ({marks}) ORDER BY id", type_ids)]


def events(store: Store) -> Iterator[dict]:
    """Events with their first path key and index; dangling and UNKNOWN events are counted as skipped."""
    paths = _SortedSide(_grouped(store.conn.execute(
        "SELECT event_id, is_index_step, step_index, step_key FROM EventPath ORDER BY event_id, rowid"
    )))
    rows = store.conn.execute(
        "SELECT ev.id, ev.artifact_id, ev.execution_id, ev.type, ev.milliseconds_since_epoch, "
        "a.id IS NOT NULL, x.id IS NOT NULL FROM Event ev "
        "LEFT JOIN Artifact a ON a.id = ev.artifact_id LEFT JOIN Execution x ON x.id = ev.execution_id "
        "ORDER BY ev.id"
    )
    for ev_id, art_id, ex_id, type_code, at, art_ok, ex_ok in rows:
        steps = paths.take(ev_id, [])
        if not art_ok or not ex_ok:
            store.skipped[f"event pointing at a deleted {'artifact' if not art_ok else 'execution'}"] += 1
            continue
        event_type = EVENT_TYPES.get(type_code, "UNKNOWN")
        if event_type == "UNKNOWN":
            store.skipped["event of type UNKNOWN (no direction)"] += 1
            continue
        key = next((k for is_index, _, k in steps if not is_index and k is not None), None)
        index = next((i for is_index, i, _ in steps if is_index and i is not None), None)
        yield {
            "event_id": ev_id,
            "artifact_id": art_id,
            "execution_id": ex_id,
            "event_type": event_type,
            "direction": "INPUT" if event_type in INPUT_EVENTS else "OUTPUT",
            "key": key,
            "index": index,
            "at": _positive(at),
        }


def _links(store: Store, table: str, owner_table: str, owner_column: str, what: str) -> Iterator[dict]:
    rows = store.conn.execute(
        f"SELECT l.context_id, l.{owner_column}, c.id IS NOT NULL, o.id IS NOT NULL FROM `{table}` l "
        f"LEFT JOIN Context c ON c.id = l.context_id LEFT JOIN `{owner_table}` o ON o.id = l.{owner_column} "
        "ORDER BY l.rowid"
    )
    for ctx_id, owner_id, ctx_ok, owner_ok in rows:
        if not ctx_ok or not owner_ok:
            store.skipped[f"{what} pointing at a deleted {'context' if not ctx_ok else owner_table.lower()}"] += 1
            continue
        yield {"context_id": ctx_id, "owner_id": owner_id}


def attributions(store: Store) -> Iterator[dict]:
    return _links(store, "Attribution", "Artifact", "artifact_id", "attribution")


def associations(store: Store) -> Iterator[dict]:
    return _links(store, "Association", "Execution", "execution_id", "association")


def parent_contexts(store: Store) -> Iterator[dict]:
    if not store.has("ParentContext"):
        return
    rows = store.conn.execute(
        "SELECT p.context_id, p.parent_context_id, c.id IS NOT NULL, q.id IS NOT NULL FROM ParentContext p "
        "LEFT JOIN Context c ON c.id = p.context_id LEFT JOIN Context q ON q.id = p.parent_context_id "
        "ORDER BY p.context_id, p.parent_context_id"
    )
    for child, parent, child_ok, parent_ok in rows:
        if not child_ok or not parent_ok:
            store.skipped["parent context link pointing at a deleted context"] += 1
            continue
        yield {"child_id": child, "parent_id": parent}
