"""Savings, cadence and staleness of skip policies on small hand-made frames (rules §5)."""

import numpy as np
import pandas as pd
import pytest

from mlprov.analytics.waste.policy import cadence_change, pipeline_cadence, savings, staleness

H = 3_600_000  # one hour in ms


def frame() -> pd.DataFrame:
    # One pipeline, a graphlet every 10 h; pushes at 0, 20 and 40 h (graphlets 0, 2, 4).
    pushed = [True, False, True, False, True]
    return pd.DataFrame({
        "source": "s", "pipeline": "p",
        "started_at": [i * 10 * H for i in range(5)],
        "ended_at": [i * 10 * H + H for i in range(5)],
        "pushed": pushed,
        "pushed_at": [i * 10 * H + H if p else np.nan for i, p in enumerate(pushed)],
        "cost_amortized_s": [10.0, 20.0, 10.0, 40.0, 10.0],
        "avoidable_cost_s": [5.0, 10.0, 5.0, 30.0, 5.0],
    })


def test_skipping_waste_counts_avoidable_cost_of_non_pushes_only():
    result = savings(frame(), np.array([False, True, False, False, False]))
    assert result["waste_removed"] == pytest.approx(10 / 40)
    assert result["waste_share_removed"] == pytest.approx(10 / 60)
    assert result["overall_saving"] == pytest.approx(10 / 90)
    assert result["pushes_lost"] == 0.0
    assert result["skip_rate"] == pytest.approx(0.2)


def test_skipping_a_push_loses_it_and_saves_its_avoidable_cost():
    result = savings(frame(), np.array([False, False, True, False, False]))
    assert result["pushes_lost"] == pytest.approx(1 / 3)
    assert result["waste_removed"] == 0.0
    assert result["overall_saving"] == pytest.approx(5 / 90)


def test_staleness_is_the_time_weighted_age_of_the_latest_push():
    # Pushes at 0 and 10 h over [0, 20 h]: the age climbs 0→10 h twice, a mean of 5 h.
    assert staleness(np.array([0.0, 10 * H]), 0.0, 20 * H) == pytest.approx(5.0)
    # No push at all: the age climbs from the interval start, a mean of half the interval.
    assert staleness(np.array([]), 0.0, 20 * H) == pytest.approx(10.0)


def test_cadence_before_and_after_skipping_a_middle_push():
    cadence = pipeline_cadence(frame(), np.array([False, False, True, False, False]))
    row = cadence.iloc[0]
    assert row["pushes_before"] == 3 and row["pushes_after"] == 2
    assert row["median_gap_h_before"] == pytest.approx(20.0)
    assert row["median_gap_h_after"] == pytest.approx(40.0)
    assert row["staleness_h_after"] > row["staleness_h_before"]
    assert cadence_change(cadence)["median_gap_change"] == pytest.approx(1.0)


def test_skipping_non_pushes_leaves_cadence_unchanged():
    change = cadence_change(pipeline_cadence(frame(), ~frame()["pushed"].to_numpy()))
    assert change == {"median_gap_change": 0.0, "p95_gap_change": 0.0, "staleness_change": 0.0}


def test_a_pipeline_left_with_one_push_has_the_whole_interval_as_its_gap():
    cadence = pipeline_cadence(frame(), np.array([False, False, True, False, True]))
    assert cadence.iloc[0]["median_gap_h_after"] == pytest.approx(41.0)


def test_pipelines_with_fewer_than_two_pushes_are_left_out_of_cadence():
    single = frame().assign(pushed=[True, False, False, False, False])
    assert pipeline_cadence(single, np.zeros(5, dtype=bool)).empty
