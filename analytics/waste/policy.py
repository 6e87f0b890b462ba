"""What a skip policy saves and costs (rules §5), on a frame of closed graphlets.

A policy is a boolean mask over the frame's rows: True skips the graphlet's Trainer and everything
after it. Savings count avoidable cost (Trainer and downstream members, amortized), since the
upstream work has already run at the decision point. Skipping is judged counterfactually with the
other graphlets unchanged, as the paper does: a skipped push simply does not happen.

Needed columns: `pipeline`, `started_at`, `ended_at`, `pushed`, `pushed_at`, `cost_amortized_s`,
`avoidable_cost_s`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HOUR_S = 3600.0


def savings(frame: pd.DataFrame, skip: np.ndarray) -> dict[str, float]:
    """Waste removed, the same as a share of total waste, overall saving, pushes lost, skip rate."""
    skip = np.asarray(skip, dtype=bool)
    pushed = frame["pushed"].to_numpy(dtype=bool)
    avoidable = frame["avoidable_cost_s"].to_numpy(dtype=float)
    cost = frame["cost_amortized_s"].to_numpy(dtype=float)
    waste_avoidable = avoidable[~pushed].sum()
    waste_total = cost[~pushed].sum()
    removed = avoidable[skip & ~pushed].sum()
    return {
        "skip_rate": float(skip.mean()) if len(skip) else 0.0,
        "waste_removed": _ratio(removed, waste_avoidable),
        "waste_share_removed": _ratio(removed, waste_total),
        "overall_saving": _ratio(avoidable[skip].sum(), cost.sum()),
        "pushes_lost": _ratio((skip & pushed).sum(), pushed.sum()),
    }


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def pipeline_cadence(frame: pd.DataFrame, skip: np.ndarray) -> pd.DataFrame:
    """Per pipeline: median and p95 hours between consecutive pushes and model staleness, before
    (no skipping) and after the policy. Pipelines with fewer than two pushes before are left out.

    With fewer than two pushes left after, the gap is the whole evaluation interval. Staleness is
    the time-weighted mean age of the latest pushed model over the pipeline's evaluation interval
    (first Trainer start to last member end), counting from the interval start before any push.
    """
    kept = frame.assign(kept_push=frame["pushed"].to_numpy(dtype=bool) & ~np.asarray(skip, dtype=bool))
    rows = []
    for pipeline, group in kept.groupby(["source", "pipeline"] if "source" in kept else "pipeline", sort=True):
        before = np.sort(group.loc[group["pushed"].astype(bool), "pushed_at"].to_numpy(dtype=float))
        if len(before) < 2:
            continue
        after = np.sort(group.loc[group["kept_push"], "pushed_at"].to_numpy(dtype=float))
        start, end = float(group["started_at"].min()), float(max(group["ended_at"].max(), before[-1]))
        rows.append({
            "pipeline": pipeline if isinstance(pipeline, str) else "/".join(map(str, pipeline)),
            "pushes_before": len(before),
            "pushes_after": len(after),
            "median_gap_h_before": _gap(before, start, end, np.median),
            "median_gap_h_after": _gap(after, start, end, np.median),
            "p95_gap_h_before": _gap(before, start, end, lambda g: np.percentile(g, 95)),
            "p95_gap_h_after": _gap(after, start, end, lambda g: np.percentile(g, 95)),
            "staleness_h_before": staleness(before, start, end),
            "staleness_h_after": staleness(after, start, end),
        })
    return pd.DataFrame(rows)


def _gap(pushes: np.ndarray, start: float, end: float, statistic) -> float:
    if len(pushes) < 2:
        return (end - start) / 1000.0 / HOUR_S
    return float(statistic(np.diff(pushes))) / 1000.0 / HOUR_S


def staleness(pushes: np.ndarray, start: float, end: float) -> float:
    """Time-weighted mean age (hours) over [start, end] of the latest model pushed at each moment."""
    if end <= start:
        return 0.0
    marks = np.concatenate([[start], pushes[(pushes > start) & (pushes < end)], [end]])
    widths = np.diff(marks)
    # Age grows linearly from 0 after each mark: the area of each piece is width² / 2.
    return float((widths ** 2).sum() / 2.0 / (end - start)) / 1000.0 / HOUR_S


def cadence_change(cadence: pd.DataFrame) -> dict[str, float]:
    """Median over pipelines of the relative change (after / before − 1) of each cadence measure."""
    if cadence.empty:
        return {"median_gap_change": 0.0, "p95_gap_change": 0.0, "staleness_change": 0.0}
    change = {}
    for measure, key in (("median_gap_h", "median_gap_change"), ("p95_gap_h", "p95_gap_change"),
                         ("staleness_h", "staleness_change")):
        before = cadence[f"{measure}_before"].to_numpy(dtype=float)
        after = cadence[f"{measure}_after"].to_numpy(dtype=float)
        ratio = np.divide(after, before, out=np.ones_like(after), where=before > 0)
        change[key] = float(np.median(ratio) - 1.0)
    return change


def evaluate_policy(frame: pd.DataFrame, skip: np.ndarray, policy: str) -> dict[str, float | str]:
    """One row of the evaluation table: savings and cadence change of a skip mask."""
    row: dict[str, float | str] = {"policy": policy}
    row.update(savings(frame, skip))
    row.update(cadence_change(pipeline_cadence(frame, skip)))
    return row
