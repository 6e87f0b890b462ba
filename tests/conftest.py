"""Fixtures for tests that need a real Neo4j or a real MariaDB.

Integration tests get a throwaway server that this test run starts itself (auth off, free ports,
data under pytest's temporary folder, jars shared with the user's `.mlprov/neo4j`), and they only
ever write to and wipe that server. MySQL tests get a throwaway MariaDB the same way
(tests/mariadb.py). A server that cannot start fails the tests; it never skips them.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mlprov.core.connection import Target
from mlprov.server.config import default_home
from mlprov.server.distribution import Distribution, assemble
from mlprov.server.local import LocalServer
from tests.helpers import empty
from tests.mariadb import MariaDbError, MariaDbServer

REPO_ROOT = Path(__file__).resolve().parents[1]



@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """A function returning a loopback port that is free now and not handed out before."""
    handed_out: set[int] = set()

    def pick() -> int:
        while True:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            if port not in handed_out:
                handed_out.add(port)
                return port

    return pick


@pytest.fixture(scope="session")
def shared_distribution() -> Distribution:
    """The jars of the user's server folder, assembled once if needed, shared by all test servers."""
    return assemble(default_home(REPO_ROOT))


@pytest.fixture(scope="session")
def make_local_server(
    tmp_path_factory: pytest.TempPathFactory,
    shared_distribution: Distribution,
    free_port: Callable[[], int],
) -> Iterator[Callable[..., LocalServer]]:
    """A function creating (not starting) throwaway servers: own tmp home and free ports, shared jars.
    Every server it created is stopped at the end of the session."""
    created: list[LocalServer] = []

    def make(*, auth: bool = False) -> LocalServer:
        server = LocalServer(
            tmp_path_factory.mktemp("neo4j"),
            distribution=shared_distribution.root,
            bolt_port=free_port(),
            http_port=free_port(),
            auth=auth,
        )
        created.append(server)
        return server

    yield make
    for server in created:
        server.stop()


@pytest.fixture(scope="session")
def local_neo4j(make_local_server: Callable[..., LocalServer]) -> LocalServer:
    """The session's throwaway server, started (auth off)."""
    server = make_local_server(auth=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def neo4j_target(local_neo4j: LocalServer) -> Target:
    """How to reach the session's throwaway database."""
    return local_neo4j.target()


@pytest.fixture(scope="session")
def reference_neo4j(make_local_server: Callable[..., LocalServer]) -> Target:
    """A second throwaway server (auth off), started on first use: where tests load a store afresh
    to compare with what the session's server holds after other work (a sync)."""
    server = make_local_server(auth=False)
    server.start()
    return server.target()


@pytest.fixture
def clean_db(neo4j_target: Target) -> Target:
    """The throwaway database, emptied of nodes, relationships, indexes and constraints."""
    return empty(neo4j_target)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory, free_port: Callable[[], int]) -> Iterator[MariaDbServer]:
    """The session's throwaway MariaDB (loopback, free port, tmp folder), started, with a writer and a
    read-only account; stopped at the end of the session."""
    server = MariaDbServer(tmp_path_factory.mktemp("mariadb"), free_port())
    try:
        server.start()
    except MariaDbError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()
