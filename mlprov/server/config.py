"""Where a local server lives and how it is configured: folders, ports, `neo4j.conf`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from mlprov.core.errors import ServerError
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


_SIZE = re.compile(r"^([1-9][0-9]*)([mg])$", re.IGNORECASE)
_MIB = 1024 * 1024


def _physical_memory_mib() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // _MIB
    except (ValueError, OSError, AttributeError):
        return 4096


def _size_from_env(variable: str, default_mib: int) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        return f"{default_mib}m"
    if not _SIZE.match(value):
        raise ServerError(f"{variable}={value!r} is not a memory size: use a number with m or g, like 4g")
    return value.lower()


@dataclass(frozen=True)
class Memory:
    """Heap, page cache and transaction memory of a local server, as Neo4j sizes ("512m", "4g").

    By default they grow with the machine, within bounds: the heap an eighth of physical memory
    (1 to 8 GiB), the page cache a quarter (512 MiB to 16 GiB), so that an L corpus (a store of
    several GiB) mostly stays in memory on a 24 GiB machine while a laptop keeps most of its memory.
    MLPROV_NEO4J_HEAP and MLPROV_NEO4J_PAGECACHE set them explicitly. Both are reserved lazily.
    """

    heap: str
    pagecache: str

    @property
    def transactions(self) -> str:
        """What all running transactions may hold: 70% of the heap, Neo4j's own default share."""
        match = _SIZE.match(self.heap)
        heap_mib = int(match[1]) * (1024 if match[2].lower() == "g" else 1) if match else 1024
        return f"{max(256, heap_mib * 7 // 10)}m"

    @classmethod
    def from_env(cls) -> Memory:
        physical = _physical_memory_mib()
        heap = min(max(physical // 8, 1024), 8192)
        pagecache = min(max(physical // 4, 512), 16384)
        return cls(
            heap=_size_from_env("MLPROV_NEO4J_HEAP", heap),
            pagecache=_size_from_env("MLPROV_NEO4J_PAGECACHE", pagecache),
        )


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

    def database_dirs(self, database: str) -> tuple[Path, Path]:
        """The store folder and the transaction-log folder of one database."""
        return self.data_dir / "databases" / database, self.data_dir / "transactions" / database

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
        # The graph and the auth file are the user's alone, whatever the umask (rules §13).
        self.data_dir.chmod(0o700)


def render_conf(
    layout: InstanceLayout,
    distribution: Distribution,
    *,
    bolt_port: int,
    http_port: int,
    auth: bool,
    memory: Memory,
) -> str:
    """The whole `neo4j.conf` for one instance, from the shipped template."""
    template = resources.files("mlprov.server").joinpath("neo4j.conf").read_text(encoding="utf-8")
    return Template(template).substitute(
        bolt_port=bolt_port,
        http_port=http_port,
        auth_enabled="true" if auth else "false",
        pagecache=memory.pagecache,
        heap=memory.heap,
        transactions=memory.transactions,
        lib_dir=distribution.lib.resolve(),
        plugins_dir=distribution.plugins.resolve(),
        data_dir=layout.data_dir.resolve(),
        logs_dir=layout.logs_dir.resolve(),
        import_dir=layout.import_dir.resolve(),
        run_dir=layout.run_dir.resolve(),
    )
