"""Reads the rows the graphlet reference needs from any MLMD SQLite store (schema 4 to 10).

Plain sqlite3, no ml-metadata: the reference must stay independent of both the loader and MLMD's
client. Rows pointing at missing artifacts or executions (hand-damaged stores) are dropped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

# MLMD Execution.State numbers, and the legacy `state` strings of notebook/Beam stores: the
# oracle's own copy, kept apart on purpose (tests/unit/test_vocabulary.py holds it to the loader's).
STATE_NAMES = {0: "UNKNOWN", 1: "NEW", 2: "RUNNING", 3: "COMPLETE", 4: "FAILED", 5: "CACHED", 6: "CANCELED"}
LEGACY_STATES = {"complete": "COMPLETE", "cached": "CACHED", "failed": "FAILED", "running": "RUNNING",
                 "new": "NEW", "canceled": "CANCELED", "cancelled": "CANCELED"}
EVENT_INPUT, EVENT_OUTPUT = 3, 4
# DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT: without a state, any of them means COMPLETE.
OUTPUT_LIKE_EVENTS = {1, 4, 6, 7}
# The properties and context types the graphlet rules read.
EXECUTION_PROPERTIES = ("cpu_seconds", "state", "component_id")
ARTIFACT_PROPERTIES = ("pushed", "blessed")
CONTEXT_TYPES = ("pipeline", "node")


def _sql_list(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


@dataclass
class ExecutionRow:
    id: int
    type_name: str
    state: str
    created_at: int | None
    ended_at: int | None
    cpu_seconds: float | None
    pipeline: str | None
    node: str | None


@dataclass
class ArtifactRow:
    id: int
    type_name: str
    properties: dict[str, object] = field(default_factory=dict)


@dataclass
class EventRow:
    artifact_id: int
    execution_id: int
    type: int
    key: str | None


@dataclass
class StoreRows:
    executions: dict[int, ExecutionRow]
    artifacts: dict[int, ArtifactRow]
    events: list[EventRow]


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in con.execute(f"PRAGMA table_info(`{table}`)")}


def _id_filter(column: str, id_range: tuple[int, int] | None) -> str:
    return f" WHERE {column} BETWEEN {int(id_range[0])} AND {int(id_range[1])}" if id_range else ""


def read_store_rows(con: sqlite3.Connection, execution_range: tuple[int, int] | None = None,
                    artifact_range: tuple[int, int] | None = None) -> StoreRows:
    """All rows, or those of executions and artifacts within inclusive id ranges (one pipeline)."""
    execution_columns = _columns(con, "Execution")
    has_times = "create_time_since_epoch" in execution_columns
    has_state = "last_known_state" in execution_columns
    select = ", ".join([
        "e.id", "t.name",
        "e.last_known_state" if has_state else "NULL",
        "e.create_time_since_epoch" if has_times else "NULL",
        "e.last_update_time_since_epoch" if has_times else "NULL",
    ])
    rows = con.execute(f"SELECT {select} FROM Execution e JOIN Type t ON t.id = e.type_id"
                       + _id_filter("e.id", execution_range)).fetchall()
    properties: dict[int, dict[str, object]] = {}
    for execution_id, name, int_value, double_value, string_value in con.execute(
            "SELECT execution_id, name, int_value, double_value, string_value FROM ExecutionProperty"
            + (_id_filter("execution_id", execution_range) or " WHERE 1")
            + f" AND name IN ({_sql_list(EXECUTION_PROPERTIES)})"):
        value = next((v for v in (int_value, double_value, string_value) if v is not None), None)
        properties.setdefault(execution_id, {})[name] = value
    contexts: dict[int, dict[str, str]] = {}
    for execution_id, type_name, name in con.execute(
            "SELECT a.execution_id, t.name, c.name FROM Association a JOIN Context c ON c.id = a.context_id "
            "JOIN Type t ON t.id = c.type_id" + (_id_filter("a.execution_id", execution_range) or " WHERE 1")
            + f" AND t.name IN ({_sql_list(CONTEXT_TYPES)}) ORDER BY c.id"):
        contexts.setdefault(execution_id, {}).setdefault(type_name, name)

    events = _read_events(con, execution_range)
    artifacts = _read_artifacts(con, artifact_range)
    event_times = _event_times(con, execution_range) if not has_times else {}
    return assemble_store_rows(rows, properties, contexts, events, artifacts, has_times, event_times)


def assemble_store_rows(rows, properties: dict[int, dict[str, object]], contexts: dict[int, dict[str, str]],
                        events: list[EventRow], artifacts: dict[int, ArtifactRow], has_times: bool = True,
                        event_times: dict[int, tuple[int, int]] | None = None) -> StoreRows:
    """StoreRows from what `read_store_rows` reads: execution rows (id, type name, state number,
    created, updated) in id order, their properties and pipeline/node context names, the events in
    id order, the artifacts. The corpus generator hands it the rows it has just written."""
    executions = {}
    for execution_id, type_name, state_number, created, updated in rows:
        props = properties.get(execution_id, {})
        ctx = contexts.get(execution_id, {})
        created, updated = (created, updated) if has_times else event_times.get(execution_id, (None, None))
        executions[execution_id] = ExecutionRow(
            id=execution_id, type_name=type_name,
            state=_state(state_number, props.get("state")),
            created_at=created, ended_at=updated,
            cpu_seconds=float(props["cpu_seconds"]) if isinstance(props.get("cpu_seconds"), (int, float)) else None,
            pipeline=ctx.get("pipeline"),
            node=ctx.get("node") or (str(props["component_id"]) if props.get("component_id") else None),
        )
    producers = {e.execution_id for e in events if e.type in OUTPUT_LIKE_EVENTS}
    for execution in executions.values():
        if execution.state == "UNKNOWN" and execution.id in producers:
            execution.state = "COMPLETE"
    events = [e for e in events if e.artifact_id in artifacts and e.execution_id in executions]
    return StoreRows(executions, artifacts, events)


def _state(state_number: int | None, legacy_state: object) -> str:
    # Notebook/Beam stores keep the real state in the `state` property; their last_known_state
    # stays at whatever the launcher first wrote (RUNNING), so the property wins when present.
    if isinstance(legacy_state, str) and legacy_state.lower() in LEGACY_STATES:
        return LEGACY_STATES[legacy_state.lower()]
    return STATE_NAMES.get(state_number or 0, "UNKNOWN")


def _read_events(con: sqlite3.Connection, execution_range: tuple[int, int] | None) -> list[EventRow]:
    keys = {event_id: key for event_id, key in con.execute(
        "SELECT p.event_id, p.step_key FROM EventPath p"
        + (f" JOIN Event ev ON ev.id = p.event_id{_id_filter('ev.execution_id', execution_range)} AND" if execution_range else " WHERE")
        + " p.is_index_step = 0 ORDER BY p.rowid DESC")}
    return [EventRow(artifact_id, execution_id, event_type, keys.get(event_id))
            for event_id, artifact_id, execution_id, event_type in con.execute(
                "SELECT id, artifact_id, execution_id, type FROM Event" + _id_filter("execution_id", execution_range)
                + " ORDER BY id")]


def _event_times(con: sqlite3.Connection, execution_range: tuple[int, int] | None) -> dict[int, tuple[int, int]]:
    return {execution_id: (first, last) for execution_id, first, last in con.execute(
        "SELECT execution_id, MIN(milliseconds_since_epoch), MAX(milliseconds_since_epoch) FROM Event"
        + _id_filter("execution_id", execution_range) + " GROUP BY execution_id")}


def _read_artifacts(con: sqlite3.Connection, artifact_range: tuple[int, int] | None) -> dict[int, ArtifactRow]:
    artifacts = {artifact_id: ArtifactRow(artifact_id, type_name) for artifact_id, type_name in con.execute(
        "SELECT a.id, t.name FROM Artifact a JOIN Type t ON t.id = a.type_id" + _id_filter("a.id", artifact_range))}
    for artifact_id, name, int_value, string_value in con.execute(
            "SELECT artifact_id, name, int_value, string_value FROM ArtifactProperty"
            + (_id_filter("artifact_id", artifact_range) or " WHERE 1") + f" AND name IN ({_sql_list(ARTIFACT_PROPERTIES)})"):
        if artifact_id in artifacts:
            artifacts[artifact_id].properties[name] = artifact_property_value(int_value, string_value)
    return artifacts


def artifact_property_value(int_value: int | None, string_value: str | None) -> int | None:
    """A `pushed` or `blessed` property's value: its int, else its string read as one."""
    return int_value if int_value is not None else _int_or_none(string_value)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
