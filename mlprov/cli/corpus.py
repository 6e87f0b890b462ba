"""`mlprov corpus`: generate the synthetic production-pipeline corpus, and describe any store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from mlprov.cli.options import Scale, format_option
from mlprov.core.output import Format, write_frame

app = typer.Typer(help="Synthetic MLMD corpus: generate one, or measure any store against SPEC §6.",
                  no_args_is_help=True)

DescribeFormat = format_option(Format.table, Format.json)


@app.command()
def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="Path of the MLMD SQLite store to write.")],
    scale: Annotated[Scale, typer.Option(help="S, M or L: 30, 300 or 3000 pipelines.")] = Scale.S,
    pipelines: Annotated[Optional[int], typer.Option(help="Number of pipelines (overrides --scale).")] = None,
    days: Annotated[int, typer.Option(help="Length of the simulated window in days.")] = 125,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives a byte-identical store.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing store.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Generate a synthetic MLMD store (schema 10) with graphlets.* and pipelines.* ground truth beside it."""
    from mlprov.corpus import generate as generate_corpus

    files = generate_corpus(output, pipelines=pipelines, scale=scale.value, days=days, seed=seed, force=force,
                            progress=None if quiet else lambda message: typer.echo(message, err=True))
    typer.echo(f"{files.store}\t{files.graphlet_count} graphlets\t{files.graphlets}\t{files.pipelines}")


@app.command()
def describe(
    store: Annotated[Path, typer.Argument(help="An MLMD SQLite store (generated or real).")],
    fmt: DescribeFormat = Format.table,
) -> None:
    """Measure the SPEC §6 corpus quantities of an MLMD store, beside their targets."""
    from mlprov.corpus import describe as describe_store

    # Object columns: counts stay integers beside the shares.
    write_frame(pd.DataFrame(describe_store(store), columns=["quantity", "value", "target"], dtype=object), fmt)
