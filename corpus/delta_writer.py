"""Applies a `Delta` to any MLMD store through a DB-API connection, in one transaction.

Only parameterised standard `INSERT` and `UPDATE` statements, with MLMD's own identifier quoting
(backticks, which SQLite and MySQL/MariaDB both accept), so a MySQL or MariaDB target needs only
its driver's placeholder (`paramstyle`), not other SQL. Rows keep their ids: a growing store never
renumbers. SQLite-only statements (creating the file, pragmas) live in `sqlite_target.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from mlprov.corpus.delta import Delta

BATCH_ROWS = 5_000
# DB-API paramstyle -> the placeholder of one positional parameter.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@dataclass
class Applied:
    inserted: int = 0
    updated: int = 0


def _quote(name: str) -> str:
    return f"`{name}`"


def _placeholder(paramstyle: str) -> str:
    if paramstyle not in _PLACEHOLDERS:
        raise ValueError(f"paramstyle {paramstyle!r} is not supported: use one of {', '.join(_PLACEHOLDERS)}")
    return _PLACEHOLDERS[paramstyle]


def insert_statement(table: str, columns: list[str], paramstyle: str) -> str:
    marks = ", ".join([_placeholder(paramstyle)] * len(columns))
    return f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) VALUES ({marks})"


def update_statement(table: str, set_columns: list[str], key_columns: list[str], paramstyle: str) -> str:
    mark = _placeholder(paramstyle)
    assignments = ", ".join(f"{_quote(column)} = {mark}" for column in set_columns)
    keys = " AND ".join(f"{_quote(column)} = {mark}" for column in key_columns)
    return f"UPDATE {_quote(table)} SET {assignments} WHERE {keys}"


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def apply_delta(connection: Any, delta: Delta, paramstyle: str = "qmark",
                on_table: Callable[[str, str, int], None] | None = None) -> Applied:
    """Insert the delta's new rows and update its changed ones, then commit; roll back on any error.

    `on_table(table, "inserted" or "updated", rows)` is told as each table is done (progress for
    a large delta, such as a whole snapshot)."""
    applied = Applied()
    cursor = connection.cursor()
    try:
        for change in delta.inserts:
            statement = insert_statement(change.table, change.columns, paramstyle)
            rows = 0
            for batch in _batches(change.rows, BATCH_ROWS):
                cursor.executemany(statement, batch)
                rows += len(batch)
            applied.inserted += rows
            if on_table:
                on_table(change.table, "inserted", rows)
        for change in delta.updates:
            statement = update_statement(change.table, change.set_columns, change.key_columns, paramstyle)
            rows = 0
            for batch in _batches(change.rows, BATCH_ROWS):
                cursor.executemany(statement, batch)
                rows += len(batch)
            applied.updated += rows
            if on_table:
                on_table(change.table, "updated", rows)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        cursor.close()
    return applied


def latest_time(connection: Any) -> int | None:
    """The latest instant a store's rows record, or None when it has no rows besides its types.

    A snapshot at T records nothing later than T, and nothing in it changes between this instant
    and T, so it is also the snapshot at this instant: growing it from here loses nothing, and a
    store made at any instant (not only at the end of a day) can be grown.
    """
    parts = [f"SELECT MAX({_quote(column)}) AS t FROM {_quote(table)}" for table, column in (
        ("Execution", "create_time_since_epoch"), ("Execution", "last_update_time_since_epoch"),
        ("Artifact", "create_time_since_epoch"), ("Artifact", "last_update_time_since_epoch"),
        ("Context", "create_time_since_epoch"), ("Context", "last_update_time_since_epoch"),
        ("Event", "milliseconds_since_epoch"))]
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT MAX(t) FROM (" + " UNION ALL ".join(parts) + ") AS times")
        return cursor.fetchone()[0]
    finally:
        cursor.close()
