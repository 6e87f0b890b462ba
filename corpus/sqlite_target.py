"""The SQLite-only side of writing snapshots and replays: creating a store file, opening one.

Everything else the writer does is standard SQL through DB-API (`delta_writer.py`); a MySQL or
MariaDB target would replace this module (MLMD's MySQL DDL, its driver's connection), not that one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mlprov.core.errors import BadInputError
from mlprov.corpus import schema

PARAMSTYLE = sqlite3.paramstyle


def create_store(path: Path) -> sqlite3.Connection:
    """An empty MLMD v10 store (tables and indexes, no rows) at `path`, which must not exist yet.

    No journal: the caller writes to a temporary name and renames the file only when complete.
    """
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.executescript(schema.DDL)
    return connection


def open_store(path: Path) -> sqlite3.Connection:
    """An existing corpus store, opened for growing it; its journal keeps each day's transaction atomic."""
    if not path.is_file():
        raise BadInputError(f"{path}: no such store (make one with `mlprov corpus generate --as-of DAY`)")
    connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    try:
        version = connection.execute("SELECT schema_version FROM MLMDEnv").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BadInputError(f"{path}: not an MLMD store ({error})") from None
    if version != (schema.SCHEMA_VERSION,):
        connection.close()
        raise BadInputError(f"{path}: MLMD schema version {version and version[0]}, "
                            f"a corpus store has {schema.SCHEMA_VERSION}")
    return connection
