"""The report's figures: one designed for each section's question, and a timeline per pipeline page.

CDFs for distributions (log axes when the data spans two decades or more), stacked shares for
mixes, time series for activity; axis titles in words and numbers without scientific notation.
Every function takes the analysis frames by bare name and writes one PNG. Agg backend (no display).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from mlprov.analytics import findings as fd  # noqa: E402
from mlprov.analytics import humanize as hz  # noqa: E402

Frames = Mapping[str, pd.DataFrame]
DPI = 100
BLUE, GREY = "#4878a8", "#9a9a9a"
OUTCOME_COLORS = {"pushed": "#3a923a", "not_blessed": "#e08a1e", "blessed_not_pushed": "#9467bd",
                  "not_pushed": "#8c8c8c", "failed": "#d62728", "open": "#5fa2dd"}
CATEGORY_COLORS = ["#4878a8", "#e08a1e", "#3a923a", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf"]
def _tick(value: float, _position=None) -> str:
    """A tick label with separators and no exponent, precise enough to tell ticks apart."""
    if float(value).is_integer():
        return hz.count(value)
    if abs(value) < 1:
        return hz.number(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".")


PLAIN = FuncFormatter(_tick)


def _num(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype(float).dropna().to_numpy()


def _spans_decades(values: np.ndarray) -> bool:
    positive = values[values > 0]
    return len(positive) > 1 and positive.max() / positive.min() >= 100


def _plain_axes(ax: plt.Axes) -> None:
    """No scientific notation or offsets on either axis, also on log scales."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() in ("log", "symlog"):
            axis.set_major_formatter(PLAIN)
            axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        elif not isinstance(axis.get_major_formatter(), (PercentFormatter, mdates.DateFormatter,
                                                         mdates.ConciseDateFormatter, FuncFormatter)) \
                and axis.get_major_locator().__class__.__name__ != "FixedLocator":
            axis.set_major_formatter(PLAIN)


def cdf(ax: plt.Axes, series: Mapping[str, pd.Series], xlabel: str, title: str) -> None:
    """Empirical CDFs of one or more series, log x when they span two decades."""
    everything = np.concatenate([_num(s) for s in series.values()] or [np.array([])])
    for label, values in series.items():
        values = np.sort(_num(values))
        if len(values):
            ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=label)
    if _spans_decades(everything):
        ax.set_xscale("log" if (everything > 0).all() else "symlog")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share at or below")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8)
    if not len(everything):
        _empty(ax)
    _plain_axes(ax)


def _dates(ax: plt.Axes) -> None:
    """A few readable date ticks (the year only where it changes)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _empty(ax: plt.Axes, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=GREY)


def _save(fig: plt.Figure, path: Path, note: str | None = None, layout: bool = True) -> Path:
    if not layout:
        pass
    elif note:
        fig.text(0.01, 0.005, note, fontsize=7.5, color="#555", ha="left", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    else:
        fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI)
    plt.close(fig)
    return path


def _barh(ax: plt.Axes, labels: Sequence[str], values: Sequence[float], xlabel: str, title: str,
          percent: bool = False, color: str = BLUE, annotate: Sequence[str] | None = None) -> None:
    labels, values = list(labels)[::-1], list(values)[::-1]
    ax.barh(labels, values, color=color)
    if annotate is not None:
        for y, (v, text) in enumerate(zip(values, list(annotate)[::-1])):
            ax.text(v, y, f" {text}", va="center", fontsize=7, color="#333")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="y", labelsize=8)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        ax.xaxis.set_major_formatter(PLAIN)


def _weekly_graphlets(frames: Frames) -> pd.Series:
    over_time = frames.get("outcomes_over_time", pd.DataFrame())
    if over_time.empty:
        return pd.Series(dtype=float)
    weekly = over_time.groupby("period_start")["graphlets"].sum()
    weekly.index = pd.to_datetime(weekly.index)
    return weekly.sort_index()


def analysed(frames: Frames, path: Path) -> Path:
    """Activity over the window: models trained per week and pipelines alive per week."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.4), sharex=True)
    weekly = _weekly_graphlets(frames)
    if len(weekly):
        top.bar(weekly.index, weekly.to_numpy(), width=6, align="edge", color=BLUE)
    else:
        _empty(top)
    top.set_ylabel("models trained")
    top.set_title("Models trained per week (one model graphlet each)", fontsize=10)
    top.yaxis.set_major_formatter(PLAIN)
    top.grid(axis="y", alpha=0.3)
    life = frames.get("pipeline_lifespan", pd.DataFrame())
    if not life.empty:
        first = pd.to_datetime(pd.to_numeric(life["first_execution_at"]), unit="ms")
        last = pd.to_datetime(pd.to_numeric(life["last_execution_at"]), unit="ms")
        weeks = pd.date_range(first.min().normalize() - pd.Timedelta(days=first.min().weekday()),
                              last.max() + pd.Timedelta(days=7), freq="7D")
        alive = [int(((first < w + pd.Timedelta(days=7)) & (last >= w)).sum()) for w in weeks]
        bottom.step(weeks, alive, where="post", color="#3a923a")
        bottom.fill_between(weeks, alive, step="post", alpha=0.25, color="#3a923a")
    else:
        _empty(bottom)
    bottom.set_ylabel("pipelines")
    bottom.set_title("Pipelines running during the week (between their first and last execution)", fontsize=10)
    bottom.yaxis.set_major_formatter(PLAIN)
    bottom.grid(axis="y", alpha=0.3)
    _dates(bottom)
    bottom.set_xlabel("week (UTC)")
    return _save(fig, path)


