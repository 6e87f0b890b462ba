"""Where Neo4j is, decided in one place for every command, the demo, notebooks and the bulk path.

The NEO4J_* environment variables name another Neo4j when NEO4J_URI is set; otherwise it is the
local server of `mlprov server start` (its folder is MLPROV_HOME, by default ./.mlprov).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import neo4j

from mlprov.core.connection import Target, open_driver, target_from_env
from mlprov.core.errors import BadInputError
from mlprov.server.local import LocalServer


def resolve_target() -> Target:
    """NEO4J_* from the environment, else the local server (which must be running)."""
    return target_from_env() or LocalServer.default().target()


@contextmanager
def connect(target: Target | None = None) -> Iterator[tuple[neo4j.Driver, str]]:
    """A verified driver and database name for `target`, else for wherever Neo4j is."""
    with open_driver(target or resolve_target()) as opened:
        yield opened


@dataclass(frozen=True)
class Started:
    """Where Neo4j is once it is sure to be running, and what a user needs to open its Browser."""

    target: Target
    browser_url: str | None = None
    password_file: Path | None = None


def start_if_local() -> Started:
    """NEO4J_* when set (that server is the user's to run); else start the local server."""
    target = target_from_env()
    if target is not None:
        return Started(target)
    server = LocalServer.default()
    status = server.start()
    return Started(server.target(), status.browser_url, server.layout.password_file if server.auth else None)


def local_server_for_bulk() -> LocalServer:
    """The user's local server; a bulk import cannot reach a server that NEO4J_URI names."""
    if target_from_env() is not None:
        raise BadInputError(
            "--bulk imports into the local server's database, but NEO4J_URI names another Neo4j: "
            "unset NEO4J_URI, or load without --bulk"
        )
    return LocalServer.default()
