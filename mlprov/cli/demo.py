"""`mlprov demo`: the README's main job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlprov.cli.options import Scale
from mlprov.demo import DEFAULT_SEED, run_demo


def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the corpus, report and exports.")] = Path("out/demo"),
    scale: Annotated[Scale, typer.Option(help="Synthetic corpus size: S, M or L (30, 300, 3000 pipelines).")] = Scale.S,
    seed: Annotated[int, typer.Option(help="Corpus seed (same seed, same corpus).")] = DEFAULT_SEED,
) -> None:
    """Start the local Neo4j, generate a synthetic corpus, load it, build graphlets, write the report and exports."""
    result = run_demo(output, scale.value, seed)
    typer.echo(f"report\t{result.report}")
    typer.echo(f"exports\t{result.exports}")
    if result.browser_url:
        typer.echo(f"browser\t{result.browser_url}")
        if result.password_file:
            typer.echo(f"login\tuser neo4j, password in {result.password_file}")
        typer.echo("guide\tmlprov browser serve   (opens the stored queries as a Browser guide)")
    typer.echo("seconds\t" + ", ".join(f"{step.split(' (')[0]}: {s}" for step, s in result.seconds.items()))