def lifespan(frames: Frames, path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    life = frames.get("pipeline_lifespan", pd.DataFrame(columns=["lifespan_days"]))
    activity = frames.get("pipeline_activity", pd.DataFrame(columns=["trainings_per_day", "executions_per_day"]))
    cdf(left, {"lifespan": life["lifespan_days"]}, "days from first to last execution", "How long pipelines live")
    cdf(right, {"models trained": activity["trainings_per_day"], "executions": activity["executions_per_day"]},
        "runs per active day", "How often pipelines run and train")
    return _save(fig, path, "Each curve: the share of pipelines at or below a value (a CDF).")


def structure(frames: Frames, path: Path) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.9), gridspec_kw={"width_ratios": [1.3, 1, 1]})
    freq = frames.get("operator_frequency", pd.DataFrame())
    if not freq.empty:
        _barh(axes[0], freq["operator"].astype(str), pd.to_numeric(freq["pipeline_share"]),
              "share of pipelines that run it", "Operators", percent=True)
    else:
        _empty(axes[0])
    depth = frames.get("depth_width", pd.DataFrame())
    if not depth.empty:
        levels = sorted(set(_num(depth["depth"]).astype(int)) | set(_num(depth["width"]).astype(int)))
        x = np.arange(len(levels))
        for offset, (column, label) in zip((-0.2, 0.2), (("depth", "depth (longest path)"), ("width", "width (widest level)"))):
            counts = pd.Series(_num(depth[column]).astype(int)).value_counts()
            axes[1].bar(x + offset, [counts.get(v, 0) for v in levels], width=0.4, label=label)
        axes[1].set_xticks(x, [str(v) for v in levels])
        axes[1].legend(fontsize=8)
        axes[1].yaxis.set_major_formatter(PLAIN)
    else:
        _empty(axes[1])
    axes[1].set_xlabel("operators")
    axes[1].set_ylabel("pipelines")
    axes[1].set_title("DAG depth and width", fontsize=10)
    shapes = frames.get("dag_shapes", pd.DataFrame())
    if not shapes.empty:
        counts = _num(shapes["pipelines"])
        axes[2].bar(np.arange(1, len(counts) + 1), counts, color=BLUE)
        axes[2].set_xlabel("distinct DAG shape, most common first")
        axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[2].yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _empty(axes[2])
    axes[2].set_ylabel("pipelines with this shape")
    axes[2].set_title("How many pipelines share a shape", fontsize=10)
    return _save(fig, path)


