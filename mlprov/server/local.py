"""A Neo4j 5.26 Community server run from jars on this machine: start detached, probe, stop.

The jars come from a distribution folder (see `distribution`) that several instances may share;
each instance owns its home folder with its configuration, data, logs and pid file.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mlprov.core.connection import Target
from mlprov.core.errors import ServerError
from mlprov.server.config import (
    DEFAULT_BOLT_PORT,
    DEFAULT_HTTP_PORT,
    InstanceLayout,
    Memory,
    default_home,
    port_from_env,
    render_conf,
)
from mlprov.server.distribution import NEO4J_VERSION, Distribution, assemble, require_tool
from mlprov.server.probe import HOST, bolt_answers, http_answers, port_is_free

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_ENTRY_POINT = "org.neo4j.server.startup.Neo4jAdminCommand"
JVM_OPTIONS = (
    # This entry point takes its heap from the command line only, not from server.memory.heap.*.
    # Netty and the page cache reach into these JDK internals; Neo4j's own launcher opens them too.
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)
READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 60.0
MIN_PASSWORD_LENGTH = 8  # Neo4j's default dbms.security.auth_minimum_password_length
LOG_TAIL_LINES = 30

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerStatus:
    """What `mlprov server status` reports."""

    running: bool
    pid: int | None
    bolt_uri: str
    http_url: str
    browser_url: str
    home: Path
    version: str
    auth: bool


class LocalServer:
    """One Neo4j instance: its home folder, its ports, and the process running it."""

    def __init__(
        self,
        home: Path,
        *,
        distribution: Path | None = None,
        bolt_port: int = DEFAULT_BOLT_PORT,
        http_port: int = DEFAULT_HTTP_PORT,
        auth: bool = True,
        memory: Memory | None = None,
    ) -> None:
        self.layout = InstanceLayout(Path(home).absolute())
        self.distribution = Distribution(Path(distribution or home).absolute())
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.auth = auth
        self.memory = memory or Memory.from_env()
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def default(cls) -> LocalServer:
        """The user's server: `$MLPROV_HOME/neo4j` or `./.mlprov/neo4j`, ports from
        MLPROV_BOLT_PORT / MLPROV_HTTP_PORT, auth on."""
        return cls(
            default_home(),
            bolt_port=port_from_env("MLPROV_BOLT_PORT", DEFAULT_BOLT_PORT),
            http_port=port_from_env("MLPROV_HTTP_PORT", DEFAULT_HTTP_PORT),
        )

    @property
    def home(self) -> Path:
        return self.layout.home

    @property
    def bolt_uri(self) -> str:
        return f"bolt://{HOST}:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}/"

    @property
    def browser_url(self) -> str:
        url = f"{self.http_url}browser/?dbms={self.bolt_uri}"
        return url if self.auth else url + "&preselectAuthMethod=NO_AUTH"

    def assemble(self) -> Distribution:
        """Resolve the jars into the distribution folder unless they are already there."""
        return assemble(self.distribution.root)

    def password(self) -> str | None:
        """NEO4J_PASSWORD when set, else the password kept in the home folder (None if neither)."""
        from_env = os.environ.get("NEO4J_PASSWORD")
        if from_env:
            return from_env
        try:
            return self.layout.password_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None

    def target(self) -> Target:
        """How to reach this server's database (user neo4j; no password when auth is off)."""
        return Target(uri=self.bolt_uri, user="neo4j", password=self.password() if self.auth else None)

    def status(self) -> ServerStatus:
        pid = self._live_pid()
        return ServerStatus(
            running=pid is not None and bolt_answers(self.bolt_port),
            pid=pid,
            bolt_uri=self.bolt_uri,
            http_url=self.http_url,
            browser_url=self.browser_url,
            home=self.home,
            version=NEO4J_VERSION,
            auth=self.auth,
        )

    def is_running(self) -> bool:
        """True when this instance's process is alive and answers Bolt."""
        return self.status().running

    def start(self, timeout_s: float = READY_TIMEOUT_S) -> ServerStatus:
        """Start the server detached and wait until Bolt and HTTP answer; assembles jars if needed."""
        pid = self._live_pid()
        if pid is not None:
            self._refuse_other_settings(pid)
            # Started by another command, perhaps still warming up: wait for it, never start twice.
            self._wait_until_ready(pid, time.monotonic() + timeout_s)
            log.info("Neo4j is already running (pid %d) at %s", pid, self.bolt_uri)
            return self.status()
        self.assemble()
        java = require_tool("java", "to run Neo4j")
        self._refuse_taken_ports()
        self._write_conf()
        if self.auth and not self.layout.has_started_once():
            self._set_initial_password(java)
        began = time.monotonic()
        pid = self._launch(java)
        try:
            self._wait_until_ready(pid, began + timeout_s)
        except ServerError:
            self._terminate_quietly(pid)
            raise
        log.info(
            "Neo4j %s started in %.1f s: %s, Browser %s",
            NEO4J_VERSION, time.monotonic() - began, self.bolt_uri, self.browser_url,
        )
        return self.status()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int | None:
        """Stop the server with SIGTERM and wait for it; returns its exit code when this process
        started it (0 is a clean shutdown), else None."""
        pid = self._live_pid()
        if pid is None:
            log.info("Neo4j is not running in %s", self.home)
            self.layout.pid_file.unlink(missing_ok=True)
            return None
        os.kill(pid, signal.SIGTERM)
        exit_code = self._wait_for_exit(pid, timeout_s)
        self.layout.pid_file.unlink(missing_ok=True)
        log.info("Neo4j stopped (pid %d%s)", pid, "" if exit_code is None else f", exit code {exit_code}")
        return exit_code

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _conf(self) -> str:
        return render_conf(
            self.layout, self.distribution, bolt_port=self.bolt_port, http_port=self.http_port,
            auth=self.auth, memory=self.memory,
        )

    def _write_conf(self) -> None:
        self.layout.create()
        self.layout.conf_file.write_text(self._conf(), encoding="utf-8")

    def _refuse_other_settings(self, pid: int) -> None:
        """A running instance keeps the ports and auth it started with."""
        try:
            running_conf = self.layout.conf_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            running_conf = None
        if running_conf != self._conf():
            raise ServerError(
                f"Neo4j already runs in {self.home} (pid {pid}) with other ports, auth or memory "
                "than asked for now: stop it first with `mlprov server stop`"
            )

    def _refuse_taken_ports(self) -> None:
        for name, port, variable in (
            ("Bolt", self.bolt_port, "MLPROV_BOLT_PORT"),
            ("HTTP", self.http_port, "MLPROV_HTTP_PORT"),
        ):
            if not port_is_free(port):
                raise ServerError(
                    f"port {port} ({name}) on {HOST} is already in use by another program: "
                    f"stop that program or choose another port with {variable}"
                )

    def _initial_password(self) -> str:
        """NEO4J_PASSWORD, else the kept password, else a new one kept in a file only the user reads."""
        password = self.password()
        if password is None:
            # Hex: a password starting with "-" would read as an option to neo4j-admin.
            password = secrets.token_hex(16)
            fd = os.open(self.layout.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(password + "\n")
            log.info("generated a Neo4j password for user neo4j; it is in %s", self.layout.password_file)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ServerError(
                f"Neo4j needs a password of at least {MIN_PASSWORD_LENGTH} characters: "
                "set a longer NEO4J_PASSWORD"
            )
        return password

    def _set_initial_password(self, java: str) -> None:
        """Neo4j reads the initial password only before its first start. The password reaches
        neo4j-admin in an argument file (`@FILE`, which its command-line parser expands) readable
        only by the user and removed at once, never on a command line that `ps` shows."""
        password = self._initial_password()
        fd, name = tempfile.mkstemp(dir=self.home, prefix=".initial-password.", suffix=".args")
        argument_file = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                # "--" ends the options, so a password may start with "-"; quoted, with backslash escapes.
                file.write("--\n\"" + password.replace("\\", "\\\\").replace('"', '\\"') + "\"\n")
            command = self.admin_command(java, "dbms", "set-initial-password", f"@{argument_file}")
            result = subprocess.run(command, env=self.java_env(), capture_output=True, text=True)
        finally:
            argument_file.unlink(missing_ok=True)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).replace(password, "***")
            raise ServerError(f"setting the initial Neo4j password failed:\n{_tail(output)}")

    def admin_command(self, java: str, *arguments: str) -> list[str]:
        """A `neo4j-admin` command line for this instance (run it with `java_env()`); the launcher
        runs the command in a JVM of its own, whose heap comes from HEAP_SIZE in the environment."""
        return [java, "-Xmx512m", "-cp", f"{self.distribution.lib}/*", ADMIN_ENTRY_POINT, *arguments]

    def java_env(self) -> dict[str, str]:
        """The environment Neo4j's programs need to find this instance's home and configuration."""
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.layout.conf_dir)}

    def _launch(self, java: str) -> int:
        command = [
            java, "-Xms512m", f"-Xmx{self.memory.heap}", *JVM_OPTIONS, "-cp", self.distribution.class_path(), ENTRY_POINT,
            f"--home-dir={self.home}", f"--config-dir={self.layout.conf_dir}", "--console-mode",
        ]
        with self.layout.console_log.open("wb") as console:
            # A session of its own, so that the server outlives the command that started it and
            # a Ctrl+C in that terminal does not reach it.
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                cwd=self.home, env=self.java_env(), start_new_session=True,
            )
        self.layout.pid_file.write_text(f"{self._process.pid}\n")
        return self._process.pid

    def _wait_until_ready(self, pid: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not self._is_alive(pid):
                raise ServerError(
                    f"Neo4j exited while starting; the end of {self.layout.console_log}:\n"
                    f"{_tail(self._console_output())}"
                )
            if http_answers(self.http_url) and bolt_answers(self.bolt_port):
                return
            time.sleep(0.5)
        raise ServerError(
            f"Neo4j did not answer on {self.bolt_uri} and {self.http_url} in time; "
            f"the end of {self.layout.console_log}:\n{_tail(self._console_output())}"
        )

    def _wait_for_exit(self, pid: int, timeout_s: float) -> int | None:
        if self._process is not None and self._process.pid == pid:
            try:
                return self._process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                pass
        else:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if not self._is_alive(pid):
                    return None
                time.sleep(0.2)
        raise ServerError(
            f"Neo4j (pid {pid}) did not stop within {timeout_s:.0f} s; see {self.layout.console_log}, "
            f"and end it with `kill -9 {pid}` if it hangs"
        )

    def _terminate_quietly(self, pid: int) -> None:
        """A server that failed to become ready must not linger holding the ports and the store."""
        if self._is_alive(pid):
            os.kill(pid, signal.SIGTERM)
            try:
                self._wait_for_exit(pid, STOP_TIMEOUT_S)
            except ServerError:
                os.kill(pid, signal.SIGKILL)
        self.layout.pid_file.unlink(missing_ok=True)

    def _live_pid(self) -> int | None:
        """The pid in the pid file, when that process is alive and is this instance's Neo4j."""
        try:
            pid = int(self.layout.pid_file.read_text())
        except (OSError, ValueError):
            return None
        return pid if self._is_alive(pid) else None

    def _is_alive(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is None
        return _is_neo4j_of(pid, self.home)

    def _console_output(self) -> str:
        try:
            return self.layout.console_log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def _is_neo4j_of(pid: int, home: Path) -> bool:
    """True when the process is alive and is the Neo4j of this home (a pid may have been reused)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc (macOS): the live pid from our own pid file is the best we know
    try:
        arguments = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False  # it exited meanwhile
    return ENTRY_POINT.encode() in arguments and f"--home-dir={home}".encode() in arguments


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
