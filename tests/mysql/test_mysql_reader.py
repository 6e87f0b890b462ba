"""Reading MLMD stores in MySQL gives what reading the SQLite originals gives: against the throwaway
MariaDB the test run starts, with schemas that ml-metadata 1.17.1 itself created there."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from mlprov.loader import mlmd
from tests.helpers import REAL_STORES, read_everything, store
from tests.mlmd_mysql_copy import (CURRENT_SCHEMA, count_with_mlmd, downgrade_sqlite_with_mlmd, prepare_with_mlmd,
                                   schema_version)

pytestmark = pytest.mark.mysql


def test_ml_metadata_reads_every_v10_copy(mariadb, copies):
    v10 = {path: db for path, db in copies.items() if schema_version(path) == CURRENT_SCHEMA and db != "damaged"}
    assert len(v10) == 16
    seen = count_with_mlmd(mariadb, sorted(v10.values()))
    for path, database in v10.items():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
            expected = {"artifacts": count("Artifact"), "executions": count("Execution"),
                        "contexts": count("Context"), "events": count("Event")}
        assert seen[database] == expected, path.name


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:40])
def test_every_stream_equals_the_sqlite_original(mariadb, copies, path):
    expected = read_everything(path)
    assert read_everything(mariadb.location(copies[path])) == expected
    # Keyset chunks of three rows on MySQL too: the same rows, in the same order.
    assert read_everything(mariadb.location(copies[path]), chunk_rows=3) == expected


def test_a_damaged_store_skips_the_same_rows(mariadb, copies):
    damaged = next(path for path, db in copies.items() if db == "damaged")
    expected = read_everything(damaged)
    assert expected["skipped"]["event pointing at a deleted artifact"] > 0
    assert expected["skipped"]["attribution pointing at a deleted artifact"] > 0
    assert read_everything(mariadb.location("damaged"), chunk_rows=2) == expected


def test_a_store_downgraded_to_v4_by_ml_metadata_reads_like_the_downgraded_sqlite_store(mariadb, copy_store, tmp_path):
    """Schema v4 (no ParentContext, no states, names or times) on both engines, each downgraded by
    ml-metadata itself from the same v10 store."""
    original = store("penguin-transform")
    copy_store(original, "downgraded_v4")
    prepare_with_mlmd(mariadb, [("downgraded_v4", 4)])
    sqlite_v4 = tmp_path / "v4.sqlite"
    shutil.copy(original, sqlite_v4)
    downgrade_sqlite_with_mlmd(sqlite_v4, 4)
    expected = read_everything(sqlite_v4)
    assert expected["schema_version"] == 4 and expected["parent_contexts"] == []
    assert len(expected["executions"]) == len(read_everything(original)["executions"]) > 0
    assert read_everything(mariadb.location("downgraded_v4"), chunk_rows=4) == expected


def test_store_identity_has_no_password(mariadb, copies):
    database = copies[store("penguin-tfma")]
    opened = mlmd.open_store(mariadb.location(database))
    try:
        identity = mlmd.store_identity(opened)
        assert identity == mlmd.StoreIdentity(
            "mlmd-mysql", f"mysql://{mariadb.reader.user}@127.0.0.1:{mariadb.port}/{database}", database)
        assert opened.path is None
        assert mariadb.reader.password not in repr(opened)
    finally:
        opened.close()


def test_the_unique_keys_ml_metadata_created_are_seen_as_in_sqlite(mariadb, copies):
    """The reader skips its per-row repeat checks where MLMD's unique keys rule repeats out: the
    schema ml-metadata created in MariaDB has them, as its SQLite schema does."""
    path = store("penguin-tfma")
    keys = {"Event": {"artifact_id", "execution_id", "type"}, "Attribution": {"context_id", "artifact_id"},
            "Association": {"context_id", "execution_id"}}
    for location in (path, mariadb.location(copies[path])):
        opened = mlmd.open_store(location)
        try:
            assert all(opened.unique(table, columns) for table, columns in keys.items()), location
            assert not opened.unique("Event", {"artifact_id", "execution_id"})
        finally:
            opened.close()
