"""`mlprov report`: the HTML report of findings about your pipelines, with its figures and pipeline pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Quiet
from mlprov.server.locate import connect


def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for index.html and the PNG figures.")] = Path("report"),
    source: Annotated[Optional[str], typer.Option(help="Only this source (default: all sources).")] = None,
    waste_model: Annotated[bool, typer.Option("--waste-model", help="Train the waste model now and add its evaluation to the section on what pruning would save (slower).")] = False,
    waste_model_file: Annotated[Optional[Path], typer.Option("--waste-model-file", help="A waste model saved by 'mlprov waste train'; its evaluation goes into the section on what pruning would save.")] = None,
    export_dir: Annotated[Optional[Path], typer.Option("--export-dir", help="Where 'mlprov export' writes the tables, so the report links each table to its CSV and Parquet files.")] = None,
    top: Annotated[int, typer.Option("--top", help="Pages for this many pipelines, those that waste most.")] = 10,
    quiet: Quiet = False,
) -> None:
    """Write an HTML report of findings about your pipelines: what was analysed, how long pipelines live,
    what they are made of, model graphlets, where the compute goes, how much is wasted and what pruning
    would save; each with a finding sentence and a figure, and a page per pipeline that wastes most."""
    from mlprov.analytics.report import write_report

    with connect() as (driver, database):
        written = write_report(driver, database, output, source=source, waste_model=waste_model,
                               waste_model_file=waste_model_file, export_dir=export_dir, top_pipelines=top)
    typer.echo(f"{written.path}\t{len(written.tables)} analyses\t{len(written.pipeline_pages)} pipeline pages\t"
               f"{written.seconds:.1f}s")
