"""`mlprov demo`'s steps timed on a throwaway Neo4j (its start is not counted), a first run into a
fresh folder and a second run on the same folder (which finds everything done).

    .venv/bin/python bench/demo_bench.py [--scale S]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from throwaway import keep_results, throwaway_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlprov.demo import run_demo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["S", "M"], default="S")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    report: dict = {"scale": args.scale}
    with tempfile.TemporaryDirectory(prefix="mlprov-demo-bench-") as tmp, throwaway_server() as target:
        os.environ.update(NEO4J_URI=target.uri, NEO4J_DATABASE=target.database)
        os.environ.pop("NEO4J_PASSWORD", None)
        for run in ("first", "again"):
            started = time.perf_counter()
            result = run_demo(Path(tmp) / "demo", args.scale)
            report[f"{run}_s"] = round(time.perf_counter() - started, 1)
            for step, seconds in result.seconds.items():
                report[f"{run}: {step.split(' (')[0]}"] = seconds
    keep_results("demo_bench", report)


if __name__ == "__main__":
    main()
