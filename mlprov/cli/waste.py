"""`mlprov waste train|evaluate|advise`: predict graphlets that will not push, and measure pruning them."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from mlprov.analytics.waste.advise import advise as advise_one
from mlprov.analytics.waste.evaluate import Constraints, evaluate as evaluate_model, family_importance
from mlprov.analytics.waste.features import collect
from mlprov.analytics.waste.figures import TABLE_COLUMNS, write_figures
from mlprov.analytics.waste.model import WasteModel, train as train_model
from mlprov.cli.options import Quiet
from mlprov.server.locate import connect

app = typer.Typer(help="Waste pruning: predict, just before a Trainer starts, which graphlets will not push a model; "
                       "measure what skipping them saves and advise on the next run (rules §5).",
                  no_args_is_help=True)

DEFAULT_MODEL = Path(".mlprov/waste-model.joblib")
ModelPath = Annotated[Path, typer.Option("--model", help="Where the trained waste model is saved.")]
Source = Annotated[Optional[str], typer.Option(help="Only this source (default: every built source).")]
FeaturesCache = Annotated[Optional[Path], typer.Option(
    "--features", help="Parquet file of features: read if it exists, else computed from the graph and written.")]


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class AdviceFormat(str, Enum):
    json = "json"
    text = "text"


def _frame(source: str | None, cache: Path | None, quiet: bool) -> pd.DataFrame:
    if cache is not None and cache.exists():
        return pd.read_parquet(cache)
    progress = None if quiet else (lambda message: typer.echo(message, err=True))
    with connect() as (driver, database):
        frame = collect(driver, database, source, progress=progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(cache, index=False)
    return frame


@app.command()
def train(
    model: ModelPath = DEFAULT_MODEL,
    source: Source = None,
    features: FeaturesCache = None,
    train_fraction: Annotated[float, typer.Option(help="Share of the window (by Trainer start) to train on.")] = 0.6,
    seed: Annotated[int, typer.Option(help="Random seed of the classifier.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Train the push classifier on the earlier part of the window and save it with its metrics."""
    fitted, _ = train_model(_frame(source, features, quiet), train_fraction, seed=seed)
    fitted.save(model)
    typer.echo(json.dumps({"model": str(model), "version": fitted.version, "split_at": fitted.split_at,
                           "training_window": fitted.training_window, "features": list(fitted.features),
                           "metrics": fitted.metrics}, indent=2))


@app.command()
def evaluate(
    model: ModelPath = DEFAULT_MODEL,
    source: Source = None,
    features: FeaturesCache = None,
    max_pushes_lost: Annotated[float, typer.Option(help="Operating point: at most this share of pushes lost.")] = 0.05,
    max_cadence_change: Annotated[float, typer.Option(help="Operating point: median time between pushes within this relative change.")] = 0.10,
    output: Annotated[Optional[Path], typer.Option(help="Folder for the figures (PNG) and tables (CSV).")] = None,
    format: Annotated[TableFormat, typer.Option("--format", help="table, csv or json.")] = TableFormat.table,
    quiet: Quiet = False,
) -> None:
    """Sweep τ on the later part of the window against the baselines; store the recommended τ in the model."""
    fitted = WasteModel.load(model)
    frame = _frame(source, features, quiet)
    test = frame[frame["started_at"] >= fitted.split_at].reset_index(drop=True)
    result = evaluate_model(fitted, test, Constraints(max_pushes_lost, max_cadence_change))
    if result.operating_point:
        fitted.tau = float(result.operating_point["tau"])
        fitted.save(model)
    if output is not None:
        write_figures(result, output)
        result.table.to_csv(output / "waste_table.csv", index=False)
        result.importances.to_csv(output / "waste_importances.csv", index=False)
        result.cadence.to_csv(output / "waste_cadence.csv", index=False)
    table = result.table[list(TABLE_COLUMNS) + ["tau"]]
    if format is TableFormat.json:
        # pandas writes NaN (a baseline has no τ) as null; json.dumps would write NaN, which is not JSON.
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps({"table": records, "operating_point": result.operating_point,
                               "family_importance": family_importance(result.importances).to_dict(),
                               "metrics": result.metrics}, indent=2, default=float))
        return
    if format is TableFormat.csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
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
    format: Annotated[AdviceFormat, typer.Option("--format", help="json (for an orchestrator hook) or text.")] = AdviceFormat.text,
) -> None:
    """Push probability of a Trainer and whether to train or skip it, with the main reasons."""
    fitted = WasteModel.load(model)
    with connect() as (driver, database):
        advice = advise_one(driver, database, fitted, pipeline, source, trainer_id, tau)
    typer.echo(json.dumps(advice.as_dict(), indent=2) if format is AdviceFormat.json else advice.as_text())
