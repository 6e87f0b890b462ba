"""One pruning decision, with its reasons: should this Trainer run, or be skipped?

The reasons are what-if contributions: for each feature, how much the push probability moves when
that feature alone is set to its typical training value. Model-agnostic and easy to read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import neo4j
import pandas as pd

from mlprov.core import queries
from mlprov.analytics.waste.features import FEATURES, source_frame, sources
from mlprov.analytics.waste.model import WasteModel
from mlprov.core.errors import BadInputError

REASONS = 3


@dataclass
class Reason:
    feature: str
    value: object
    effect: float  # push probability minus what it would be with a typical value of this feature


@dataclass
class Advice:
    source: str
    pipeline: str
    graphlet: str
    trainer_id: int
    started_at: int
    outcome: str
    push_probability: float
    tau: float
    recommendation: str  # "train" or "skip"
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        lines = [f"{self.recommendation.upper()} Trainer {self.trainer_id} of {self.source}/{self.pipeline}: "
                 f"P(push) = {self.push_probability:.2f} (skip below τ = {self.tau:.2f})"]
        for reason in self.reasons:
            direction = "raises" if reason.effect > 0 else "lowers"
            lines.append(f"  {reason.feature} = {reason.value}: {direction} P(push) by {abs(reason.effect):.2f}")
        return "\n".join(lines)


def advise(driver: neo4j.Driver, database: str, model: WasteModel, pipeline: str, source: str | None = None,
           trainer_id: int | None = None, tau: float | None = None) -> Advice:
    """Advice for the given Trainer's graphlet, or for the pipeline's latest one."""
    source = source or _source_of(driver, database, pipeline)
    frame = source_frame(driver, database, source, model.settings, pipelines=[pipeline])
    if frame.empty:
        raise BadInputError(f"pipeline {pipeline!r} of source {source!r} has no graphlets: "
                            "check the name (`mlprov analyze graphlets`) and run `mlprov graphlets build`")
    if trainer_id is not None:
        frame = frame[frame["trainer_id"] == trainer_id]
        if frame.empty:
            raise BadInputError(f"no graphlet of Trainer {trainer_id} in {source}/{pipeline}")
    row = frame.sort_values(["started_at", "trainer_id"]).tail(1).reset_index(drop=True)
    tau = model.tau if tau is None else tau
    probability = float(model.push_probability(row)[0])
    return Advice(source=source, pipeline=pipeline, graphlet=str(row.at[0, "graphlet"]),
                  trainer_id=int(row.at[0, "trainer_id"]), started_at=int(row.at[0, "started_at"]),
                  outcome=str(row.at[0, "outcome"]), push_probability=round(probability, 4), tau=tau,
                  recommendation="skip" if probability < tau else "train",
                  reasons=reasons(model, row, probability))


def reasons(model: WasteModel, row: pd.DataFrame, probability: float, top: int = REASONS) -> list[Reason]:
    """The features whose typical value would move P(push) most, largest effect first."""
    matrix = model.matrix(row)
    found = []
    for feature in FEATURES:
        columns = [c for c in model.columns if c == feature or c.startswith(feature + "=")]
        typical = matrix.copy()
        for column in columns:
            typical[column] = model.reference.get(column, float("nan"))
        effect = probability - float(model.estimator.predict_proba(typical)[0, 1])
        value = row.at[0, feature]
        found.append(Reason(feature, None if pd.isna(value) else _plain(value), round(effect, 4)))
    found.sort(key=lambda r: abs(r.effect), reverse=True)
    return [r for r in found[:top] if r.effect != 0]


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _source_of(driver: neo4j.Driver, database: str, pipeline: str) -> str:
    holders = [s for s in sources(driver, database)
               if pipeline in set(queries.run_df(driver, database, "waste.pipelines", source=s)["pipeline"])]
    if len(holders) == 1:
        return holders[0]
    if not holders:
        raise BadInputError(f"no source with built graphlets has a pipeline named {pipeline!r}")
    raise BadInputError(f"pipeline {pipeline!r} is in several sources ({', '.join(holders)}): pass --source")
