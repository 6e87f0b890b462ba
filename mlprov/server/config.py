"""Where a local server lives and how it is configured: folders, ports, `neo4j.conf`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from mlprov.errors import ServerError
from mlprov.server.distribution import Distribution

DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474


def default_home(base: Path | None = None) -> Path:
    """`$MLPROV_HOME/neo4j`, else `.mlprov/neo4j` under `base` (the current directory by default)."""
    mlprov_home = os.environ.get("MLPROV_HOME")
    root = Path(mlprov_home) if mlprov_home else (base or Path.cwd()) / ".mlprov"
    return root / "neo4j"


def port_from_env(variable: str, default: int) -> int:
    """A TCP port from an environment variable, or the default when it is unset."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ServerError(f"{variable}={value!r} is not a TCP port: use a number from 1 to 65535")
    return int(value)


@dataclass(frozen=True)
class InstanceLayout:
    """The folders one server instance owns; the jars come from a (possibly shared) distribution."""

    home: Path

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def import_dir(self) -> Path:
        return self.home / "import"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def pid_file(self) -> Path:
        # Not Neo4j's own neo4j.pid: that one belongs to its background launcher.
        return self.run_dir / "mlprov-server.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    def has_started_once(self) -> bool:
        """True once the server has created its system database (initial passwords no longer apply)."""
        return (self.data_dir / "databases" / "system").is_dir()

    def create(self) -> None:
        for folder in (self.conf_dir, self.data_dir, self.logs_dir, self.import_dir, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)


def render_conf(
    layout: InstanceLayout, distribution: Distribution, *, bolt_port: int, http_port: int, auth: bool
) -> str:
    """The whole `neo4j.conf` for one instance, from the shipped template."""
    template = resources.files("mlprov.server").joinpath("neo4j.conf").read_text(encoding="utf-8")
    return Template(template).substitute(
        bolt_port=bolt_port,
        http_port=http_port,
        auth_enabled="true" if auth else "false",
        lib_dir=distribution.lib.resolve(),
        plugins_dir=distribution.plugins.resolve(),
        data_dir=layout.data_dir.resolve(),
        logs_dir=layout.logs_dir.resolve(),
        import_dir=layout.import_dir.resolve(),
        run_dir=layout.run_dir.resolve(),
    )
