"""The local server for real: started by this test run on free ports, stopped by it."""

from __future__ import annotations

import logging
import socket
import urllib.request
from collections.abc import Callable

import neo4j
import pytest

from mlprov.core.connection import Target
from mlprov.core.errors import ServerError
from mlprov.server.distribution import APOC_VERSION, NEO4J_VERSION
from mlprov.server.local import LocalServer

pytestmark = pytest.mark.integration


def test_answers_cypher_with_apoc(neo4j_target: Target) -> None:
    with neo4j_target.driver() as driver:
        records, _, _ = driver.execute_query(
            "RETURN 1 AS one, apoc.version() AS apoc", database_=neo4j_target.database, routing_="r"
        )
    assert records[0]["one"] == 1
    assert records[0]["apoc"] == APOC_VERSION


def test_serves_the_browser(local_neo4j: LocalServer) -> None:
    with urllib.request.urlopen(local_neo4j.http_url + "browser/", timeout=10) as response:
        assert response.status == 200


def test_status_describes_the_running_server(local_neo4j: LocalServer) -> None:
    status = local_neo4j.status()
    assert status.running and status.pid is not None
    assert status.bolt_uri == local_neo4j.bolt_uri
    assert status.version == NEO4J_VERSION
    assert "preselectAuthMethod=NO_AUTH" in status.browser_url


def test_starting_twice_says_already_running(local_neo4j: LocalServer, caplog: pytest.LogCaptureFixture) -> None:
    # A second object on the same folder, as a second `mlprov server start` would make.
    again = LocalServer(
        local_neo4j.home,
        distribution=local_neo4j.distribution.root,
        bolt_port=local_neo4j.bolt_port,
        http_port=local_neo4j.http_port,
        auth=False,
    )
    with caplog.at_level(logging.INFO, logger="mlprov.server.local"):
        status = again.start()
    assert "already running" in caplog.text
    assert status.pid == local_neo4j.status().pid


def test_a_taken_port_gives_a_server_error(
    make_local_server: Callable[..., LocalServer], local_neo4j: LocalServer
) -> None:
    server = make_local_server()
    server.bolt_port = local_neo4j.bolt_port
    with pytest.raises(ServerError, match=f"port {local_neo4j.bolt_port} \\(Bolt\\)"):
        server.start()
    assert not server.status().running


def test_auth_server_refuses_a_wrong_password_accepts_the_right_one_and_stops_cleanly(
    make_local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    server = make_local_server(auth=True)
    server.start()
    right = server.target()
    assert right.password
    wrong = Target(uri=right.uri, user=right.user, password=right.password + "x")
    with wrong.driver() as driver, pytest.raises(neo4j.exceptions.AuthError):
        driver.verify_connectivity()
    with right.driver() as driver:
        driver.verify_connectivity()
    assert server.stop() == 0
    assert not server.status().running
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", server.bolt_port)) != 0


def test_clean_db_empties_the_throwaway_database(neo4j_target: Target, request: pytest.FixtureRequest) -> None:
    with neo4j_target.driver() as driver:
        driver.execute_query("CREATE CONSTRAINT probe_uid IF NOT EXISTS FOR (p:Probe) REQUIRE p.uid IS UNIQUE")
        driver.execute_query("CREATE (:Probe {uid: 1})-[:TO]->(:Probe {uid: 2})")
        request.getfixturevalue("clean_db")
        nodes = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
        constraints = driver.execute_query("SHOW CONSTRAINTS").records
    assert nodes == 0
    assert constraints == []


class MisconfiguredServer(LocalServer):
    """Writes a setting Neo4j 5.26 does not know, which its strict validation refuses at start."""

    def _conf(self) -> str:
        return super()._conf() + "browser.allow_outgoing_connections=true\n"


def test_a_server_that_dies_while_starting_shows_its_log(make_local_server: Callable[..., LocalServer]) -> None:
    template = make_local_server()
    server = MisconfiguredServer(
        template.home, distribution=template.distribution.root,
        bolt_port=template.bolt_port, http_port=template.http_port, auth=False,
    )
    with pytest.raises(ServerError, match="(?s)exited while starting.*browser.allow_outgoing_connections"):
        server.start()
    assert server.status().pid is None
