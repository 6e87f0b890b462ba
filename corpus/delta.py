"""What a growing corpus store gains between two instants, read from the full store by time.

The rows of a store as it stood at instant T (a snapshot) follow from the full store:

- types (Type, TypeProperty, ParentType) and MLMDEnv are all there from the start, with the same
  ids: TFX registers its types before the first run;
- an execution is there from its creation. If it ends after T (its full-store
  `last_update_time_since_epoch` is later), it is as the launcher first wrote it: `RUNNING`, with
  `last_update_time_since_epoch` equal to its creation time, and without the properties written
  at completion (`cpu_seconds`); its output events and artifacts are not there yet. Executions
  still running at the window's end are written that way in the full store already, except that
  they carry `cpu_seconds` (the generator records the planned cost at launch for them); a snapshot
  keeps them exactly as the full store has them, so that the last day's snapshot is the full store;
- an artifact (with its properties) is there from its creation; the generator never changes an
  artifact after creating it (no state or property changes, `last_update` = creation);
- a context (with its properties) is there from its creation; its `last_update_time_since_epoch`
  is the creation time of its latest execution so far (the recorder touches a context each time an
  execution uses it), so it changes as the store grows;
- a parent-context link is there once both contexts are;
- events, associations and attributions are there from the instants in `timeline.py`.

MLMD ids are the full store's: a growing store never renumbers. They are not in creation order
(the generator simulates one pipeline at a time, so a later pipeline's early rows have higher ids
than an earlier pipeline's late ones), so a snapshot has gaps that later rows fill, and a reader
that syncs a live store cannot rely on ids alone to find what is new: it must also look at times
(or at every id it has not seen).

A `Delta` between instants T0 and T1 holds the rows to insert (there at T1, not at T0) and the
rows to update (there at T0, changed by T1: executions that ended, contexts touched again), each
as a lazy cursor over the full store so that even the whole window streams with flat memory.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from mlprov.corpus import schema
from mlprov.corpus.recorder import COST_PROPERTY

# Properties the recorder's launcher would only know at the end of a run.
COMPLETION_PROPERTIES = (COST_PROPERTY,)
TYPE_TABLES = ("MLMDEnv", "Type", "TypeProperty", "ParentType")
# Every MLMD table a corpus store has, in the order a delta writes them.
TABLES = (*TYPE_TABLES, "Context", "ContextProperty", "ParentContext", "Execution", "ExecutionProperty",
          "Association", "Artifact", "ArtifactProperty", "Event", "EventPath", "Attribution")
_BEFORE_ALL_TIMES = -(2 ** 62)


@dataclass
class TableInsert:
    table: str
    columns: list[str]
    rows: Iterable[tuple]


@dataclass
class TableUpdate:
    """Rows given as (new values of `set_columns`..., values of `key_columns`...)."""

    table: str
    set_columns: list[str]
    key_columns: list[str]
    rows: Iterable[tuple]


@dataclass
class Delta:
    since_ms: int | None  # None: from an empty file
    until_ms: int
    inserts: list[TableInsert] = field(default_factory=list)
    updates: list[TableUpdate] = field(default_factory=list)


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f"PRAGMA main.table_info(`{table}`)")]


def _select(source: sqlite3.Connection, table: str, alias: str, overrides: dict[str, str] | None = None) -> str:
    overrides = overrides or {}
    return ", ".join(overrides.get(column, f"{alias}.`{column}`") for column in _columns(source, table))


def _cursor(source: sqlite3.Connection, sql: str, params: dict) -> Iterator[tuple]:
    yield from source.execute(sql, params)


def read_delta(source: sqlite3.Connection, since_ms: int | None, until_ms: int, with_types: bool = False) -> Delta:
    """The changes from `since_ms` (exclusive; None for "before anything") to `until_ms` (inclusive).

    `source` is the full store with its timeline attached (`timeline.open_source`). `with_types`
    adds the type tables, for a store being created from an empty file.
    """
    since = _BEFORE_ALL_TIMES if since_ms is None else since_ms
    params = {"since": since, "until": until_ms, "running": schema.RUNNING}
    delta = Delta(since_ms, until_ms)

    def insert(table: str, sql: str) -> None:
        delta.inserts.append(TableInsert(table, _columns(source, table), _cursor(source, sql, params)))

    def in_range(expression: str) -> str:
        return f"{expression} > :since AND {expression} <= :until"

    if with_types:
        for table in TYPE_TABLES:
            insert(table, f"SELECT {_select(source, table, 't')} FROM `{table}` t ORDER BY t.rowid")
    insert("Context", f"""
        SELECT {_select(source, 'Context', 'c', {'last_update_time_since_epoch': '''COALESCE(
            (SELECT MAX(s.at) FROM timeline.association_at s WHERE s.context_id = c.id AND s.at <= :until),
            c.create_time_since_epoch)'''})}
        FROM Context c WHERE {in_range('c.create_time_since_epoch')} ORDER BY c.id""")
    insert("ContextProperty", f"""
        SELECT {_select(source, 'ContextProperty', 'p')} FROM Context c JOIN ContextProperty p ON p.context_id = c.id
        WHERE {in_range('c.create_time_since_epoch')} ORDER BY p.context_id, p.name, p.is_custom_property""")
    insert("ParentContext", f"""
        SELECT {_select(source, 'ParentContext', 'p')} FROM ParentContext p
        JOIN Context c ON c.id = p.context_id JOIN Context q ON q.id = p.parent_context_id
        WHERE {in_range('MAX(c.create_time_since_epoch, q.create_time_since_epoch)')}
        ORDER BY p.context_id, p.parent_context_id""")
    ended = "e.last_update_time_since_epoch <= :until"
    insert("Execution", f"""
        SELECT {_select(source, 'Execution', 'e', {
            'last_known_state': f'CASE WHEN {ended} THEN e.last_known_state ELSE :running END',
            'last_update_time_since_epoch': f'CASE WHEN {ended} THEN e.last_update_time_since_epoch '
                                            'ELSE e.create_time_since_epoch END'})}
        FROM Execution e WHERE {in_range('e.create_time_since_epoch')} ORDER BY e.id""")
    completion = ", ".join(f"'{name}'" for name in COMPLETION_PROPERTIES)
    execution_property = _select(source, "ExecutionProperty", "p")
    insert("ExecutionProperty", f"""
        SELECT {execution_property} FROM Execution e JOIN ExecutionProperty p ON p.execution_id = e.id
        WHERE {in_range('e.create_time_since_epoch')} AND p.name NOT IN ({completion})
        UNION ALL
        SELECT {execution_property} FROM Execution e JOIN ExecutionProperty p ON p.execution_id = e.id
        WHERE {in_range('e.last_update_time_since_epoch')} AND p.name IN ({completion})
        ORDER BY 1, 2, 3""")
    insert("Association", f"""
        SELECT {_select(source, 'Association', 's')} FROM timeline.association_at x JOIN Association s ON s.id = x.id
        WHERE {in_range('x.at')} ORDER BY s.id""")
    insert("Artifact", f"""
        SELECT {_select(source, 'Artifact', 'a')} FROM Artifact a
        WHERE {in_range('a.create_time_since_epoch')} ORDER BY a.id""")
    insert("ArtifactProperty", f"""
        SELECT {_select(source, 'ArtifactProperty', 'p')} FROM Artifact a JOIN ArtifactProperty p ON p.artifact_id = a.id
        WHERE {in_range('a.create_time_since_epoch')} ORDER BY p.artifact_id, p.name, p.is_custom_property""")
    insert("Event", f"""
        SELECT {_select(source, 'Event', 'ev')} FROM timeline.event_at x JOIN Event ev ON ev.id = x.id
        WHERE {in_range('x.at')} ORDER BY ev.id""")
    insert("EventPath", f"""
        SELECT {_select(source, 'EventPath', 'p')} FROM timeline.event_at x JOIN EventPath p ON p.event_id = x.id
        WHERE {in_range('x.at')} ORDER BY p.event_id, p.rowid""")
    insert("Attribution", f"""
        SELECT {_select(source, 'Attribution', 't')} FROM timeline.attribution_at x JOIN Attribution t ON t.id = x.id
        WHERE {in_range('x.at')} ORDER BY t.id""")

    if since_ms is not None:
        delta.updates.append(TableUpdate(
            "Execution", ["last_known_state", "last_update_time_since_epoch"], ["id"], _cursor(source, f"""
            SELECT e.last_known_state, e.last_update_time_since_epoch, e.id FROM Execution e
            WHERE {in_range('e.last_update_time_since_epoch')} AND e.create_time_since_epoch <= :since
            ORDER BY e.id""", params)))
        delta.updates.append(TableUpdate(
            "Context", ["last_update_time_since_epoch"], ["id"], _cursor(source, f"""
            SELECT MAX(x.at), x.context_id FROM timeline.association_at x JOIN Context c ON c.id = x.context_id
            WHERE {in_range('x.at')} AND c.create_time_since_epoch <= :since
            GROUP BY x.context_id ORDER BY x.context_id""", params)))
    return delta

