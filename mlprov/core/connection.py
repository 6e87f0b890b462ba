"""How to reach one Neo4j database once its address is known, and the NEO4J_* variables.

Which database a command uses (the NEO4J_* variables, else the local server) is decided in
`mlprov.server.locate`. Credentials come from the environment or the local server's password
file and are never logged or printed.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import neo4j

from mlprov.core.errors import ServerError


@dataclass(frozen=True)
class Target:
    """How to reach one Neo4j database."""

    uri: str
    user: str = "neo4j"
    password: str | None = field(default=None, repr=False)
    database: str = "neo4j"

    def driver(self) -> neo4j.Driver:
        auth = (self.user, self.password) if self.password is not None else None
        # Server notifications (e.g. "property key does not exist" on an empty graph) are noise for
        # users of stored queries; the queries are checked by the test suite instead.
        return neo4j.GraphDatabase.driver(
            self.uri, auth=auth, connection_timeout=10, notifications_min_severity="OFF",
            # Transient failures are retried, but a server that is gone is reported within seconds.
            max_transaction_retry_time=10,
        )


def target_from_env() -> Target | None:
    """The target named by NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE), if set."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return Target(
        uri=uri,
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD"),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


@contextmanager
def open_driver(target: Target) -> Iterator[tuple[neo4j.Driver, str]]:
    """A verified driver and its database name; a clear ServerError when Neo4j cannot be reached."""
    driver = target.driver()
    try:
        try:
            driver.verify_connectivity()
        except neo4j.exceptions.AuthError as exc:
            raise ServerError(
                f"Neo4j at {target.uri} refused the credentials for user {target.user!r}: "
                "check NEO4J_USER / NEO4J_PASSWORD"
            ) from exc
        except (neo4j.exceptions.ServiceUnavailable, OSError) as exc:
            raise ServerError(
                f"cannot reach Neo4j at {target.uri}: start it with `mlprov server start` "
                "or set NEO4J_URI"
            ) from exc
        yield driver, target.database
    finally:
        driver.close()
