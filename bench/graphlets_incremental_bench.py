"""An incremental graphlet build after one day's sync against a forced full rebuild, same store,
same server, same run (rules §11).

The corpus as of two days before `--day` is loaded into a throwaway Neo4j and its graphlets built;
then the store grows by each of the next two days (`corpus replay`), and each day is synced
(`mlprov sync`: only what changed, marked `Changed`) and built incrementally. The first of
these builds pays for planning the scoped queries (the server caches plans by query and parameter
types, so a server that builds every day pays it once); the second, the day up to `--day`, is the
one compared with `graphlets build --force` right after it, step by step, and the two graphs are
compared element for element (scripts/graph_fingerprint.py).

    .venv/bin/python bench/graphlets_incremental_bench.py --scale M             # the last day
    .venv/bin/python bench/graphlets_incremental_bench.py --scale M --day 63    # mid-window
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from throwaway import keep_results, throwaway_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlprov.analytics.graphlets import build  # noqa: E402
from mlprov.corpus import day_end_ms, replay, write_snapshot  # noqa: E402
from mlprov.corpus.generate import DEFAULT_DAYS, pipeline_count  # noqa: E402
from mlprov.loader import load_store  # noqa: E402
from mlprov.loader.sync import sync_store  # noqa: E402
from scripts.graph_fingerprint import elements  # noqa: E402


def rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {step: round(value, 2) for step, value in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="M", help="S, M or L (the corpus of `corpus generate --scale`)")
    parser.add_argument("--pipelines", type=int, help="number of pipelines (overrides --scale)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--day", type=int, help="the day the sync brings the store to (default: the last)")
    parser.add_argument("--cache-dir", type=Path, help="where the full corpus is kept (corpus generate --cache-dir)")
    args = parser.parse_args()
    day = args.day or args.days
    pipelines = pipeline_count(args.pipelines, None if args.pipelines else args.scale, args.days)
    name = f"corpus_{args.scale.lower()}" if not args.pipelines else f"corpus_p{pipelines}"

    with tempfile.TemporaryDirectory(prefix="mlprov-incremental-bench-") as tmp:
        corpus = {"pipelines": pipelines, "days": args.days, "seed": args.seed, "cache_dir": args.cache_dir,
                  "progress": None}
        live = write_snapshot(Path(tmp) / f"{name}.sqlite", day_end_ms(day - 2), **corpus).store
        with throwaway_server() as target, target.driver() as driver:
            started = time.perf_counter()
            load_store(live, driver, target.database, quiet=True)
            load_seconds = time.perf_counter() - started
            first = build(driver, target.database, quiet=True)

            replay(live, day - 1, **corpus)
            sync_store(live, driver, target.database, quiet=True)
            started = time.perf_counter()
            cold = build(driver, target.database, quiet=True)
            cold_seconds = time.perf_counter() - started

            replay(live, day, **corpus)
            started = time.perf_counter()
            synced = sync_store(live, driver, target.database, quiet=True)
            sync_seconds = time.perf_counter() - started
            marked = driver.execute_query("MATCH (n:Changed) RETURN count(n) AS n", database_=target.database)[0][0]["n"]

            started = time.perf_counter()
            incremental = build(driver, target.database, quiet=True)
            incremental_seconds = time.perf_counter() - started
            after_incremental = elements(driver, target.database, marks=True)

            started = time.perf_counter()
            full = build(driver, target.database, force=True, quiet=True)
            full_seconds = time.perf_counter() - started
            equal = elements(driver, target.database, marks=True) == after_incremental

    result = {
        "store": f"{name} (day {day - 2} loaded, grown and synced to {day - 1} then {day} of {args.days}; "
                 f"{pipelines} pipelines, seed {args.seed})",
        "graphlets": full.graphlets,
        "load_seconds": round(load_seconds, 1),
        "first_build_seconds": round(sum(first.step_seconds.values()), 1),
        "first_incremental_seconds (day before, plans not cached)": round(cold_seconds, 2),
        "first_incremental_touched": cold.touched.get(name),
        "sync_seconds": round(sync_seconds, 1),
        "sync": {"status": synced.status, "rows_read": synced.rows_read, "deleted": synced.deleted,
                 "nodes_marked_changed": marked},
        "incremental_mode": incremental.modes.get(name),
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_steps": rounded(incremental.step_seconds),
        "incremental_touched": incremental.touched.get(name),
        "full_seconds": round(full_seconds, 2),
        "full_steps": rounded(full.step_seconds),
        "ratio": round(full_seconds / incremental_seconds, 1),
        "graphs_equal": equal,
    }
    keep_results(f"graphlets_incremental_bench_{name}_day{day}", result)
    if not equal:
        sys.exit("the incremental build's graph differs from the full rebuild's")


if __name__ == "__main__":
    main()
