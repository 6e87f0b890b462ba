"""The τ sweep, the baselines, feature importances and the recommended operating point (rules §5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from mlprov.analytics.waste.features import FEATURE_FAMILIES
from mlprov.analytics.waste.model import WasteModel
from mlprov.analytics.waste.policy import evaluate_policy, pipeline_cadence

DEFAULT_TAUS = tuple(round(t, 2) for t in np.arange(0.02, 0.99, 0.02))
# The evaluation table's columns shown to people (report, `mlprov waste evaluate`).
TABLE_COLUMNS = ("policy", "skip_rate", "waste_removed", "waste_share_removed", "overall_saving",
                 "pushes_lost", "median_gap_change", "p95_gap_change", "staleness_change",
                 "model_at_same_loss")
RANDOM_DRAWS = 10
IMPORTANCE_ROWS = 50_000


@dataclass(frozen=True)
class Constraints:
    """What an operating point may cost: pushes lost and the change in median time between pushes."""

    max_pushes_lost: float = 0.05
    max_cadence_change: float = 0.10

    def admit(self, row: pd.Series | dict) -> bool:
        return row["pushes_lost"] <= self.max_pushes_lost and abs(row["median_gap_change"]) <= self.max_cadence_change


@dataclass
class Evaluation:
    table: pd.DataFrame  # one row per policy: model at each τ, then the baselines
    operating_point: dict | None
    importances: pd.DataFrame  # feature, family, importance, std
    cadence: pd.DataFrame  # per pipeline, before and after, at the operating point
    metrics: dict[str, float]

    def summary_table(self) -> pd.DataFrame:
        """The table's shown columns and each model row's τ (NaN on the baselines)."""
        return self.table[[*TABLE_COLUMNS, "tau"]]

    def as_dict(self) -> dict:
        """The evaluation as one document: table, operating point, importance by family, metrics."""
        return {"table": self.summary_table().to_dict(orient="records"), "operating_point": self.operating_point,
                "family_importance": family_importance(self.importances).to_dict(), "metrics": self.metrics}


def sweep(frame: pd.DataFrame, probability: np.ndarray, taus=DEFAULT_TAUS) -> pd.DataFrame:
    """The model policy "skip when P(push) < τ" at each τ."""
    rows = []
    for tau in taus:
        row = evaluate_policy(frame, probability < tau, f"model τ={tau:.2f}")
        row["tau"] = float(tau)
        rows.append(row)
    return pd.DataFrame(rows)


def operating_point(table: pd.DataFrame, constraints: Constraints) -> dict | None:
    """The model row removing the most waste within the constraints (None when no τ qualifies)."""
    candidates = table[table["policy"].str.startswith("model") & table.apply(constraints.admit, axis=1)]
    if candidates.empty:
        return None
    return candidates.sort_values(["waste_removed", "tau"], ascending=[False, True]).iloc[0].to_dict()


def baselines(frame: pd.DataFrame, skip_rate: float, seed: int = 0) -> pd.DataFrame:
    """Never skip, the oracle, no new data, previous not pushed, and random at `skip_rate`."""
    pushed = frame["pushed"].to_numpy(dtype=bool)
    new_spans = pd.to_numeric(frame["new_spans"], errors="coerce").to_numpy(dtype=float)
    previous = frame["previous_outcome"].astype("object")
    rows = [
        evaluate_policy(frame, np.zeros(len(frame), dtype=bool), "never skip"),
        evaluate_policy(frame, ~pushed, "oracle"),
        evaluate_policy(frame, new_spans == 0, "skip when no new data"),
        evaluate_policy(frame, (previous.notna() & ~previous.isin(["pushed", "unsettled"])).to_numpy(),
                        "skip when previous did not push"),
    ]
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame([evaluate_policy(frame, rng.random(len(frame)) < skip_rate, "random")
                          for _ in range(RANDOM_DRAWS)])
    random_row = draws.drop(columns="policy").mean().to_dict()
    random_row["policy"] = f"random at {skip_rate:.1%}"
    rows.append(random_row)
    return pd.DataFrame(rows)


def model_at_same_loss(table: pd.DataFrame) -> pd.Series:
    """For each baseline row, the waste the model removes when it loses no more pushes than that
    baseline (its best τ under that loss): the like-for-like comparison. NaN on the model's rows."""
    model = table[table["policy"].str.startswith("model")]

    def best(pushes_lost: float) -> float:
        within = model.loc[model["pushes_lost"] <= pushes_lost + 1e-12, "waste_removed"]
        return float(within.max()) if not within.empty else np.nan

    return table.apply(lambda row: np.nan if row["policy"].startswith("model") else best(row["pushes_lost"]),
                       axis=1)


def importances(model: WasteModel, frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Permutation importance (drop in ROC AUC on the test part) per encoded feature, with its family."""
    if frame.empty or frame["pushed"].nunique() < 2:
        return pd.DataFrame(columns=["feature", "family", "importance", "std"])
    sample = frame.sample(min(len(frame), IMPORTANCE_ROWS), random_state=seed)
    result = permutation_importance(model.estimator, model.matrix(sample), sample["pushed"].astype(bool),
                                    scoring="roc_auc", n_repeats=3, random_state=seed)
    table = pd.DataFrame({"feature": model.columns, "importance": result.importances_mean,
                          "std": result.importances_std})
    table["family"] = table["feature"].str.split("=").str[0].map(FEATURE_FAMILIES)
    return table.sort_values("importance", ascending=False, ignore_index=True)


def evaluate(model: WasteModel, test: pd.DataFrame, constraints: Constraints | None = None,
             taus=DEFAULT_TAUS, seed: int = 0) -> Evaluation:
    """Sweep τ on the test part, pick the operating point, compare with the baselines."""
    constraints = constraints or Constraints()
    probability = model.push_probability(test)
    table = sweep(test, probability, taus)
    point = operating_point(table, constraints)
    skip_rate = point["skip_rate"] if point else float(table["skip_rate"].median())
    table = pd.concat([table, baselines(test, skip_rate, seed)], ignore_index=True)
    table["model_at_same_loss"] = model_at_same_loss(table)
    skip = probability < point["tau"] if point else np.zeros(len(test), dtype=bool)
    return Evaluation(table=table, operating_point=point, importances=importances(model, test, seed),
                      cadence=pipeline_cadence(test, skip), metrics=dict(model.metrics))


def family_importance(importances_table: pd.DataFrame) -> pd.Series:
    """Summed permutation importance per feature family, largest first."""
    return importances_table.groupby("family")["importance"].sum().sort_values(ascending=False)
