"""Building the graphlets of many stores: one build for all of them against one build per store, same run.

A build plans each of its queries once, and a load or a build step refreshes the planner's
statistics (which throws every plan away) only when the server counts an index as outdated by more
than a hundred entries (ARCHITECTURE.md, graphlet build), so small stores are built on the plans
that the build made for the first one. Baseline: the same stores, each loaded and then built by a
build of its own, which plans every query afresh for it (what every source paid in any build
before). Both run on one throwaway Neo4j; with `--beside`, a larger store is loaded and built
there first, as a team's main store would be.

    .venv/bin/python bench/many_sources_bench.py                       # the real stores of tests/data/mlmd
    .venv/bin/python bench/many_sources_bench.py --beside corpus_s.sqlite --copies 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from throwaway import keep_results, throwaway_server

from mlprov.analytics.graphlets import build
from mlprov.loader import load_store

STORES = Path(__file__).resolve().parent.parent / "tests" / "data" / "mlmd"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", type=Path, help="a larger MLMD store loaded and built first")
    parser.add_argument("--copies", type=int, default=1, help="load each small store this many times, under other names")
    args = parser.parse_args()
    stores = sorted(STORES.glob("*.sqlite"))
    names = [(path, f"{path.stem}-{copy}") for copy in range(args.copies) for path in stores]
    report: dict = {"stores": len(names), "beside": args.beside.name if args.beside else None}
    with throwaway_server() as target, target.driver() as driver:
        if args.beside:
            load_store(args.beside, driver, target.database, quiet=True)
            started = time.monotonic()
            first = build(driver, target.database, quiet=True)
            report["beside_graphlets"] = first.graphlets
            report["beside_build_s"] = round(time.monotonic() - started, 1)
        each_s, each_graphlets = 0.0, 0
        for number, (path, name) in enumerate(names, 1):
            load_store(path, driver, target.database, source_name=name, quiet=True)
            started = time.monotonic()
            each_graphlets += build(driver, target.database, quiet=True).graphlets
            each_s += time.monotonic() - started
            print(f"one build per store: {number}/{len(names)}", file=sys.stderr)
        for path, name in names:  # loaded again: every one of them is to be built anew
            load_store(path, driver, target.database, source_name=name, replace=True, quiet=True)
        started = time.monotonic()
        together = build(driver, target.database, quiet=True)
        together_s = time.monotonic() - started
    if together.graphlets != each_graphlets or len(together.built) != len(names):
        print(f"the two ways built different graphlets: {together.graphlets} against {each_graphlets}", file=sys.stderr)
        return 1
    report.update({
        "graphlets": together.graphlets,
        "one_build_per_store_s": round(each_s, 1),
        "one_build_for_all_s": round(together_s, 1),
        "statistics_refreshes_in_it": together.refreshes,
        "speedup": round(each_s / together_s, 1),
    })
    keep_results("many_sources_bench", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
