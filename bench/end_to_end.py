"""A new user's first look at a big store, end to end: generate the synthetic corpus, start an empty
Neo4j, bulk-load the store into it, build the graphlets, run the analyses and write the report.
Each stage is timed, and so is the total. After them (not timed) the graphlets are compared with
the generator's ground truth, row for row. Beside them is the floor of the load: the bare
`neo4j-admin database import full` run again on the very files the bulk load wrote, with the same
options and heap, into another throwaway server's database (as in bulk_load_bench.py).

The server is a throwaway one (temporary folder, free loopback ports, auth off, the jars of
./.mlprov/neo4j), in a temporary folder with the import files. The corpus and the report go to
--workdir (kept, so that a later run may pass --store to skip generating) or to that temporary
folder. Goal at L: 15 minutes in all.

    .venv/bin/python bench/end_to_end.py --scale L [--seed 0] [--workdir out/e2e]
    .venv/bin/python bench/end_to_end.py --scale S --store out/e2e/corpus_s.sqlite   # reuse a corpus
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bulk_load_bench import bare_import, keeper, throwaway_local
from throwaway import keep_results

from mlprov.analytics.graphlets import build
from mlprov.analytics.report import write_report
from mlprov.analytics.tables import run_tables
from mlprov.bulk_load import bulk_load
from mlprov.core import queries
from mlprov.core.connection import open_driver
from mlprov.corpus import generate
from mlprov.corpus.generate import SCALES

GOAL_TOTAL_S = 15 * 60
# The graphlet facts the generator's ground truth holds exactly, and those it holds as sums.
EXACT = ["pipeline", "trainer_id", "outcome", "n_executions", "n_artifacts",
         "member_execution_ids", "member_artifact_ids", "model_id"]
COSTS = ["cost_full_s", "cost_amortized_s", "cost_first_use_s"]


def against_truth(actual: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """How many graphlets equal the generator's ground truth on every exact fact, and the largest
    difference of a cost (sums in another order differ in their last bits)."""
    # Inner: a graphlet on one side only counts as unequal, and no column takes a float dtype for it.
    merged = truth.merge(actual, on="trainer_id", how="inner", suffixes=("_truth", ""))
    both = pd.Series(True, index=merged.index)
    equal = both.copy()
    for column in EXACT:
        if column == "trainer_id":
            continue
        left, right = merged[f"{column}_truth"], merged[column]
        if column == "model_id":  # ids, whichever dtype their nulls gave the column
            left, right = (pd.to_numeric(side).astype("Int64") for side in (left, right))
        left, right = (side.astype("string").fillna("<null>") for side in (left, right))
        equal &= left == right
    cost_gap = max(float((merged.loc[both, f"{c}_truth"].astype(float) - merged.loc[both, c].astype(float)).abs().max())
                   for c in COSTS)
    return {"truth_graphlets": len(truth), "built_graphlets": len(actual),
            "graphlets_equal_to_truth": int(equal.sum()), "largest_cost_difference_s": cost_gap}


def stage(name: str) -> float:
    print(f"== {name} ...", file=sys.stderr, flush=True)
    return time.perf_counter()


def run(scale: str, seed: int, workdir: Path, scratch: Path, store: Path | None) -> dict:
    """The stages; the corpus and the report go to `workdir`, the server and the import files to
    `scratch`."""
    seconds: dict[str, float] = {}
    if store is None:
        store = workdir / f"corpus_{scale.lower()}.sqlite"
        started = stage(f"generating corpus {scale} (seed {seed}) into {store}")
        generate(store, scale=scale, seed=seed, force=True,
                 progress=lambda message: print(message, file=sys.stderr, flush=True))
        seconds["generate"] = time.perf_counter() - started
    source = store.stem
    server = throwaway_local(scratch / "neo4j")
    kept, keep = keeper(scratch / "kept-files")
    started = stage("starting an empty Neo4j")
    server.start()
    try:
        seconds["server_start"] = time.perf_counter() - started
        started = stage("bulk load")
        [loaded] = bulk_load([store], server, before_import=keep)
        seconds["bulk_load"] = time.perf_counter() - started
        with open_driver(server.target()) as (driver, database):
            started = stage("graphlet build")
            built = build(driver, database)
            seconds["graphlet_build"] = time.perf_counter() - started
            started = stage("analyses")
            tables = run_tables(driver, database, source=source)
            seconds["analyses"] = time.perf_counter() - started
            started = stage("report")
            write_report(driver, database, workdir / "report", source=source, tables=tables)
            seconds["report"] = time.perf_counter() - started
            stage("comparing the graphlets with the generator's ground truth (not part of the total)")
            truth = pd.read_parquet(store.with_name("graphlets.parquet"))
            checked = against_truth(queries.run_df(driver, database, "graphlets", source=source), truth)
    finally:
        server.stop()
    total = sum(seconds.values())
    started = stage("bare importer on the same files (the baseline, not part of the total)")
    bare = bare_import(scratch / "bare", kept, scratch / "kept-files")
    return {
        "scale": scale,
        "store": str(store),
        "rows": loaded.nodes + loaded.relationships,
        "graphlets": built.graphlets,
        **{f"{name}_seconds": round(value, 1) for name, value in seconds.items()},
        "total_seconds": round(total, 1),
        "goal_total_seconds": GOAL_TOTAL_S,
        "bare_importer_seconds": round(bare, 1),
        "bulk_vs_bare_importer": round(seconds["bulk_load"] / bare, 2),
        "slowest_build_steps": ", ".join(f"{step} {s:.1f}s" for step, s in
                                         sorted(built.step_seconds.items(), key=lambda item: -item[1])[:4]),
        **checked,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="L")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the corpus and the report go, kept (default: a temporary folder)")
    parser.add_argument("--store", type=Path, default=None,
                        help="an already generated corpus store: skip the generation stage")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="mlprov-e2e-") as scratch:
        workdir = args.workdir or Path(scratch) / "work"
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(args.scale, args.seed, workdir, Path(scratch), args.store)
    keep_results(f"end_to_end_{args.scale.lower()}", report)


if __name__ == "__main__":
    main()
