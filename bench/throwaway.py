"""A throwaway Neo4j for one benchmark run: own temporary folder, free loopback ports, auth off,
the jars of the user's `.mlprov/neo4j` (assembled there by `mlprov server assemble`)."""

from __future__ import annotations

import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mlprov.connection import Target
from mlprov.server.config import default_home
from mlprov.server.local import LocalServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_server() -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="mlprov-bench-") as tmp:
        server = LocalServer(Path(tmp) / "neo4j", distribution=default_home(), bolt_port=free_port(),
                             http_port=free_port(), auth=False)
        server.start()
        try:
            yield server.target()
        finally:
            server.stop()
