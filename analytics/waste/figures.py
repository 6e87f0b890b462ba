"""Figures and an HTML fragment of the waste-pruning evaluation, for the report and
`mlprov waste evaluate --output`."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402

from mlprov.analytics.waste.evaluate import TABLE_COLUMNS, Evaluation, family_importance  # noqa: E402


def tradeoff_figure(evaluation: Evaluation, path: Path) -> Path:
    """Waste removed against pushes lost: the model's τ curve, the baselines as points."""
    table = evaluation.table
    model = table[table["policy"].str.startswith("model")]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(model["pushes_lost"] * 100, model["waste_removed"] * 100, "o-", ms=3, label="classifier (τ sweep)")
    for _, row in table[~table["policy"].str.startswith("model")].iterrows():
        ax.scatter(row["pushes_lost"] * 100, row["waste_removed"] * 100, marker="s", zorder=3)
        ax.annotate(row["policy"], (row["pushes_lost"] * 100, row["waste_removed"] * 100), fontsize=7,
                    xytext=(4, -3), textcoords="offset points")
    if evaluation.operating_point:
        point = evaluation.operating_point
        ax.scatter(point["pushes_lost"] * 100, point["waste_removed"] * 100, s=120, facecolors="none",
                   edgecolors="red", zorder=4, label=f"operating point τ={point['tau']:.2f}")
    ax.set_xlabel("pushes lost (%)")
    ax.set_ylabel("waste removed (% of avoidable waste)")
    ax.set_title("Waste pruning: savings against lost deployments")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def importance_figure(evaluation: Evaluation, path: Path) -> Path:
    """Permutation importance summed per feature family (drift, structure, code, model, ...)."""
    families = family_importance(evaluation.importances)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(families.index[::-1], families.values[::-1])
    ax.set_xlabel("drop in test ROC AUC when permuted")
    ax.set_title("What predicts a graphlet that will not push")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def cadence_figure(evaluation: Evaluation, path: Path) -> Path:
    """Median hours between pushes per pipeline, unpruned against pruned at the operating point."""
    cadence = evaluation.cadence
    fig, ax = plt.subplots(figsize=(5, 5))
    if not cadence.empty:
        ax.scatter(cadence["median_gap_h_before"], cadence["median_gap_h_after"], s=8, alpha=0.6)
        top = max(cadence["median_gap_h_before"].max(), cadence["median_gap_h_after"].max())
        ax.plot([0, top], [0, top], "k--", lw=0.8)
        ax.set_xscale("symlog")
        ax.set_yscale("symlog")
    ax.set_xlabel("median hours between pushes, unpruned")
    ax.set_ylabel("median hours between pushes, pruned")
    ax.set_title("Deployment cadence per pipeline")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_figures(evaluation: Evaluation, output_dir: Path) -> list[Path]:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    return [tradeoff_figure(evaluation, output_dir / "waste_tradeoff.png"),
            importance_figure(evaluation, output_dir / "waste_importance.png"),
            cadence_figure(evaluation, output_dir / "waste_cadence.png")]


def waste_section(output_dir: Path, evaluation: Evaluation | None) -> str:
    """An HTML fragment (``<section>``) on waste pruning, with its PNG figures written to `output_dir`
    and referenced by file name (relative to the report's folder when the report lives there too).
    Without an evaluation (not enough closed graphlets to train on), a short section saying so."""
    if evaluation is None:
        return ("<section id=\"waste\"><h2>Waste pruning</h2><p>Not enough closed graphlets to train "
                "a classifier.</p></section>")
    figures = write_figures(evaluation, Path(output_dir))
    point = evaluation.operating_point
    summary = ("No threshold keeps pushes lost and cadence within the limits." if point is None else
               f"At τ = {point['tau']:.2f} the classifier removes {point['waste_removed']:.0%} of avoidable "
               f"waste ({point['waste_share_removed']:.0%} of all waste) and saves {point['overall_saving']:.0%} "
               f"of all compute, losing {point['pushes_lost']:.1%} of pushes; the median time between pushes "
               f"changes by {point['median_gap_change']:+.0%}.")
    table = evaluation.table[list(TABLE_COLUMNS)]
    rows = table[~table["policy"].str.startswith("model") | (table["policy"] == (point or {}).get("policy"))]
    images = "".join(f'<img src="{html.escape(p.name)}" alt="{html.escape(p.stem)}">' for p in figures)
    return (f"<section id=\"waste\"><h2>Waste pruning</h2><p>{html.escape(summary)}</p>"
            f"{_html_table(rows)}{images}</section>")


def _html_table(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="", border=0, classes="waste")
