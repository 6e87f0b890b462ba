"""`mlprov corpus`: generate the synthetic production-pipeline corpus, and describe any store."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Scale

app = typer.Typer(help="Synthetic MLMD corpus: generate one at the paper's scale, or measure any store against the "
                       "corpus calibration targets (rules §6).",
                  no_args_is_help=True)


class Format(str, Enum):
    table = "table"
    json = "json"


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
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Measure an MLMD store's pipelines, window, trainings per active day, push share and cost shares, beside
    the synthetic corpus's calibration targets (rules §6)."""
    from mlprov.corpus import describe as describe_store

    rows = describe_store(store)
    if format is Format.json:
        typer.echo(json.dumps([{"quantity": q, "value": v, "target": t} for q, v, t in rows], indent=2))
        return
    width = max(len(q) for q, _, _ in rows)
    typer.echo(f"{'quantity':<{width}}  {'value':>12}  target")
    for quantity, value, target in rows:
        typer.echo(f"{quantity:<{width}}  {value!s:>12}  {target}")