def graphlets(frames: Frames, path: Path) -> Path:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    size = frames.get("graphlet_size", pd.DataFrame(columns=["n_executions", "n_artifacts"]))
    cdf(axes[0, 0], {"executions": size["n_executions"], "artifacts": size["n_artifacts"]},
        "members of one graphlet", "How big a model graphlet is")
    over_time = frames.get("outcomes_over_time", pd.DataFrame())
    ax = axes[0, 1]
    if not over_time.empty:
        shares = over_time.pivot_table(index="period_start", columns="outcome", values="share", aggfunc="sum").fillna(0)
        shares.index = pd.to_datetime(shares.index)
        order = [o for o in OUTCOME_COLORS if o in shares.columns] + [o for o in shares.columns if o not in OUTCOME_COLORS]
        ax.stackplot(shares.index, *[shares[o].to_numpy() for o in order], step="post",
                     labels=[fd.OUTCOME_WORDS.get(o, o) for o in order],
                     colors=[OUTCOME_COLORS.get(o, GREY) for o in order])
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        _dates(ax)
        ax.legend(fontsize=7, loc="lower left")
        ax.set_xlabel("week the Trainer started (UTC)")
    else:
        _empty(ax)
    ax.set_ylabel("share of the week's graphlets")
    ax.set_title("Outcomes over time", fontsize=10)
    overlap = frames.get("input_overlap", pd.DataFrame(columns=["spans_jaccard", "examples_jaccard"]))
    cdf(axes[1, 0], {"data spans": overlap["spans_jaccard"], "Examples artifacts": overlap["examples_jaccard"]},
        "overlap with the previous graphlet's inputs (Jaccard)", "How much input data consecutive graphlets share")
    axes[1, 0].xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    pushes = frames.get("push_rate_by_change", pd.DataFrame())
    ax = axes[1, 1]
    if not pushes.empty:
        rows = pushes[pushes["change"] != "any"].sort_values("push_rate", ascending=False)
        _barh(ax, [fd.CHANGE_WORDS.get(c, c) for c in rows["change"]], pd.to_numeric(rows["push_rate"]),
              "share of graphlets that pushed", "Push rate by what changed before training", percent=True,
              annotate=[f"{hz.count(n)} graphlets" for n in rows["graphlets"]])
        overall = pushes.loc[pushes["change"] == "any", "push_rate"]
        if len(overall):
            ax.axvline(float(overall.iloc[0]), color="k", ls="--", lw=0.8)
            ax.text(float(overall.iloc[0]), -0.9, " all graphlets", fontsize=7)
        ax.set_xlim(0, 1.25)
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])  # room on the right for the counts, no ticks past 100%
    else:
        _empty(ax)
        ax.set_title("Push rate by what changed before training", fontsize=10)
    return _save(fig, path)


def _mode_label(mode: str) -> str:
    return f"{fd.MODE_NAMES.get(mode, mode)}"


MODES_NOTE = ("Attribution modes (rules §3 step 10): amortized — a step shared by several graphlets is split evenly "
              "between them; full — charged in full to every graphlet that used it (shared work counted again); "
              "first use — charged to the first graphlet that used it.")


