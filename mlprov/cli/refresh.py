"""`mlprov refresh`: sync, graphlets, export under one lock: the scheduled job.

Exit codes: 0 done (or nothing to do), 1 failure, 2 usage error, 3 another refresh or export holds
the folder's lock (without --wait), 4 a source is being loaded or synced elsewhere (run again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlprov.cli.load import BatchSize, Operators, OverlapMinutes, STORES_HELP, sync_summary
from mlprov.cli.options import Quiet
from mlprov.loader.load import DEFAULT_BATCH_SIZE
from mlprov.loader.operators import load_map
from mlprov.loader.sync import DEFAULT_OVERLAP_MS
from mlprov.server.locate import connect


def refresh(
    sources: Annotated[list[str], typer.Argument(
        help=f"{STORES_HELP} Or the name of a loaded source: the store it was loaded from.", metavar="SOURCE")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Export folder (as `mlprov export --output`).")],
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="Comma-separated export formats: csv, parquet.")] = "csv,parquet",
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the lock instead of exiting with code 3.")] = False,
    operators: Operators = None,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    overlap_minutes: OverlapMinutes = DEFAULT_OVERLAP_MS / 60_000,
    quiet: Quiet = False,
) -> None:
    """Sync sources, build their graphlets and export every analysis table, under one lock (exit 3: locked, 4: busy)."""
    from mlprov.refresh import refresh as run_refresh

    formats = [part.strip() for part in fmt.split(",") if part.strip()]
    with connect() as (driver, database):
        result = run_refresh(sources, driver, database, output, wait=wait, formats=formats,
                             operators=load_map(operators), batch_size=batch_size,
                             overlap_ms=round(overlap_minutes * 60_000), quiet=quiet)
    for synced in result.synced:
        sync_summary(synced)
    typer.echo(f"graphlets\t{len(result.build.built)} built\t{len(result.build.skipped)} skipped")
    typer.echo(f"{output}\t{len(result.export.written)} written\t{len(result.export.unchanged)} unchanged"
               f"\t{result.export.seconds:.1f}s")
