"""`mlprov graphlets build`: materialise model graphlets in Neo4j."""

from __future__ import annotations

from typing import Annotated

import typer

from mlprov.analytics.graphlets import GraphletBuildError, build as build_graphlets
from mlprov.cli.options import Quiet
from mlprov.core.settings import MS_PER_HOUR, GraphletSettings
from mlprov.server.locate import connect

DEFAULTS = GraphletSettings()

app = typer.Typer(help="Model graphlets: build them from the loaded provenance.", no_args_is_help=True)


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="Rebuild every loaded source whole, not only new or changed ones (a synced source is otherwise built incrementally).")] = False,
    open_window_hours: Annotated[float, typer.Option(help="A chain's last graphlet this close to the trace end may be `open`.")] = DEFAULTS.open_window_ms / MS_PER_HOUR,
    trainer_operator: Annotated[str, typer.Option(help="Operator whose executions anchor graphlets.")] = DEFAULTS.trainer_operator,
    quiet: Quiet = False,
) -> None:
    """Build graphlets for sources loaded, reloaded or synced since the last build (idempotent).

    A source that `mlprov sync` brought up to date is built incrementally: only the graphlets,
    chains and pipelines its changes reach (rules §11); every other one is built whole. A source
    whose build fails is named on stderr and marked for the next build; the others are built, and
    the exit code is 1 (rules §12)."""
    settings = GraphletSettings(open_window_ms=int(open_window_hours * MS_PER_HOUR), trainer_operator=trainer_operator)
    failure = None
    with connect() as (driver, database):
        try:
            report = build_graphlets(driver, database, settings, force=force, quiet=quiet)
        except GraphletBuildError as exc:  # rules §12: the other sources were built; say so, then fail
            failure, report = exc, exc.report
    for source in report.built:
        typer.echo(f"{source}\tbuilt\t{report.seconds[source]:.1f}s\t{report.modes[source]} ({report.reasons[source]})")
    for source, reason in report.skipped.items():
        typer.echo(f"{source}\tskipped\t{reason}")
    for source in report.failed:
        typer.echo(f"{source}\tfailed")
    if failure is not None:
        raise failure
    if not report.built and not report.skipped:
        typer.echo("graphlets are up to date")
