"""Waste-pruning benchmark: features, training and evaluation on one corpus, with the table at the
recommended operating point beside every baseline (rules §5, issue 7).

The corpus is a source on the Neo4j at NEO4J_URI (or the local server); with --store it is loaded
and its graphlets built first when the source is missing. Results go to stdout and to
bench/results/waste_bench.{json,md}.

    .venv/bin/python bench/waste_bench.py --source m [--store out/m.sqlite] [--train-fraction 0.6]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mlprov.analytics.graphlets import build
from mlprov.analytics.waste.evaluate import TABLE_COLUMNS, evaluate, family_importance
from mlprov.analytics.waste.features import collect, sources
from mlprov.analytics.waste.model import train
from mlprov.server.locate import connect
from mlprov.loader import load_store

RESULTS = Path(__file__).parent / "results"


def prepare(driver, database: str, source: str, store: Path | None) -> None:
    if source in sources(driver, database):
        return
    if store is None:
        sys.exit(f"source {source!r} has no built graphlets: pass --store to load it")
    load_store(store, driver, database, source_name=source, quiet=True)
    build(driver, database, quiet=True)


def run(source: str, store: Path | None, train_fraction: float) -> dict:
    timings = {}
    with connect() as (driver, database):
        prepare(driver, database, source, store)
        started = time.perf_counter()
        frame = collect(driver, database, source,
                        progress=lambda message: print(message, file=sys.stderr, flush=True))
        timings["features_s"] = time.perf_counter() - started
    started = time.perf_counter()
    model, split = train(frame, train_fraction)
    timings["train_s"] = time.perf_counter() - started
    started = time.perf_counter()
    result = evaluate(model, split.test)
    timings["evaluate_s"] = time.perf_counter() - started
    table = result.table[list(TABLE_COLUMNS) + ["tau"]]
    point = result.operating_point
    return {
        "source": source, "graphlets": len(frame), "train_rows": len(split.train), "test_rows": len(split.test),
        "timings": {k: round(v, 1) for k, v in timings.items()}, "metrics": model.metrics,
        "operating_point": point, "family_importance": family_importance(result.importances).to_dict(),
        "top_features": result.importances.head(8)[["feature", "family", "importance"]].to_dict(orient="records"),
        "table": json.loads(table.to_json(orient="records", force_ascii=False)),  # NaN -> null
    }


def headline(report: dict) -> list[dict]:
    """The operating point's row and every baseline's."""
    point = (report["operating_point"] or {}).get("policy")
    return [row for row in report["table"] if not row["policy"].startswith("model") or row["policy"] == point]


def as_markdown(report: dict) -> str:
    columns = list(TABLE_COLUMNS)
    lines = [f"# Waste pruning on source `{report['source']}`", "",
             f"{report['graphlets']} closed graphlets; trained on {report['train_rows']}, tested on "
             f"{report['test_rows']}; test ROC AUC {report['metrics'].get('test_roc_auc', float('nan')):.3f}; "
             f"timings {report['timings']}", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in headline(report) + [{"policy": "— full sweep —"}] + [
            r for r in report["table"] if r["policy"].startswith("model")]:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    lines += ["", "Permutation importance by family: " + ", ".join(
        f"{family} {value:.3f}" for family, value in report["family_importance"].items())]
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="source name of the corpus in Neo4j")
    parser.add_argument("--store", type=Path, help="MLMD store to load when the source is missing")
    parser.add_argument("--train-fraction", type=float, default=0.6)
    args = parser.parse_args()
    report = run(args.source, args.store, args.train_fraction)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "waste_bench.json").write_text(json.dumps(report, indent=2, default=float))
    markdown = as_markdown(report)
    (RESULTS / "waste_bench.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
