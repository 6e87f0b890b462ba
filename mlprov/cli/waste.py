"""`mlprov waste train|evaluate|advise`: predict graphlets that will not push, and measure pruning them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Quiet, format_option
from mlprov.core.output import Format, write_frame, write_json
from mlprov.server.locate import connect

# The model's libraries (scikit-learn, matplotlib) are imported by the commands that use them, so
# every other command starts without them (about 1.7 s of each start-up).
app = typer.Typer(help="Waste pruning: predict, just before a Trainer starts, which graphlets will not push a model; "
                       "measure what skipping them saves and advise on the next run (rules §5).",
                  no_args_is_help=True)

DEFAULT_MODEL = Path(".mlprov/waste-model.joblib")
ModelPath = Annotated[Path, typer.Option("--model", help="Where the trained waste model is saved.")]
Source = Annotated[Optional[str], typer.Option(help="Only this source (default: every built source).")]
FeaturesCache = Annotated[Optional[Path], typer.Option(
    "--features", help="Parquet file of features: read if it exists, else computed from the graph and written.")]
EvaluateFormat = format_option(Format.table, Format.csv, Format.json)
AdviceFormat = format_option(Format.json, Format.text, help="json (for an orchestrator hook) or text.")


def _progress(quiet: bool):
    return None if quiet else (lambda message: typer.echo(message, err=True))


@app.command()
def train(
    model: ModelPath = DEFAULT_MODEL,
    source: Source = None,
    features_cache: FeaturesCache = None,
    train_fraction: Annotated[float, typer.Option(help="Share of the window (by Trainer start) to train on.")] = 0.6,
    seed: Annotated[int, typer.Option(help="Random seed of the classifier.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Train the push classifier on the earlier part of the window and save it with its metrics."""
    from mlprov.analytics.waste.jobs import features, train_saved

    fitted = train_saved(features(source, features_cache, _progress(quiet)), model, train_fraction, seed)
    write_json({"model": str(model), "version": fitted.version, "split_at": fitted.split_at,
                "training_window": fitted.training_window, "features": list(fitted.features),
                "metrics": fitted.metrics})


@app.command()
def evaluate(
    model: ModelPath = DEFAULT_MODEL,
    source: Source = None,
    features_cache: FeaturesCache = None,
    max_pushes_lost: Annotated[float, typer.Option(help="Operating point: at most this share of pushes lost.")] = 0.05,
    max_cadence_change: Annotated[float, typer.Option(help="Operating point: median time between pushes within this relative change.")] = 0.10,
    output: Annotated[Optional[Path], typer.Option(help="Folder for the figures (PNG) and tables (CSV).")] = None,
    fmt: EvaluateFormat = Format.table,
    quiet: Quiet = False,
) -> None:
    """Sweep τ on the later part of the window against the baselines; store the recommended τ in the model."""
    from mlprov.analytics.waste.evaluate import Constraints, family_importance
    from mlprov.analytics.waste.jobs import evaluate_saved, features

    result = evaluate_saved(model, features(source, features_cache, _progress(quiet)),
                            Constraints(max_pushes_lost, max_cadence_change), output)
    if fmt == Format.json:
        write_json(result.as_dict())
        return
    write_frame(result.summary_table(), fmt, decimals=3)
    if fmt == Format.table:
        point = result.operating_point
        typer.echo("\noperating point: " + (f"{point['policy']}" if point else "none within the limits"))
        typer.echo("importance by family: " + ", ".join(
            f"{family} {value:.3f}" for family, value in family_importance(result.importances).items()))


@app.command()
def advise(
    pipeline: Annotated[str, typer.Option(help="Pipeline name.")],
    source: Annotated[Optional[str], typer.Option(help="Source of the pipeline (needed if several have it).")] = None,
    trainer_id: Annotated[Optional[int], typer.Option(help="MLMD id of the Trainer to judge (default: the latest).")] = None,
    model: ModelPath = DEFAULT_MODEL,
    tau: Annotated[Optional[float], typer.Option(help="Skip below this P(push) (default: the evaluated operating point).")] = None,
    fmt: AdviceFormat = Format.text,
) -> None:
    """Push probability of a Trainer and whether to train or skip it, with the main reasons."""
    from mlprov.analytics.waste.advise import advise as advise_one
    from mlprov.analytics.waste.model import WasteModel

    fitted = WasteModel.load(model)
    with connect() as (driver, database):
        advice = advise_one(driver, database, fitted, pipeline, source, trainer_id, tau)
    if fmt == Format.json:
        write_json(advice.as_dict())
    else:
        typer.echo(advice.as_text())
