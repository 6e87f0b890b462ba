"""A throwaway MariaDB server for the MySQL tests: Debian's mariadb-server binaries, data, socket, pid
file and TLS certificates under pytest's temporary folder, listening on 127.0.0.1 only.

The server is made with mariadb-install-db and run with --no-defaults, so nothing of the machine's
own MySQL configuration applies. Its root account has no password and is reached through the
server's own socket file only, to set things up. The tests use two accounts with generated
passwords that go to the driver in Python, never to a command line: a writer (ml-metadata creates
schemas and the tests fill them) and a reader with SELECT only, as a real reader should have.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
HOST = "127.0.0.1"


class MariaDbError(RuntimeError):
    """The test server could not be set up: the tests that need it fail with this message."""


def _binary(name: str) -> str:
    # mariadbd lives in /usr/sbin, which is not on every user's PATH.
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise MariaDbError(f"{name} is missing: install Debian's mariadb-server (scripts/run.sh test does, as root)")
    return found


@dataclass
class Account:
    user: str
    password: str = field(repr=False)


@dataclass
class MariaDbServer:
    folder: Path
    port: int
    writer: Account = field(default_factory=lambda: Account("mlprov_writer", secrets.token_urlsafe(18)))
    reader: Account = field(default_factory=lambda: Account("mlprov_reader", secrets.token_urlsafe(18)))
    process: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "mariadb.sock"

    @property
    def tls_folder(self) -> Path:
        return self.folder / "tls"

    def start(self) -> MariaDbServer:
        data = self.folder / "data"
        as_root = ["--user=root"] if os.geteuid() == 0 else []  # mariadbd refuses root unless told
        _run([_binary("mariadb-install-db"), "--no-defaults", f"--datadir={data}", "--skip-test-db",
              "--auth-root-authentication-method=normal", *as_root], self.folder / "install.log")
        _make_certificates(self.tls_folder)
        log = (self.folder / "mariadbd.log").open("ab")
        self.process = subprocess.Popen([
            _binary("mariadbd"), "--no-defaults", f"--datadir={data}", f"--tmpdir={self.folder}",
            f"--socket={self.socket}", f"--pid-file={self.folder / 'mariadbd.pid'}",
            f"--log-error={self.folder / 'mariadbd.err'}",
            f"--bind-address={HOST}", f"--port={self.port}", "--skip-name-resolve",
            # Debian's packaged configuration says utf8mb4 too; the compiled-in default is latin1.
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
            # A throwaway server needs no durability: without fsyncs its DDL (ml-metadata's schema,
            # the per-store replicas) takes 40% less time.
            "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2",
            "--innodb-flush-method=nosync", "--innodb-doublewrite=0",
            f"--ssl-ca={self.tls_folder / 'ca.pem'}", f"--ssl-cert={self.tls_folder / 'server.pem'}",
            f"--ssl-key={self.tls_folder / 'server.key'}",
            *as_root,
        ], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait_until_it_answers()
        with self.admin() as conn, conn.cursor() as cursor:
            for account, grant in ((self.writer, "ALL PRIVILEGES"), (self.reader, "SELECT")):
                cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (account.user, HOST, account.password))
                cursor.execute(f"GRANT {grant} ON *.* TO %s@%s", (account.user, HOST))
        return self

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.admin().close()
                return
            except pymysql.err.Error as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise MariaDbError(f"the test MariaDB did not start ({exc}); its log:\n{self._log_tail()}") from exc
                time.sleep(0.2)

    def _log_tail(self) -> str:
        err = self.folder / "mariadbd.err"
        return "\n".join(err.read_text(errors="replace").splitlines()[-20:]) if err.exists() else "(no log)"

    def admin(self) -> pymysql.connections.Connection:
        """root, through the server's own socket file; autocommit, for set-up statements."""
        return pymysql.connect(unix_socket=str(self.socket), user="root", password="", autocommit=True,
                               connect_timeout=5)

    def connect(self, database: str | None = None, account: Account | None = None) -> pymysql.connections.Connection:
        account = account or self.writer
        return pymysql.connect(host=HOST, port=self.port, user=account.user, password=account.password,
                               database=database, charset="utf8mb4", connect_timeout=5)

    def location(self, database: str, account: Account | None = None) -> str:
        return f"mysql://{(account or self.reader).user}@{HOST}:{self.port}/{database}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            with self.admin() as conn, conn.cursor() as cursor:
                cursor.execute("SHUTDOWN")
        except pymysql.err.Error:
            self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _run(command: list[str], log: Path) -> None:
    with log.open("ab") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=START_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise MariaDbError(f"{Path(command[0]).name} failed (exit {result.returncode}); see {log}")


def _make_certificates(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1, so that TLS, certificate checks included, is tested
    for real. Unencrypted keys: they protect nothing but this throwaway server."""
    folder.mkdir()
    openssl = shutil.which("openssl")
    if not openssl:
        raise MariaDbError("openssl is missing: install Debian's openssl (scripts/run.sh test does, as root)")
    log = folder / "openssl.log"
    _run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mlprov test CA",
          "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.pem")], log)
    _run([openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={HOST}",
          "-keyout", str(folder / "server.key"), "-out", str(folder / "server.csr")], log)
    (folder / "san.ext").write_text(f"subjectAltName=IP:{HOST}\n")
    _run([openssl, "x509", "-req", "-in", str(folder / "server.csr"), "-days", "2", "-CA", str(folder / "ca.pem"),
          "-CAkey", str(folder / "ca.key"), "-CAcreateserial", "-extfile", str(folder / "san.ext"),
          "-out", str(folder / "server.pem")], log)
