"""An MLMD store in a SQLite file: check the file, open it read-only, read it in one transaction."""

from __future__ import annotations

import sqlite3
from typing import Sequence

from mlprov.core.errors import BadInputError
from mlprov.loader.store_location import SqliteLocation

SQLITE_MAGIC = b"SQLite format 3\x00"


class SqliteDatabase:
    """One read-only connection holding one read transaction, so every query sees the same state
    of the file even if a pipeline writes to it meanwhile (a writer waits until the store is closed,
    as it waited for each stream's cursor before)."""

    what = "a SQLite file"
    errors = (sqlite3.DatabaseError,)
    # EventPath has no key of its own; SQLite's rowid keeps a path's steps in the order written.
    insertion_order = "rowid"

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.connection.execute(sql, params).fetchall()

    def catalogue(self) -> dict[str, set[str]]:
        """Each table's columns."""
        tables = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {r[1] for r in self.rows(f"PRAGMA table_info(`{t}`)")} for t in tables}

    def describe_error(self, exc: Exception) -> str:
        return f"unreadable SQLite database ({exc}); is it damaged?"

    def close(self) -> None:
        self.connection.close()


def open_sqlite(location: SqliteLocation) -> SqliteDatabase:
    """Open the file read-only after checking it looks like a whole SQLite database, else BadInputError."""
    path = location.path
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
        # isolation_level=None: we run BEGIN ourselves; the read transaction starts at the first query.
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        connection.execute("BEGIN")
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{path}: unreadable SQLite database ({exc}); is it damaged?") from exc
    return SqliteDatabase(connection)
