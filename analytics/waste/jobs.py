"""The waste-pruning work behind `mlprov waste train|evaluate` and the report's waste section, as
library calls: the features (with a Parquet cache), training and saving a model, evaluating it and
recording its operating point, and the report's section on the report's own connection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import neo4j
import pandas as pd

from mlprov.analytics.waste.evaluate import Constraints, Evaluation, evaluate
from mlprov.analytics.waste.features import collect
from mlprov.analytics.waste.figures import waste_section, write_figures
from mlprov.analytics.waste.model import WasteModel, train
from mlprov.core.connection import Target
from mlprov.core.errors import BadInputError
from mlprov.core.output import Format, write_frame
from mlprov.server.locate import connect


def features(source: str | None = None, cache: Path | None = None,
             progress: Callable[[str], None] | None = None, target: Target | None = None) -> pd.DataFrame:
    """The waste-pruning frame of `source` (every built source when None): read from the Parquet
    file `cache` when it exists, else collected from the graph at `target` (NEO4J_* / the local
    server when None) and written to `cache` when one is named."""
    if cache is not None and cache.exists():
        return pd.read_parquet(cache)
    with connect(target) as (driver, database):
        frame = collect(driver, database, source, progress=progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_frame(frame, Format.parquet, cache)
    return frame


def train_saved(frame: pd.DataFrame, model_path: Path, train_fraction: float = 0.6, seed: int = 0) -> WasteModel:
    """Train on the earlier part of the window and save the model at `model_path`."""
    fitted, _ = train(frame, train_fraction, seed=seed)
    fitted.save(model_path)
    return fitted


def evaluate_saved(model_path: Path, frame: pd.DataFrame, constraints: Constraints,
                   output: Path | None = None) -> Evaluation:
    """Evaluate the model saved at `model_path` on the graphlets of `frame` that started after its
    training split, store the recommended τ (when one qualifies) in the model file, and with
    `output` write there the figures (PNG) and the tables (waste_table, waste_importances,
    waste_cadence as CSV)."""
    fitted = WasteModel.load(model_path)
    test = frame[frame["started_at"] >= fitted.split_at].reset_index(drop=True)
    result = evaluate(fitted, test, constraints)
    if result.operating_point:
        fitted.tau = float(result.operating_point["tau"])
        fitted.save(model_path)
    if output is not None:
        write_figures(result, output)
        for name, table in (("waste_table", result.table), ("waste_importances", result.importances),
                            ("waste_cadence", result.cadence)):
            write_frame(table, Format.csv, output / f"{name}.csv")
    return result


def report_evaluation(driver: neo4j.Driver, database: str, source: str | None = None,
                      model_path: Path | None = None) -> Evaluation | None:
    """The report's waste-pruning evaluation on the report's own connection: the model saved at
    `model_path` (by `mlprov waste train`) evaluated on the graphlets after its training split, or,
    without one, a classifier trained now on the earlier part of the window and evaluated on the later
    (slow on a large corpus). None when there are too few closed graphlets to train on."""
    frame = collect(driver, database, source)
    if model_path is not None:
        fitted = WasteModel.load(model_path)
        return evaluate(fitted, frame[frame["started_at"] >= fitted.split_at].reset_index(drop=True))
    try:
        model, split = train(frame)
    except BadInputError:
        return None
    return evaluate(model, split.test)


def report_section(driver: neo4j.Driver, database: str, output_dir: Path, source: str | None = None) -> str:
    """A stand-alone HTML waste-pruning section (figures written to `output_dir`), for callers that
    want the fragment without the report."""
    return waste_section(output_dir, report_evaluation(driver, database, source))
