"""`mlprov browser guide|serve`: a Neo4j Browser guide that lists the stored queries."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.analytics.browser_guide import guide_server, play_url, write_guide
from mlprov.server.local import LocalServer

app = typer.Typer(help="Neo4j Browser: a guide listing the stored queries, ready to run.", no_args_is_help=True)

DEFAULT_GUIDE_PORT = 8474


@app.command()
def guide(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write guide.html into.")],
) -> None:
    """Write the Browser guide (guide.html) listing every stored read query with its :params line."""
    typer.echo(write_guide(output))


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve the guide from.")] = DEFAULT_GUIDE_PORT,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for guide.html (default: a temporary one).")] = None,
    browser_url: Annotated[Optional[str], typer.Option(help="Browser URL of your Neo4j (default: the local server's).")] = None,
) -> None:
    """Serve the guide on 127.0.0.1 and print the Browser URL that opens it; Ctrl+C stops."""
    with tempfile.TemporaryDirectory(prefix="mlprov-guide-") as scratch:
        folder = output or Path(scratch)
        write_guide(folder)
        server = guide_server(folder, port)
        typer.echo(play_url(browser_url or LocalServer.default().browser_url, server.server_address[1]))
        typer.echo(f"serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C stops)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
