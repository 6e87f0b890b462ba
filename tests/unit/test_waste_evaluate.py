"""Baselines, the τ sweep, the operating point and feature encoding on small hand-made frames."""

import numpy as np
import pandas as pd
import pytest

from mlprov.analytics.waste.evaluate import Constraints, baselines, model_at_same_loss, operating_point, sweep
from mlprov.analytics.waste.features import FEATURES, encode, pipeline_batches

H = 3_600_000


def frame(n: int = 40) -> pd.DataFrame:
    pushed = np.array([i % 3 != 0 for i in range(n)])
    return pd.DataFrame({
        "source": "s", "pipeline": "p",
        "started_at": np.arange(n) * H, "ended_at": np.arange(n) * H + H // 2,
        "pushed": pushed, "pushed_at": np.where(pushed, np.arange(n) * H + H // 2, np.nan),
        "cost_amortized_s": 10.0, "avoidable_cost_s": 6.0,
        "new_spans": [0 if i % 2 else 1 for i in range(n)],
        "previous_outcome": [None] + ["pushed" if p else "not_blessed" for p in pushed[:-1]],
    })


def test_baselines_bracket_the_problem():
    table = baselines(frame(), skip_rate=0.3).set_index("policy")
    assert table.loc["never skip", "waste_removed"] == 0.0
    assert table.loc["oracle", "waste_removed"] == 1.0
    assert table.loc["oracle", "pushes_lost"] == 0.0
    assert table.loc["skip when no new data", "skip_rate"] == pytest.approx(0.5)
    assert table.loc["skip when previous did not push", "skip_rate"] == pytest.approx(13 / 40)
    assert table.loc["random at 30.0%", "skip_rate"] == pytest.approx(0.3, abs=0.1)


def test_a_perfect_score_reaches_the_oracle_in_the_sweep():
    data = frame()
    probability = data["pushed"].astype(float).to_numpy() * 0.9 + 0.05
    table = sweep(data, probability, taus=(0.5,))
    assert table.loc[0, "waste_removed"] == 1.0 and table.loc[0, "pushes_lost"] == 0.0


def test_operating_point_is_the_most_waste_within_the_constraints():
    table = pd.DataFrame({
        "policy": ["model τ=0.10", "model τ=0.20", "model τ=0.30", "oracle"],
        "tau": [0.1, 0.2, 0.3, np.nan],
        "waste_removed": [0.2, 0.5, 0.7, 1.0],
        "pushes_lost": [0.0, 0.04, 0.08, 0.0],
        "median_gap_change": [0.0, 0.05, 0.0, 0.0],
    })
    assert operating_point(table, Constraints())["tau"] == 0.2
    assert operating_point(table, Constraints(max_pushes_lost=0.01))["tau"] == 0.1
    assert operating_point(table.iloc[2:], Constraints(max_pushes_lost=0.01)) is None


def test_baselines_are_compared_with_the_model_at_no_more_pushes_lost():
    table = pd.DataFrame({
        "policy": ["model τ=0.10", "model τ=0.20", "model τ=0.30", "oracle", "previous", "reckless"],
        "waste_removed": [0.2, 0.5, 0.7, 1.0, 0.4, 0.9],
        "pushes_lost": [0.0, 0.04, 0.08, 0.0, 0.05, 0.5],
    })
    same = model_at_same_loss(table)
    assert same[:3].isna().all()
    assert same[3:].tolist() == [0.2, 0.5, 0.7]


def test_encoding_one_hot_categoricals_and_keeps_nulls_missing():
    data = pd.DataFrame({name: [None, None] for name in FEATURES})
    data["previous_outcome"] = ["pushed", "never_seen"]
    data["drift_latest"] = [0.5, None]
    data["new_schema"] = [True, None]
    matrix = encode(data, {"previous_outcome": ["failed", "pushed"], "previous_model_type": ["dnn"]})
    assert list(matrix["previous_outcome=pushed"]) == [1.0, 0.0]
    assert list(matrix["previous_outcome=failed"]) == [0.0, 0.0]
    assert matrix["previous_model_type=dnn"].isna().all()
    assert matrix.loc[0, "drift_latest"] == 0.5 and np.isnan(matrix.loc[1, "drift_latest"])
    assert matrix.loc[0, "new_schema"] == 1.0 and np.isnan(matrix.loc[1, "new_schema"])


def test_pipeline_batches_hold_about_the_batch_size():
    listing = pd.DataFrame({"pipeline": ["a", "b", "c", "d"], "graphlets": [5, 5, 20, 1]})
    assert list(pipeline_batches(listing, 10)) == [["a", "b"], ["c"], ["d"]]
