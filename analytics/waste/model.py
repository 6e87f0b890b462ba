"""The push classifier: trained on the earlier part of the window, saved with what it needs to be
used again (feature list, categories, version, training window, metrics).

Labels are known only once a graphlet has closed, so training takes the graphlets that started
*and ended* before the split time; testing takes those that started after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score

from mlprov.analytics.waste.features import FEATURES, FeatureSettings, categories_of, encode
from mlprov.core.errors import BadInputError
from mlprov.core.output import atomic_write

MODEL_VERSION = 1
MIN_TRAINING_ROWS = 50


@dataclass(frozen=True)
class Split:
    """A temporal split of the closed graphlets at `split_at` (ms since the epoch)."""

    split_at: int
    train: pd.DataFrame
    test: pd.DataFrame


def temporal_split(frame: pd.DataFrame, train_fraction: float = 0.6) -> Split:
    """Train on graphlets settled before the split time, test on those started after it; the split
    time lies `train_fraction` of the way through the window of Trainer starts."""
    if frame.empty:
        raise BadInputError("no closed graphlets to learn from: load a store and run `mlprov graphlets build`")
    if not 0.0 < train_fraction < 1.0:
        raise BadInputError(f"--train-fraction {train_fraction} must lie strictly between 0 and 1")
    first, last = int(frame["started_at"].min()), int(frame["started_at"].max())
    split_at = int(first + train_fraction * (last - first))
    train = frame[(frame["started_at"] < split_at) & (frame["ended_at"] < split_at)]
    test = frame[frame["started_at"] >= split_at]
    return Split(split_at, train.reset_index(drop=True), test.reset_index(drop=True))


@dataclass
class WasteModel:
    """A fitted classifier of P(push) with everything needed to score new graphlets."""

    estimator: HistGradientBoostingClassifier
    categories: dict[str, list[str]]
    columns: list[str]
    settings: FeatureSettings
    training_window: tuple[int, int]
    split_at: int
    metrics: dict[str, float] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)
    tau: float = 0.5  # skip below this P(push); `mlprov waste evaluate` stores its operating point here
    version: int = MODEL_VERSION
    trained_at: str = ""
    features: tuple[str, ...] = FEATURES

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        return encode(frame, self.categories)[self.columns]

    def push_probability(self, frame: pd.DataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0)
        return self.estimator.predict_proba(self.matrix(frame))[:, 1]

    def save(self, path: Path) -> None:
        """Write the model file atomically (an advise reading it meanwhile sees the old or the new)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda temporary: joblib.dump(self, temporary))

    @staticmethod
    def load(path: Path) -> "WasteModel":
        if not path.exists():
            raise BadInputError(f"no waste model at {path}: train one with `mlprov waste train --model {path}`")
        model = joblib.load(path)
        if not isinstance(model, WasteModel) or model.version != MODEL_VERSION:
            raise BadInputError(f"{path} is not a waste model of version {MODEL_VERSION}: train it again")
        return model


def train(frame: pd.DataFrame, train_fraction: float = 0.6, settings: FeatureSettings | None = None,
          seed: int = 0) -> tuple[WasteModel, Split]:
    """Fit a gradient-boosted classifier on the earlier part of the window; score it on the later."""
    split = temporal_split(frame, train_fraction)
    if len(split.train) < MIN_TRAINING_ROWS or split.train["pushed"].nunique() < 2:
        raise BadInputError(
            f"only {len(split.train)} graphlets settled before the split, or only one outcome among them: "
            "waste pruning needs more history (a larger store or a larger --train-fraction)")
    categories = categories_of(split.train)
    x_train = encode(split.train, categories)
    estimator = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31,
                                               l2_regularization=1.0, early_stopping=True,
                                               validation_fraction=0.15, random_state=seed)
    estimator.fit(x_train, split.train["pushed"].astype(bool))
    model = WasteModel(
        estimator=estimator, categories=categories, columns=list(x_train.columns),
        settings=settings or FeatureSettings(),
        training_window=(int(split.train["started_at"].min()), int(split.train["started_at"].max())),
        split_at=split.split_at,
        reference={c: float(x_train[c].median()) for c in x_train.columns if x_train[c].notna().any()},
        trained_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    model.metrics = scores(model, split)
    return model, split


def scores(model: WasteModel, split: Split) -> dict[str, float]:
    """Ranking quality on the held-out later part, and the sizes and push rates of both parts."""
    metrics = {"train_rows": float(len(split.train)), "test_rows": float(len(split.test)),
               "train_push_rate": float(split.train["pushed"].mean())}
    if len(split.test) and split.test["pushed"].nunique() == 2:
        probability = model.push_probability(split.test)
        labels = split.test["pushed"].astype(bool)
        metrics.update(test_push_rate=float(labels.mean()),
                       test_roc_auc=float(roc_auc_score(labels, probability)),
                       test_average_precision_not_pushed=float(average_precision_score(~labels, 1 - probability)))
    return metrics
