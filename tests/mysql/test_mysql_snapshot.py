"""The MySQL reader reads one consistent snapshot, cannot write, and speaks TLS when asked."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mlprov.core.errors import BadInputError
from mlprov.loader import mlmd
from tests.helpers import read_everything, store

pytestmark = pytest.mark.mysql


@pytest.fixture(params=["REPEATABLE READ", "READ COMMITTED"])
def server_isolation(request, mariadb):
    """The server's default isolation level for new sessions. Under READ COMMITTED InnoDB ignores
    WITH CONSISTENT SNAPSHOT, so the reader must set REPEATABLE READ for its own session."""
    with mariadb.admin() as conn, conn.cursor() as cursor:
        cursor.execute(f"SET GLOBAL TRANSACTION ISOLATION LEVEL {request.param}")
    yield request.param
    with mariadb.admin() as conn, conn.cursor() as cursor:
        cursor.execute("SET GLOBAL TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def test_a_store_written_while_it_is_read_is_seen_at_one_instant(mariadb, copy_store, server_isolation):
    database = copy_store(store("penguin-tfma"), f"written_meanwhile_{server_isolation.split()[1].lower()}")
    before = read_everything(mariadb.location(database))
    opened = mlmd.open_store(mariadb.location(database))
    try:
        opened.chunk_rows = 1  # every later row and its properties are fetched after the writes
        stream = mlmd.artifacts(opened)
        first = next(stream)
        with mariadb.connect(database) as writer, writer.cursor() as cursor:
            cursor.execute("INSERT INTO Artifact (type_id, uri) SELECT type_id, 'written-meanwhile' FROM Artifact LIMIT 1")
            cursor.execute("INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, string_value) "
                           "SELECT max(id) - 1, 'written_meanwhile', 1, 'yes' FROM Artifact")
            cursor.execute("INSERT INTO Context (type_id, name) SELECT type_id, 'written-meanwhile' FROM Context LIMIT 1")
            cursor.execute("DELETE FROM Attribution")
            writer.commit()
        rest = list(stream)
        assert [list(a.items()) for a in [first, *rest]] == before["artifacts"]
        assert [list(c.items()) for c in mlmd.contexts(opened)] == before["contexts"]
        assert sum(1 for _ in mlmd.attributions(opened)) == len(before["attributions"]) > 0
        assert opened.count("Artifact") == before["counts"]["Artifact"]
    finally:
        opened.close()
    after = read_everything(mariadb.location(database))  # a new read sees the writes
    assert len(after["artifacts"]) == len(before["artifacts"]) + 1 and after["attributions"] == []


def test_the_session_cannot_write(mariadb, copies, monkeypatch):
    """Even an account that may write reads in a read-only transaction."""
    monkeypatch.setenv("MLPROV_MYSQL_PASSWORD", mariadb.writer.password)
    opened = mlmd.open_store(mariadb.location("real_00", mariadb.writer))
    try:
        with pytest.raises(BadInputError, match="READ ONLY"):
            opened.db.rows("DELETE FROM Event")
    finally:
        opened.close()
    assert read_everything(mariadb.location("real_00", mariadb.writer))["counts"] == read_everything(
        next(path for path, db in copies.items() if db == "real_00"))["counts"]


def test_tls_with_certificate_checks(mariadb, copies, tmp_path):
    tls = mariadb.tls_folder
    verified = f"{mariadb.location('real_00')}?ssl_ca={tls / 'ca.pem'}&ssl_verify_identity=1"
    opened = mlmd.open_store(verified)
    try:
        (_, version), = opened.db.rows("SHOW SESSION STATUS LIKE 'Ssl_version'")
        assert version.startswith("TLS")
    finally:
        opened.close()
    assert read_everything(verified) == read_everything(mariadb.location("real_00"))
    # A CA that did not sign the server's certificate: refused, in one line.
    subprocess.run([shutil.which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=another CA", "-keyout", str(tmp_path / "other.key"), "-out", str(tmp_path / "other.pem")],
                   check=True, capture_output=True)
    with pytest.raises(BadInputError) as refused:
        mlmd.open_store(f"{mariadb.location('real_00')}?ssl_ca={tmp_path / 'other.pem'}&ssl_verify_cert=1")
    assert "cannot reach" in str(refused.value) and "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
    assert "\n" not in str(refused.value)
