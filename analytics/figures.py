"""One matplotlib figure per analysis table: CDFs and histograms for distributions, bars for shares.

`draw(name, frame, path)` writes a PNG; analyses without a drawing of their own get a bar chart of
their first label column against their first numeric column. Uses the Agg backend (no display).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

MAX_BARS = 25
Drawing = Callable[[pd.DataFrame, plt.Axes], None]


def _cdf(ax: plt.Axes, frame: pd.DataFrame, columns: list[str], xlabel: str, log: bool = False) -> None:
    for column in columns:
        values = np.sort(pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy(dtype=float))
        if len(values):
            ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=column)
    if log and (frame[columns] > 0).any().any():
        ax.set_xscale("symlog")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction ≤ x")
    ax.grid(alpha=0.3)
    if len(columns) > 1:
        ax.legend()


def _bars(ax: plt.Axes, labels: pd.Series, values: pd.Series, xlabel: str) -> None:
    shown = pd.DataFrame({"label": labels.astype(str), "value": pd.to_numeric(values, errors="coerce").fillna(0)})
    shown = shown.head(MAX_BARS).iloc[::-1]
    ax.barh(shown["label"], shown["value"], color="#4878a8")
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)


def _hist(ax: plt.Axes, frame: pd.DataFrame, column: str, xlabel: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    ax.hist(values, bins=min(30, max(1, values.nunique())), color="#4878a8")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")


def _by_mode(ax: plt.Axes, frame: pd.DataFrame, label: str, value: str, xlabel: str) -> None:
    table = frame.pivot_table(index=label, columns="mode", values=value, aggfunc="sum").fillna(0)
    table.iloc[::-1].plot.barh(ax=ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")


def _outcomes_over_time(frame: pd.DataFrame, ax: plt.Axes) -> None:
    table = frame.pivot_table(index="period_start", columns="outcome", values="graphlets", aggfunc="sum").fillna(0)
    table.plot.bar(stacked=True, ax=ax, width=0.9)
    ax.set_ylabel("graphlets")
    ax.set_xlabel("period start")
    ax.tick_params(axis="x", labelsize=7)


def _graphlet_changes(frame: pd.DataFrame, ax: plt.Axes) -> None:
    kinds = [c for c in frame.columns if frame[c].dtype == "boolean" or frame[c].dtype == bool]
    _bars(ax, pd.Series(kinds), pd.Series([frame[k].fillna(False).astype(bool).mean() for k in kinds]),
          "share of consecutive graphlet pairs")


def _amortized(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["mode"] == "amortized"]


FIGURES: dict[str, Drawing] = {
    "corpus_summary": lambda f, ax: _bars(ax, f["source"].str.slice(0, 40), f["executions"], "executions"),
    "executions_by_operator": lambda f, ax: _bars(
        ax, f.groupby("operator")["executions"].sum().sort_values(ascending=False).index.to_series(),
        f.groupby("operator")["executions"].sum().sort_values(ascending=False), "executions"),
    "graphlets": lambda f, ax: _cdf(ax, f, ["cost_full_s", "cost_amortized_s", "cost_first_use_s"],
                                    "cost per graphlet (s)", log=True),
    "pipeline_lifespan": lambda f, ax: _cdf(ax, f, ["lifespan_days"], "lifespan (days)"),
    "pipeline_activity": lambda f, ax: _cdf(ax, f, ["trainings_per_day", "executions_per_day"],
                                            "per active day", log=True),
    "failures_by_operator": lambda f, ax: _bars(ax, f["operator"], f["failure_rate"], "failure rate"),
    "graphlets_per_pipeline": lambda f, ax: _cdf(ax, f, ["graphlets"], "graphlets per pipeline", log=True),
    "graphlet_size": lambda f, ax: _cdf(ax, f, ["n_executions", "n_artifacts"], "members per graphlet"),
    "cost_by_operator": lambda f, ax: _bars(ax, f["operator"], f["share"], "share of cost"),
    "cost_by_category": lambda f, ax: _bars(ax, f["category"], f["share"], "share of cost"),
    "outcome_share": lambda f, ax: _bars(ax, f["outcome"], f["share"], "share of graphlets"),
    "outcomes_by_pipeline": lambda f, ax: _hist(ax, f, "pushed_share", "pushed share of a pipeline's graphlets"),
    "outcomes_over_time": _outcomes_over_time,
    "input_overlap": lambda f, ax: _cdf(ax, f, ["spans_jaccard", "examples_jaccard"],
                                        "Jaccard with the previous graphlet's inputs"),
    "graphlet_changes": _graphlet_changes,
    "push_rate_by_change": lambda f, ax: _bars(ax, f["change"], f["push_rate"], "push rate"),
    "waste_total": lambda f, ax: _bars(ax, f["mode"], f["waste_fraction"], "waste fraction"),
    "waste_by_pipeline": lambda f, ax: _cdf(ax, _amortized(f), ["waste_fraction"],
                                            "waste fraction per pipeline (amortized)"),
    "waste_by_category": lambda f, ax: _by_mode(ax, f, "category", "waste_share", "share of waste"),
    "operator_frequency": lambda f, ax: _bars(ax, f["operator"], f["pipeline_share"], "share of pipelines"),
    "operator_set": lambda f, ax: _hist(ax, f, "n_operators", "operators per pipeline"),
    "dag_shape": lambda f, ax: _hist(ax, f, "n_edges", "operator-level edges per pipeline"),
    "dag_shapes": lambda f, ax: _bars(ax, f["shape_hash"].astype(str).str.slice(0, 10), f["pipelines"], "pipelines"),
    "depth_width": lambda f, ax: _cdf(ax, f, ["depth", "width"], "operators"),
    "structure_changes": lambda f, ax: _bars(
        ax, f.groupby("pipeline").size().sort_values(ascending=False).index.to_series(),
        f.groupby("pipeline").size().sort_values(ascending=False), "runs whose operator set changed"),
    "warm_start_chains": lambda f, ax: _bars(ax, f["chain_length"], f["chains"], "chains"),
}


def _default(frame: pd.DataFrame, ax: plt.Axes) -> None:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != "boolean"]
    labels = [c for c in frame.columns if c not in numeric]
    if not numeric:
        ax.text(0.5, 0.5, f"{len(frame)} rows", ha="center", va="center")
        ax.set_axis_off()
        return
    label = frame[labels[0]].astype(str).str.slice(0, 40) if labels else frame.index.to_series().astype(str)
    _bars(ax, label, frame[numeric[0]], numeric[0])


def draw(name: str, frame: pd.DataFrame, path: Path) -> Path:
    """Draw the figure of analysis `name` from its table into the PNG `path`."""
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    try:
        if frame.empty:
            ax.text(0.5, 0.5, "no rows", ha="center", va="center", fontsize=14)
            ax.set_axis_off()
        else:
            FIGURES.get(name, _default)(frame, ax)
        ax.set_title(name)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path
