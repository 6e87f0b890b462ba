"""Put a real SQLite MLMD store into MySQL under the schema that ml-metadata itself creates there.

ml-metadata 1.17.1 (its own venv, MLPROV_MLMD_PYTHON, run as a subprocess because it pins an old
protobuf) creates one database per schema version the stores need: v10, then downgrades it when
the version is older, so every column type and index is the real one. Each store gets a replica of
that database (CREATE TABLE ... LIKE keeps the definitions exactly; three times faster than letting
ml-metadata run its DDL again for each of twenty stores), and ml-metadata later reads every v10
replica back as its own store. Then the SQLite rows are copied table by table, ids included (the
MLMD tables have the same names and columns in both engines), after clearing what ml-metadata
pre-registered (its `mlmd.*` system types, the MLMDEnv row). Rows go in rowid order: EventPath has
no key, so that is how a path's steps keep their order.

The MySQL password goes to ml-metadata through the environment of its process, never its command line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from tests.mariadb import HOST, MariaDbServer

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD_VARIABLE = "MLPROV_TEST_MYSQL_PASSWORD"
CURRENT_SCHEMA = 10

# Create (or open) each database with ml-metadata and bring it to the asked schema version.
PREPARE_WITH_MLMD = f"""
import json, os, sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
request = json.load(sys.stdin)
config = metadata_store_pb2.ConnectionConfig()
config.mysql.host, config.mysql.port, config.mysql.user = request["host"], request["port"], request["user"]
config.mysql.password = os.environ["{PASSWORD_VARIABLE}"]
for database, version in request["databases"]:
    config.mysql.database = database
    metadata_store.MetadataStore(config)  # creates the database and the v{CURRENT_SCHEMA} schema when missing
    if version < {CURRENT_SCHEMA}:
        metadata_store.downgrade_schema(config, version)
"""

# What ml-metadata sees in each database.
COUNT_WITH_MLMD = f"""
import json, os, sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
request = json.load(sys.stdin)
config = metadata_store_pb2.ConnectionConfig()
config.mysql.host, config.mysql.port, config.mysql.user = request["host"], request["port"], request["user"]
config.mysql.password = os.environ["{PASSWORD_VARIABLE}"]
seen = {{}}
for database in request["databases"]:
    config.mysql.database = database
    store = metadata_store.MetadataStore(config)
    executions = store.get_executions()
    seen[database] = {{
        "artifacts": len(store.get_artifacts()), "executions": len(executions),
        "contexts": len(store.get_contexts()),
        "events": len(store.get_events_by_execution_ids([e.id for e in executions])),
    }}
print(json.dumps(seen))
"""


# Downgrade a SQLite store in place.
DOWNGRADE_SQLITE_WITH_MLMD = """
import sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
config = metadata_store_pb2.ConnectionConfig()
config.sqlite.filename_uri = sys.argv[1]
metadata_store.downgrade_schema(config, int(sys.argv[2]))
"""


class MlmdUnavailable(RuntimeError):
    pass


def mlmd_python() -> str:
    """The ml-metadata venv's interpreter: MLPROV_MLMD_PYTHON, else the repository's .venv-mlmd."""
    named = os.environ.get("MLPROV_MLMD_PYTHON")
    if named:
        return named
    local = REPO_ROOT / ".venv-mlmd" / "bin" / "python"
    if local.exists():
        return str(local)
    raise MlmdUnavailable("ml-metadata is missing: scripts/run.sh test creates .venv-mlmd with ml-metadata 1.17.1 "
                          "(or set MLPROV_MLMD_PYTHON)")


def downgrade_sqlite_with_mlmd(path: Path, version: int) -> None:
    result = subprocess.run([mlmd_python(), "-c", DOWNGRADE_SQLITE_WITH_MLMD, str(path), str(version)],
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ml-metadata could not downgrade {path}:\n{result.stderr[-3000:]}")


def run_mlmd(server: MariaDbServer, script: str, databases: list) -> str:
    request = {"host": HOST, "port": server.port, "user": server.writer.user, "databases": databases}
    result = subprocess.run([mlmd_python(), "-c", script], input=json.dumps(request), capture_output=True,
                            text=True, timeout=600, check=False,
                            env={**os.environ, PASSWORD_VARIABLE: server.writer.password})
    if result.returncode != 0:
        raise RuntimeError(f"ml-metadata failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_with_mlmd(server: MariaDbServer, databases: list[tuple[str, int]]) -> None:
    """ml-metadata creates each database at schema v10, then downgrades it to the version asked."""
    run_mlmd(server, PREPARE_WITH_MLMD, [list(d) for d in databases])


def count_with_mlmd(server: MariaDbServer, databases: list[str]) -> dict[str, dict[str, int]]:
    return json.loads(run_mlmd(server, COUNT_WITH_MLMD, databases).strip().splitlines()[-1])


def replicate(server: MariaDbServer, template: str, database: str) -> None:
    """A new `database` with the tables, indexes and rows of `template` (an ml-metadata database)."""
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{database}`")
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (template,))
            for (table,) in cursor.fetchall():
                cursor.execute(f"CREATE TABLE `{database}`.`{table}` LIKE `{template}`.`{table}`")
                cursor.execute(f"INSERT INTO `{database}`.`{table}` SELECT * FROM `{template}`.`{table}`")
        conn.commit()
    finally:
        conn.close()


def schema_version(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT schema_version FROM MLMDEnv").fetchone()[0]


def copy_rows(path: Path, server: MariaDbServer, database: str) -> None:
    """Replace the rows of the MySQL `database` (an ml-metadata schema of the same version) by the
    rows of the SQLite store at `path`, ids included."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = server.connect(database)
    try:
        with target.cursor() as cursor:
            cursor.execute("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_schema = DATABASE()")
            target_columns: dict[str, set[str]] = {}
            for table, column in cursor.fetchall():
                target_columns.setdefault(table, set()).add(column)
            cursor.execute("SELECT schema_version FROM MLMDEnv")
            assert cursor.fetchall() == ((schema_version(path),),), f"{database} is not at the store's schema version"
            for table in target_columns:
                cursor.execute(f"DELETE FROM `{table}`")
            tables = [r[0] for r in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            for table in tables:
                columns = [r[1] for r in source.execute(f"PRAGMA table_info(`{table}`)")]
                missing = set(columns) - target_columns.get(table, set())
                assert not missing, f"{database}.{table} lacks the SQLite columns {sorted(missing)}"
                names = ", ".join(f"`{c}`" for c in columns)
                rows = source.execute(f"SELECT {names} FROM `{table}` ORDER BY rowid").fetchall()
                if rows:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO `{table}` ({names}) VALUES ({marks})", rows)
        target.commit()
    finally:
        target.close()
        source.close()
