"""Corpus generation benchmark: time, store size and peak RSS at S and M (and L with --large).

Each scale runs in a fresh interpreter, so its peak RSS is its own. Results are printed as a
table and written to bench/results/corpus_bench.{json,md}, with the `describe` table per scale.

    .venv/bin/python bench/corpus_bench.py [--large] [--seed 0] [--workdir out/bench-corpus]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

CHILD = """
import json, resource, sys, time
from mlprov.corpus import generate
started = time.perf_counter()
files = generate(sys.argv[1], scale=sys.argv[2], seed=int(sys.argv[3]), force=True, progress=None)
print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "graphlets": files.graphlet_count,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def run_scale(scale: str, seed: int, workdir: Path) -> dict:
    store = workdir / scale / f"corpus_{scale.lower()}.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {scale} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHILD, str(store), scale, str(seed)],
                            capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    from mlprov.corpus import describe

    described = describe(store)
    return {"scale": scale, **measured, "wall_seconds": round(time.perf_counter() - started, 1),
            "store_mb": round(store.stat().st_size / 1e6, 1), "store": str(store),
            "describe": [{"quantity": q, "value": v, "target": t} for q, v, t in described]}


def as_markdown(rows: list[dict]) -> str:
    lines = ["| scale | generate+truth (s) | store (MB) | peak RSS (MB) | graphlets |", "|---|---|---|---|---|"]
    lines += [f"| {r['scale']} | {r['seconds']} | {r['store_mb']} | {r['peak_rss_mb']} | {r['graphlets']} |" for r in rows]
    for r in rows:
        lines += ["", f"describe at {r['scale']}:", "", "| quantity | value | target |", "|---|---|---|"]
        lines += [f"| {d['quantity']} | {d['value']} | {d['target']} |" for d in r["describe"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also generate L (3000 pipelines: minutes, GBs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("out/bench-corpus"))
    args = parser.parse_args()
    scales = ["S", "M"] + (["L"] if args.large else [])
    rows = [run_scale(scale, args.seed, args.workdir) for scale in scales]
    report = as_markdown(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "corpus_bench.json").write_text(json.dumps(rows, indent=2))
    (RESULTS / "corpus_bench.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
