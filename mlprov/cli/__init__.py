"""The `mlprov` command line: a thin layer over the library, one module per command group.

Exit codes: 0 success, 1 handled failure (one line on stderr), 2 usage error.
"""

from __future__ import annotations

import logging
import sys

import neo4j
import typer

from mlprov.core.errors import MlprovError

app = typer.Typer(
    name="mlprov",
    help="Provenance analytics for production ML pipelines (MLMD -> Neo4j -> graphlets).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from mlprov.cli import browser, corpus, demo, export, graphlets, load, queries, refresh, report, server, waste

    app.add_typer(server.app, name="server")
    app.add_typer(corpus.app, name="corpus")
    app.add_typer(graphlets.app, name="graphlets")
    app.add_typer(queries.app, name="queries")
    app.add_typer(browser.app, name="browser")
    app.add_typer(waste.app, name="waste")
    app.command("load")(load.load)
    app.command("sync")(load.sync)
    app.command("refresh")(refresh.refresh)
    app.command("analyze")(queries.analyze)
    app.command("report")(report.report)
    app.command("export")(export.export)
    app.command("demo")(demo.demo)


_register()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    try:
        app()
    except MlprovError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
            neo4j.exceptions.DatabaseUnavailable) as exc:
        # A command without its own words for it: still one line, no traceback (rules §12).
        typer.echo(f"error: lost the connection to Neo4j ({type(exc).__name__}); run the same command "
                   "again once Neo4j is back", err=True)
        sys.exit(1)
