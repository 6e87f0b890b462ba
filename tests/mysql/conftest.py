"""Fixtures of the MySQL tests: the real stores in MariaDB, and the reader's password in the environment."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from mlprov.loader.mlmd_mysql import OPTION_FILE_ENV, PASSWORD_ENV
from tests.helpers import REAL_STORES, store
from tests.mlmd_mysql_copy import MlmdUnavailable, copy_rows, prepare_with_mlmd, replicate, schema_version


def database_name(path) -> str:
    return f"real_{REAL_STORES.index(path):02d}"


@pytest.fixture(scope="session")
def mlmd_templates(mariadb) -> dict[int, str]:
    """Per schema version the tests need, a database that ml-metadata created (and downgraded)."""
    templates = {version: f"mlmd_v{version}" for version in {schema_version(path) for path in REAL_STORES}}
    try:
        prepare_with_mlmd(mariadb, [(db, version) for version, db in templates.items()])
    except MlmdUnavailable as exc:
        pytest.fail(str(exc))
    return templates


@pytest.fixture(scope="session")
def copy_store(mariadb, mlmd_templates):
    """A function putting the SQLite store at `path` into a new MySQL database `database`."""

    def copy(path, database: str) -> str:
        replicate(mariadb, mlmd_templates[schema_version(path)], database)
        copy_rows(path, mariadb, database)
        return database

    return copy


@pytest.fixture(scope="session")
def copies(copy_store, tmp_path_factory) -> dict:
    """Every real store in its own MySQL database (path -> database name), plus a damaged store
    (an artifact deleted under its events and attributions) as database `damaged`."""
    damaged = tmp_path_factory.mktemp("damaged") / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DELETE FROM Artifact WHERE id = 3")
    wanted = {path: database_name(path) for path in REAL_STORES} | {damaged: "damaged"}
    for path, database in wanted.items():
        copy_store(path, database)
    return wanted


@pytest.fixture(autouse=True)
def reader_password(mariadb, monkeypatch, tmp_path):
    """The read-only account's password in the environment, as a user would set it; HOME is a fresh
    folder, so no ~/.my.cnf of this machine's user takes part."""
    monkeypatch.setenv(PASSWORD_ENV, mariadb.reader.password)
    monkeypatch.delenv(OPTION_FILE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
