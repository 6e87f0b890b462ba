"""`mlprov export`: every analysis table as CSV and Parquet, incremental and atomic, for schedulers.

Exit codes: 0 exported (or already up to date), 1 failure, 2 usage error, 3 another export holds
the folder's lock (without --wait), 4 a source is loading or changed during the export (run again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Quiet
from mlprov.server.locate import connect


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for <analysis>.csv / .parquet and the export state.")],
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Export only this analysis (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated formats: csv, parquet.")] = "csv,parquet",
    wait: Annotated[bool, typer.Option("--wait", help="Wait for another export to finish instead of exiting with code 3.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Rewrite every table, changed or not.")] = False,
    quiet: Quiet = False,
) -> None:
    """Export analysis tables as CSV and Parquet; only changed tables are rewritten (exit 3: locked, 4: graph busy)."""
    from mlprov.analytics.export import export as export_tables

    formats = [part.strip() for part in fmt.split(",") if part.strip()]
    with connect() as (driver, database):
        result = export_tables(driver, database, output, only=only, formats=formats, wait=wait, force=force)
    typer.echo(f"{output}\t{len(result.written)} written\t{len(result.unchanged)} unchanged\t{result.seconds:.1f}s")
