"""Waste-pruning features at the decision point, assembled from the stored queries of cypher/waste/.

Each graphlet's decision point is its Trainer's `created_at`; every query only reads what the graph
held then (rules §5). The queries run per batch of pipelines, so memory on both sides stays bounded
at the paper's scale; this module joins their rows into one frame, one row per closed graphlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import neo4j
import pandas as pd

from mlprov.core import queries

FEATURE_QUERIES = ("waste.data_features", "waste.change_features", "waste.history_features")
STRUCTURE_CATEGORIES = ("ingestion", "analysis", "transformation")
STRUCTURE_OPERATORS = ("Tuner",)  # runs before training, though its category is `training`

# Feature name -> family. Families are how importances answer "do drift and structure dominate?".
FEATURE_FAMILIES: dict[str, str] = {
    "window_spans": "data",
    "new_spans": "data",
    "span_jaccard": "data",
    "new_fingerprints": "data",
    "newest_span_age_s": "data",
    "drift_latest": "drift",
    "drift_max": "drift",
    "drift_mean": "drift",
    "anomalies_checked": "drift",
    "anomaly_count_max": "drift",
    "run_operators_changed": "structure",
    "upstream_operators_changed": "structure",
    "new_schema": "structure",
    "new_transform_graph": "structure",
    "trainer_code_changed": "code",
    "trainer_config_changed": "code",
    "transform_code_changed": "code",
    "new_hyperparameters": "code",
    "previous_model_type": "model",
    "chain_index": "history",
    "previous_outcome": "history",
    "previous_gap_s": "history",
    "closed_history": "history",
    "push_rate": "history",
    "graphlets_since_push": "history",
    "time_since_push_s": "history",
}
CATEGORICAL_FEATURES = ("previous_model_type", "previous_outcome")
FEATURES = tuple(FEATURE_FAMILIES)


@dataclass(frozen=True)
class FeatureSettings:
    """The choices of rules §5 that are ours, not the paper's (rules §8 lists them)."""

    structure_categories: tuple[str, ...] = STRUCTURE_CATEGORIES
    structure_operators: tuple[str, ...] = STRUCTURE_OPERATORS
    batch_graphlets: int = 20_000


def pipeline_batches(pipelines: pd.DataFrame, batch_graphlets: int) -> Iterator[list[str]]:
    """Pipeline names in batches of about `batch_graphlets` graphlets (a big pipeline goes alone)."""
    batch: list[str] = []
    size = 0
    for name, graphlets in zip(pipelines["pipeline"], pipelines["graphlets"]):
        if batch and size + graphlets > batch_graphlets:
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += int(graphlets)
    if batch:
        yield batch


def _query_params(name: str, settings: FeatureSettings) -> dict:
    if name == "waste.change_features":
        return {"structure_categories": list(settings.structure_categories),
                "structure_operators": list(settings.structure_operators)}
    return {}


def source_frame(driver: neo4j.Driver, database: str, source: str, settings: FeatureSettings | None = None,
                 pipelines: Iterable[str] | None = None,
                 progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Outcomes, costs and decision-point features of the graphlets of one source (open ones too)."""
    settings = settings or FeatureSettings()
    listing = queries.run_df(driver, database, "waste.pipelines", source=source)
    if pipelines is not None:
        listing = listing[listing["pipeline"].isin(set(pipelines))]
    parts = []
    done = 0
    for batch in pipeline_batches(listing, settings.batch_graphlets):
        frame = queries.run_df(driver, database, "waste.outcomes", source=source, pipelines=batch)
        for name in FEATURE_QUERIES:
            features = queries.run_df(driver, database, name, source=source, pipelines=batch,
                                      **_query_params(name, settings))
            frame = frame.merge(features, on="graphlet", how="left")
        parts.append(frame)
        done += len(batch)
        if progress:
            progress(f"waste features: {source}: {done}/{len(listing)} pipelines")
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def sources(driver: neo4j.Driver, database: str) -> list[str]:
    """Every source with built graphlets."""
    return list(queries.run_df(driver, database, "waste.sources")["source"])


def collect(driver: neo4j.Driver, database: str, source: str | None = None,
            settings: FeatureSettings | None = None,
            progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The waste-pruning frame (closed graphlets) of one source, or of every built source when None."""
    names = [source] if source else sources(driver, database)
    frames = [source_frame(driver, database, name, settings, progress=progress) for name in names]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return closed(frame).sort_values(["started_at", "graphlet"], ignore_index=True)


def closed(frame: pd.DataFrame) -> pd.DataFrame:
    """The graphlets whose fate is known (every outcome but `open`): the ones with a label."""
    return frame[frame["outcome"] != "open"]


def encode(frame: pd.DataFrame, categories: dict[str, list[str]]) -> pd.DataFrame:
    """The numeric matrix a classifier reads: booleans as 0/1, nulls as NaN, categoricals one-hot
    over the categories seen in training (an unseen value sets none of them)."""
    columns = {}
    for name in FEATURES:
        if name in CATEGORICAL_FEATURES:
            values = frame[name].astype("object")
            for category in categories[name]:
                columns[f"{name}={category}"] = (values == category).astype(float).where(values.notna())
        else:
            columns[name] = pd.to_numeric(frame[name].astype("object"), errors="coerce").astype(float)
    return pd.DataFrame(columns, index=frame.index)


def categories_of(frame: pd.DataFrame) -> dict[str, list[str]]:
    return {name: sorted(str(v) for v in frame[name].dropna().unique()) for name in CATEGORICAL_FEATURES}
