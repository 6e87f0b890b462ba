"""`mlprov corpus`: generate the synthetic production-pipeline corpus, and describe any store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from mlprov.cli.options import Scale, format_option
from mlprov.core.output import Format, write_frame

app = typer.Typer(help="Synthetic MLMD corpus: generate one at the paper's scale, or measure any store against the "
                       "corpus calibration targets (rules §6).",
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
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", metavar="DAY|TIMESTAMP",
        help="Write the store as it stood at this moment, as a live store grows: a day number N is the end of the "
             "window's N-th day, N x 24 h after 2024-01-01T00:00Z (0 = only the types, N >= --days = the full "
             "store); or an ISO 8601 timestamp (UTC unless it has an offset). Executions running then are RUNNING, "
             "without outputs or cpu_seconds; ids are the full store's. Ground truth is computed from this store. "
             "Reads a full corpus generated once into --cache-dir.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(
        help="Where --as-of keeps the full corpus it reads (default $MLPROV_HOME/corpus-cache, "
             "else .mlprov/corpus-cache).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Generate a synthetic MLMD store (schema 10) with graphlets.* and pipelines.* ground truth beside it."""
    progress = None if quiet else lambda message: typer.echo(message, err=True)
    if as_of is not None:
        from mlprov.corpus import as_of_ms, write_snapshot

        files = write_snapshot(output, as_of_ms(as_of), pipelines=pipelines, scale=scale.value, days=days, seed=seed,
                               force=force, cache_dir=cache_dir, progress=progress)
    else:
        from mlprov.corpus import generate as generate_corpus

        files = generate_corpus(output, pipelines=pipelines, scale=scale.value, days=days, seed=seed, force=force,
                                progress=progress)
    typer.echo(f"{files.store}\t{files.graphlet_count} graphlets\t{files.graphlets}\t{files.pipelines}")


@app.command()
def replay(
    store: Annotated[Path, typer.Argument(help="A store made by `corpus generate --as-of` (or an earlier replay).")],
    through_day: Annotated[int, typer.Option(
        help="Grow the store to the end of this day (days as in `generate --as-of`).")],
    scale: Annotated[Scale, typer.Option(help="S, M or L: the corpus the store was made from.")] = Scale.S,
    pipelines: Annotated[Optional[int], typer.Option(help="Number of pipelines (overrides --scale).")] = None,
    days: Annotated[int, typer.Option(help="Length of the corpus window in days.")] = 125,
    seed: Annotated[int, typer.Option(help="Random seed of the corpus.")] = 0,
    cache_dir: Annotated[Optional[Path], typer.Option(
        help="Where the full corpus is kept (default $MLPROV_HOME/corpus-cache, else .mlprov/corpus-cache).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Grow a corpus store in place, day by day, as a running orchestrator would (one transaction a day).

    New rows are inserted with the full store's ids; executions that end turn from RUNNING to their
    final state with their outputs and cpu_seconds. Afterwards the store equals `generate --as-of`
    that day, table for table; replaying to a day already reached changes nothing.
    """
    from mlprov.corpus import replay as replay_store

    done = replay_store(store, through_day, pipelines=pipelines, scale=scale.value, days=days, seed=seed,
                        cache_dir=cache_dir, progress=None if quiet else lambda message: typer.echo(message, err=True))
    typer.echo(f"{done.store}\tday {through_day}\t{done.inserted} rows inserted\t{done.updated} updated")


@app.command()
def describe(
    store: Annotated[Path, typer.Argument(help="An MLMD SQLite store (generated or real).")],
    fmt: DescribeFormat = Format.table,
) -> None:
    """Measure an MLMD store's pipelines, window, trainings per active day, push share and cost shares, beside
    the synthetic corpus's calibration targets (rules §6)."""
    from mlprov.corpus import describe as describe_store

    # Object columns: counts stay integers beside the shares.
    write_frame(pd.DataFrame(describe_store(store), columns=["quantity", "value", "target"], dtype=object), fmt)
