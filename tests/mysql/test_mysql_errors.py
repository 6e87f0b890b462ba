"""A MySQL store that cannot be read is refused with one line naming the location, never the password;
the password comes from the environment or the option file, never from the location."""

from __future__ import annotations

import logging
import socket
import time
import traceback

import pytest

from mlprov.core.errors import BadInputError
from mlprov.loader import mlmd
from mlprov.loader import mlmd_mysql
from mlprov.loader.mlmd_mysql import OPTION_FILE_ENV, PASSWORD_ENV
from mlprov.loader.store_location import parse_location
from tests.helpers import read_everything, store

pytestmark = pytest.mark.mysql


def refusal(location: str, *secrets: str) -> str:
    """open_store's refusal of `location`: one line, starting with the location, holding no secret
    (nor does anything chained to it)."""
    with pytest.raises(BadInputError) as refused:
        mlmd.open_store(location)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{parse_location(location).display}: "), message
    everything = "".join(traceback.format_exception(refused.value))
    for secret in secrets:
        assert secret not in everything
    return message


@pytest.fixture(scope="module")
def odd_databases(mariadb, copy_store):
    """A database that is not MLMD, an empty one, and an MLMD store of a schema version from the future."""
    copy_store(store("penguin-tfma"), "future_schema")
    with mariadb.connect() as conn, conn.cursor() as cursor:
        cursor.execute("CREATE DATABASE not_mlmd")
        cursor.execute("CREATE TABLE not_mlmd.notes (id INT PRIMARY KEY, body TEXT)")
        cursor.execute("CREATE DATABASE empty_db")
        cursor.execute("UPDATE future_schema.MLMDEnv SET schema_version = 11")
        conn.commit()


@pytest.fixture
def short_connect_timeout(monkeypatch) -> int:
    """A one-second connect timeout, so that the timeout tests wait one second instead of five."""
    monkeypatch.setattr(mlmd_mysql, "CONNECT_TIMEOUT_S", 1)
    return 1


def test_unreachable_host_fails_fast(mariadb, free_port, short_connect_timeout):
    password = mariadb.reader.password
    closed = f"mysql://{mariadb.reader.user}@127.0.0.1:{free_port()}/real_00"
    assert "cannot reach the MySQL server at 127.0.0.1" in refusal(closed, password)
    # A host that takes the connection and then says nothing, as behind a dead load balancer:
    # the short connect timeout ends the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        message = refusal(f"mysql://u@127.0.0.1:{silent.getsockname()[1]}/db", password)
    assert "cannot reach the MySQL server" in message and "timed out" in message
    assert time.monotonic() - started < short_connect_timeout + 3


def test_once_connected_a_query_may_take_longer_than_the_connect_timeout(mariadb, copies, short_connect_timeout):
    opened = mlmd.open_store(mariadb.location("real_00"))
    try:
        assert opened.db.rows(f"SELECT SLEEP({short_connect_timeout + 1})") == [(0,)]
    finally:
        opened.close()


def test_wrong_password_is_access_denied(mariadb, copies, monkeypatch):
    wrong = "not-the-password-" + mariadb.reader.password[:6]
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    message = refusal(mariadb.location("real_00"), wrong, mariadb.reader.password)
    assert "access denied" in message and PASSWORD_ENV in message


def test_a_database_that_is_not_mlmd_is_refused(mariadb, odd_databases):
    password = mariadb.reader.password
    message = refusal(mariadb.location("not_mlmd"), password)
    assert "a MySQL database but not an MLMD store (missing tables: Artifact, ArtifactProperty" in message
    assert "not an MLMD store" in refusal(mariadb.location("empty_db"), password)


def test_an_unsupported_schema_version_is_refused(mariadb, odd_databases):
    message = refusal(mariadb.location("future_schema"), mariadb.reader.password)
    assert "MLMD schema version 11 is not supported (supported: 4..10)" in message


def test_a_database_that_does_not_exist_is_refused(mariadb):
    message = refusal(mariadb.location("no_such_db"), mariadb.reader.password)
    assert "database 'no_such_db' does not exist" in message


def test_a_password_in_the_location_is_refused_before_connecting(mariadb):
    password = mariadb.reader.password
    location = f"mysql://{mariadb.reader.user}:{password}@127.0.0.1:{mariadb.port}/real_00"
    with pytest.raises(BadInputError) as refused:
        mlmd.open_store(location)
    assert "password in the location is refused" in str(refused.value)
    assert password not in "".join(traceback.format_exception(refused.value))


def test_the_password_is_in_no_log_line_or_error(mariadb, copies, odd_databases, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    password = mariadb.reader.password
    read_everything(mariadb.location("real_00"))
    for database in ("not_mlmd", "future_schema", "no_such_db"):
        refusal(mariadb.location(database), password)
    monkeypatch.setenv(PASSWORD_ENV, password + "-wrong")
    refusal(mariadb.location("real_00"), password)
    for record in caplog.records:
        assert password not in record.getMessage()
    assert password not in caplog.text


def test_the_password_can_come_from_an_option_file(mariadb, copies, monkeypatch, tmp_path):
    monkeypatch.delenv(PASSWORD_ENV)
    named = tmp_path / "reader.cnf"
    named.write_text(f'[mysql]\npassword = wrong\n\n[client]\npassword = "{mariadb.reader.password}"\n')
    monkeypatch.setenv(OPTION_FILE_ENV, str(named))
    assert read_everything(mariadb.location("real_00"))["counts"]["Artifact"] > 0
    # ~/.my.cnf when no file is named; its user serves a location that names none.
    monkeypatch.delenv(OPTION_FILE_ENV)
    (tmp_path / ".my.cnf").write_text(f"[client]\nuser={mariadb.reader.user}\npassword={mariadb.reader.password}\n")
    assert read_everything(f"mysql://127.0.0.1:{mariadb.port}/real_00")["counts"]["Artifact"] > 0
    # The environment wins over the file.
    (tmp_path / ".my.cnf").write_text("[client]\npassword=wrong\n")
    monkeypatch.setenv(PASSWORD_ENV, mariadb.reader.password)
    assert read_everything(mariadb.location("real_00"))["counts"]["Artifact"] > 0


def test_a_named_option_file_that_is_missing_is_refused(mariadb, monkeypatch, tmp_path):
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setenv(OPTION_FILE_ENV, str(tmp_path / "nowhere.cnf"))
    message = refusal(mariadb.location("real_00"), mariadb.reader.password)
    assert f"the MySQL option file {tmp_path / 'nowhere.cnf'} named by {OPTION_FILE_ENV} does not exist" in message
