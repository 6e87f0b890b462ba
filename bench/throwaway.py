"""What the benchmarks share: a throwaway Neo4j for one run (own temporary folder, free loopback
ports, auth off, the jars of the user's `.mlprov/neo4j`, assembled there by `mlprov server
assemble`), and where and how a run's numbers are kept and shown."""

from __future__ import annotations

import functools
import json
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mlprov.core.connection import Target
from mlprov.server.config import default_home
from mlprov.server.local import LocalServer

RESULTS = Path(__file__).parent / "results"
BUSY_READY_TIMEOUT_S = 900.0


def keep_results(name: str, report: dict) -> None:
    """Write the report to bench/results/<name>.json and print it as aligned `key  value` lines."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1))
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_server(home: Path) -> LocalServer:
    """A server of the user's jars in `home` (not started): free loopback ports, auth off, and
    start-up timeouts for cores shared with other jobs."""
    server = LocalServer(home, distribution=default_home(), bolt_port=free_port(), http_port=free_port(), auth=False)
    # On cores shared with other jobs a start can take minutes: wait longer than the CLI does,
    # here and in the restart of a bulk import.
    server.start = functools.partial(server.start, timeout_s=BUSY_READY_TIMEOUT_S)
    return server


@contextmanager
def throwaway_local_server() -> Iterator[LocalServer]:
    """The server itself, for a benchmark that bulk-imports into it (`mlprov.bulk_load`)."""
    with tempfile.TemporaryDirectory(prefix="mlprov-bench-") as tmp:
        server = local_server(Path(tmp) / "neo4j")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def throwaway_server() -> Iterator[Target]:
    with throwaway_local_server() as server:
        yield server.target()