def compute(frames: Frames, path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    category = frames.get("cost_by_category", pd.DataFrame())
    unit = fd.cost_unit(frames)
    if not category.empty and pd.to_numeric(category["cost_s"]).sum() > 0:
        attributed = category[category["category"] != "unattributed"]
        shares = pd.DataFrame({
            "each execution once\n(amortized)": pd.to_numeric(attributed["cost_s"]).to_numpy(),
            "shared steps counted\nper graphlet (full)": pd.to_numeric(attributed["cost_full_s"]).to_numpy()},
            index=[c.replace("_", " ") for c in attributed["category"]])
        shares = shares / shares.sum()
        left_edge = np.zeros(shares.shape[1])
        for i, (name, row) in enumerate(shares.iterrows()):
            left.barh(list(shares.columns), row.to_numpy(), left=left_edge, label=name,
                      color=CATEGORY_COLORS[i % len(CATEGORY_COLORS)])
            for y, (start, width) in enumerate(zip(left_edge, row.to_numpy())):
                if width >= 0.06:
                    left.text(start + width / 2, y, hz.percent(width), ha="center", va="center", fontsize=7, color="white")
            left_edge += row.to_numpy()
        left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        left.set_xlabel(f"share of the {unit} time of graphlet members")
        left.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    else:
        _empty(left)
    left.set_title("Compute by operator category, under two attribution modes", fontsize=10)
    operator = frames.get("cost_by_operator", pd.DataFrame())
    if not operator.empty and pd.to_numeric(operator["cost_s"]).sum() > 0:
        top = operator.head(12)
        _barh(right, top["operator"].astype(str), pd.to_numeric(top["share"]), "share of all compute",
              "Compute by operator (each execution once)", percent=True,
              annotate=[hz.cost(v, unit).split(" (")[0] for v in pd.to_numeric(top["cost_s"])])
        right.set_xlim(0, float(pd.to_numeric(top["share"]).max()) * 1.45)
    else:
        _empty(right)
    return _save(fig, path, MODES_NOTE)


def waste(frames: Frames, path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    total = frames.get("waste_total", pd.DataFrame())
    category = frames.get("waste_by_category", pd.DataFrame())
    if not total.empty and not category.empty:
        modes = [m for m in ("amortized", "first_use", "full") if m in set(total["mode"])]
        closed = dict(zip(total["mode"], pd.to_numeric(total["closed_cost_s"])))
        names = list(dict.fromkeys(category.sort_values("waste_s", ascending=False)["category"]))
        left_edge = np.zeros(len(modes))
        for i, name in enumerate(names):
            widths = []
            for mode in modes:
                row = category[(category["mode"] == mode) & (category["category"] == name)]
                widths.append(float(pd.to_numeric(row["waste_s"]).sum()) / closed[mode] if closed[mode] else 0.0)
            left.barh([_mode_label(m) for m in modes], widths, left=left_edge, label=name.replace("_", " "),
                      color=CATEGORY_COLORS[i % len(CATEGORY_COLORS)])
            left_edge += np.array(widths)
        for y, value in enumerate(left_edge):
            left.text(value, y, f" {hz.percent(value)}", va="center", fontsize=8)
        left.set_xlim(0, max(left_edge.max() * 1.25, 0.05))
        left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        left.set_xlabel("wasted share of the compute of closed graphlets")
        left.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        left.invert_yaxis()
    else:
        _empty(left)
    left.set_title("Waste under each attribution mode, by category", fontsize=10)
    per_pipeline = frames.get("waste_by_pipeline", pd.DataFrame())
    mine = per_pipeline[per_pipeline["mode"] == "amortized"] if not per_pipeline.empty else per_pipeline
    if not mine.empty and pd.to_numeric(mine["waste_s"]).sum() > 0:
        values = np.sort(_num(mine["waste_s"]))[::-1]
        cumulative = np.cumsum(values) / values.sum()
        ranks = np.arange(1, len(values) + 1) / len(values)
        right.step(np.concatenate([[0], ranks]), np.concatenate([[0], cumulative]), where="post", color="#d62728")
        right.plot([0, 1], [0, 1], "k--", lw=0.7, label="waste spread evenly")
        right.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        right.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        right.set_xlabel("pipelines, most wasteful first")
        right.set_ylabel("share of all waste (amortized)")
        right.legend(fontsize=8, loc="lower right")
        right.grid(alpha=0.3)
    else:
        _empty(right)
    right.set_title("How concentrated the waste is", fontsize=10)
    return _save(fig, path, MODES_NOTE)


def pruning(frames: Frames, path: Path) -> Path:
    """The simple skipping rules as points: waste removed against pushes lost."""
    baselines = fd.pruning_baselines(frames)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    if not baselines.empty:
        for i, row in baselines.iterrows():
            ax.scatter(row["pushes_lost"], row["waste_removed"], s=60, zorder=3,
                       color=CATEGORY_COLORS[i % len(CATEGORY_COLORS)],
                       label=f"{row['policy']} (skips {hz.percent(row['skipped'])})")
        ax.plot([0, 1], [0, 1], "k:", lw=0.7, label="skipping at random")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.08)
        ax.legend(fontsize=8, loc="lower right")
    else:
        _empty(ax, "no chain has two graphlets yet")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("pushes lost (share of pushed models never trained)")
    ax.set_ylabel("wasted compute removed")
    ax.set_title("Skipping training by a simple rule: savings against lost deployments", fontsize=10)
    ax.grid(alpha=0.3)
    return _save(fig, path, "Each graphlet with a previous one in its chain is skipped or not; a skipped graphlet "
                            "saves its whole amortized cost. Top left is best.")


def pipeline_timeline(graphlets: pd.DataFrame, title: str, path: Path, unit: str = "CPU") -> Path:
    """One pipeline's graphlets over time: a dot per graphlet at its Trainer's start and its amortized
    cost, coloured by outcome and sized by cost (a marker per Trainer node when there are several);
    below, a tick for each kind of change before a graphlet."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True, gridspec_kw={"height_ratios": [1.6, 1]})
    frame = graphlets.copy()
    frame["when"] = pd.to_datetime(pd.to_numeric(frame["started_at"]), unit="ms")
    nodes = (frame["trainer_node"].ffill().bfill().fillna("Trainer") if "trainer_node" in frame
             else pd.Series("Trainer", index=frame.index))
    markers = dict(zip(sorted(nodes.unique()), "o^sDv<>p"))
    cost_h = pd.to_numeric(frame["cost_amortized_s"]).fillna(0.0) / 3600
    sizes = (8 + 120 * np.sqrt(cost_h / cost_h.max())).to_numpy() if cost_h.max() > 0 else np.full(len(cost_h), 20.0)
    for outcome, color in OUTCOME_COLORS.items():
        for node, marker in markers.items():
            mask = ((frame["outcome"] == outcome) & (nodes == node)).to_numpy()
            if mask.any():
                label = fd.OUTCOME_WORDS.get(outcome, outcome) + (f" ({node})" if len(markers) > 1 else "")
                top.scatter(frame["when"][mask], cost_h[mask], s=sizes[mask], color=color, alpha=0.65,
                            marker=marker, edgecolors="none", label=label)
    if _spans_decades(cost_h.to_numpy()):
        top.set_yscale("log")
    top.set_ylabel(f"{unit}-hours (amortized)")
    _plain_axes(top)
    top.legend(fontsize=7, ncol=3, loc="lower left", bbox_to_anchor=(0, 1.02), frameon=False)
    top.set_title(title, fontsize=10, loc="right")
    top.grid(alpha=0.3)
    kinds = list(fd.CHANGE_FLAGS.values())
    changed = frame.get("changed", pd.Series("", index=frame.index)).fillna("")
    for i, kind in enumerate(kinds):
        mask = changed.str.split(", ").apply(lambda parts, k=kind: k in parts).to_numpy()
        if mask.any():
            bottom.scatter(frame["when"][mask], np.full(mask.sum(), i), marker="|", s=80, color="#333")
    bottom.set_yticks(range(len(kinds)), [f"{k} changed" if k != "new data" else "new data" for k in kinds], fontsize=8)
    bottom.set_ylim(-0.6, len(kinds) - 0.4)
    bottom.set_title("What changed before each graphlet", fontsize=9, loc="left")
    _dates(bottom)
    bottom.set_xlabel("Trainer start (UTC); dot size: the graphlet's amortized cost")
    bottom.grid(axis="x", alpha=0.3)
    # fixed margins: the same layout for every pipeline page, without tight_layout's cost
    fig.subplots_adjust(left=0.17, right=0.98, top=0.86, bottom=0.11, hspace=0.28)
    return _save(fig, path, layout=False)


SECTION_FIGURES = {"analysed": analysed, "lifespan": lifespan, "structure": structure, "graphlets": graphlets,
                   "compute": compute, "waste": waste, "pruning": pruning}


def draw(section: str, frames: Frames, path: Path) -> Path:
    """Draw the figure of report section `section` into the PNG `path`."""
    return SECTION_FIGURES[section](frames, Path(path))
