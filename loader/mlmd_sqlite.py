"""An MLMD store in a SQLite file: check the file, open it read-only, read it in one transaction."""

from __future__ import annotations

import sqlite3
import stat
from typing import Sequence

from mlprov.core.errors import BadInputError
from mlprov.loader.mlmd_decode import Column
from mlprov.loader.store_location import SqliteLocation

SQLITE_MAGIC = b"SQLite format 3\x00"


# How the driver's own text decoding fails a query on text that is not UTF-8 (CPython's _sqlite).
_NOT_UTF8 = "Could not decode to UTF-8"


def _undecoded(raw: bytes) -> str:
    """SQLite text as str without failing on bytes that are not UTF-8: they come back as lone
    surrogates, which the reader's decoding layer (mlmd_decode.py) refuses with the row they are in.
    The default text factory fails the whole query without saying which row, so a query it fails
    is read again with this one."""
    return raw.decode("utf-8", "surrogateescape")


def _declared_kind(declared: str) -> str:
    """SQLite's column affinity of a declared type (https://sqlite.org/datatype3.html, 3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if not upper or "BLOB" in upper:
        return "blob"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "numeric"


class SqliteDatabase:
    """One read-only connection holding one read transaction, so every query sees the same state
    of the file even if a pipeline writes to it meanwhile (a writer waits until the store is closed,
    as it waited for each stream's cursor before)."""

    what = "a SQLite file"
    errors = (sqlite3.DatabaseError,)
    # EventPath has no key of its own; SQLite's rowid keeps a path's steps in the order written.
    insertion_order = "rowid"

    def __init__(self, connection: sqlite3.Connection, path):
        self.connection = connection
        self.path = path

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        try:
            try:
                # Text is decoded by the driver itself (its C fast path): a text factory written in
                # Python costs a call per value, about a third of the time of fetching a chunk.
                return self.connection.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if not str(exc).startswith(_NOT_UTF8):
                    raise
            # Some text is not UTF-8: the same query again (in the same read transaction, so the same
            # rows) with that text kept as lone surrogates, for the decoding layer to refuse by row.
            self.connection.text_factory = _undecoded
            try:
                return self.connection.execute(sql, params).fetchall()
            finally:
                self.connection.text_factory = str
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            # A damaged page is only found when a query reaches it, maybe half-way through a load
            # (damaged names in the schema itself fail to decode as the driver reads them).
            raise BadInputError(f"{self.path}: {self.describe_error(exc)}") from None

    def catalogue(self) -> dict[str, dict[str, Column]]:
        """Each table's columns: the kind of value it declares and whether it is the primary key."""
        tables = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type='table'")]
        catalogue = {}
        for table in tables:
            info = self.rows(f"PRAGMA table_info(`{table}`)")
            keys = [r[1] for r in info if r[5]]
            catalogue[table] = {r[1]: Column(_declared_kind(r[2] or ""), keys == [r[1]]) for r in info}
        return catalogue

    def unique_key_columns(self, table: str) -> list[tuple[str, str]]:
        """(index, column) for each column of `table`'s unique indexes, partial ones aside."""
        return self.rows("SELECT il.name, ii.name FROM pragma_index_list(?) AS il "
                         "JOIN pragma_index_info(il.name) AS ii WHERE il.\"unique\" AND NOT il.partial", (table,))

    def not_an_integer(self, expression: str) -> str:
        return f"typeof({expression}) <> 'integer'"

    def describe_error(self, exc: Exception) -> str:
        return f"corrupt SQLite file ({exc}); restore a good copy of the store"

    def close(self) -> None:
        self.connection.close()


def open_sqlite(location: SqliteLocation) -> SqliteDatabase:
    """Open the file read-only after checking it looks like a whole SQLite database, else BadInputError."""
    path = location.path
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise BadInputError(f"{path}: a directory, not an MLMD store (give the store's file inside it)")
    if not stat.S_ISREG(mode):
        raise BadInputError(f"{path}: not a regular file (a FIFO, socket or device), so not an MLMD SQLite store")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(f"{path}: the file is empty, not an MLMD store")
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read it ({exc.strerror})") from None
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
        raise BadInputError(f"{path}: corrupt SQLite file ({exc}); restore a good copy of the store") from None
    return SqliteDatabase(connection, path)
