"""`mlprov server`: the local Neo4j that mlprov assembles from Maven Central and runs itself.

The server lives in `$MLPROV_HOME/neo4j` (default `./.mlprov/neo4j`) and listens on 127.0.0.1,
ports MLPROV_BOLT_PORT / MLPROV_HTTP_PORT (default 7687 / 7474).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer

from mlprov.server.local import READY_TIMEOUT_S, STOP_TIMEOUT_S, LocalServer, ServerStatus

app = typer.Typer(
    help="Run the local Neo4j (5.26 Community with APOC and Browser, from Maven Central jars).",
    no_args_is_help=True,
)

AS_JSON = Annotated[bool, typer.Option("--json", help="Print the status as one JSON object.")]


@app.command()
def assemble() -> None:
    """Resolve the Neo4j, Browser and APOC jars into the server folder, without starting it.

    Needs Java 17 and Maven on PATH; does nothing when the pinned versions are already there.
    """
    LocalServer.default().assemble()


@app.command()
def start(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the server to answer before giving up.")
    ] = READY_TIMEOUT_S,
    as_json: AS_JSON = False,
) -> None:
    """Start the local Neo4j in the background (assembling it first if needed) and print its status.

    Auth is on: the password is NEO4J_PASSWORD when set before the first start, else a generated
    one kept in the server folder's `password` file.
    """
    _print_status(LocalServer.default().start(timeout_s=timeout), as_json)


@app.command()
def stop(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a clean shutdown.")] = STOP_TIMEOUT_S,
) -> None:
    """Stop the local Neo4j (SIGTERM, then wait for it to exit)."""
    LocalServer.default().stop(timeout_s=timeout)


@app.command()
def status(as_json: AS_JSON = False) -> None:
    """Print whether the local Neo4j runs, its pid, Bolt and Browser addresses and its folder."""
    _print_status(LocalServer.default().status(), as_json)


def _print_status(server_status: ServerStatus, as_json: bool) -> None:
    fields = dataclasses.asdict(server_status)
    fields["home"] = str(server_status.home)
    if as_json:
        typer.echo(json.dumps(fields))
        return
    fields["running"] = "yes" if server_status.running else "no"
    fields["pid"] = server_status.pid or "-"
    fields["auth"] = "on" if server_status.auth else "off"
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        typer.echo(f"{name.replace('_', ' '):<{width}}  {value}")
