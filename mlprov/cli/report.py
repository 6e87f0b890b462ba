"""`mlprov report`: the HTML report of every analysis, with its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Quiet
from mlprov.server.locate import connect


def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for index.html and the PNG figures.")] = Path("report"),
    source: Annotated[Optional[str], typer.Option(help="Only this source (default: all sources).")] = None,
    waste_model: Annotated[bool, typer.Option("--waste-model", help="Also train and evaluate the waste-pruning classifier and add its section (slower).")] = False,
    quiet: Quiet = False,
) -> None:
    """Write an HTML report (headline numbers, a figure and a table per analysis) into a folder."""
    from mlprov.analytics.report import write_report

    with connect() as (driver, database):
        written = write_report(driver, database, output, source=source, waste_model=waste_model)
    typer.echo(f"{written.path}\t{len(written.tables)} analyses\t{written.seconds:.1f}s")
