"""Loader throughput against a naive one-row-per-transaction loader, on the same server, same run.

Starts a throwaway Neo4j (own ports, temporary folder, the jars of ./.mlprov/neo4j), loads an
MLMD store with mlprov's batched loader, then writes a sample of the same rows with the naive
loader (one auto-commit transaction per row, the same stored queries) and reports both rates
and their ratio. Peak RSS of the loading process is reported to show memory stays flat.

    .venv/bin/python bench/load_bench.py --store corpus_m.sqlite [--naive-rows 2000] [--batch-size 5000]
    .venv/bin/python bench/load_bench.py --scale M      # generates the synthetic corpus first
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from throwaway import keep_results, throwaway_server

from mlprov.core import queries
from mlprov.loader import load_store, mlmd
from mlprov.loader.graph_stream import ARTIFACTS, EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, PIPELINES, GraphStream, Part
from mlprov.loader.neo4j_sink import LOAD_QUERIES
from mlprov.loader.operators import default_map


def naive_rate(driver, database: str, store_path: Path, n_rows: int) -> float:
    """Rows per second when every artifact, execution (after its pipeline) and event is its own
    transaction, written by the Neo4j batch sink's stored queries."""
    store = mlmd.open_store(store_path)
    work: list[tuple[Part, dict]] = []
    written: set[str] = set()
    for part, row in GraphStream(store, "naive-baseline", default_map()):
        if part in (INPUT_EVENTS, OUTPUT_EVENTS):
            if row["artifact"] in written and row["execution"] in written:
                work.append((part, row))
        elif (part is ARTIFACTS and len(work) < n_rows // 3
              or part in (PIPELINES, EXECUTIONS) and len(work) < 2 * n_rows // 3):
            work.append((part, row))
            written.add(row["uid"])
        if len(work) >= n_rows:
            break
    store.close()
    started = time.perf_counter()
    for part, row in work:
        queries.execute(driver, database, LOAD_QUERIES[part], rows=[row])
    elapsed = time.perf_counter() - started
    return len(work) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="MLMD SQLite store to load")
    parser.add_argument("--scale", choices=["S", "M", "L"], help="generate the synthetic corpus at this scale")
    parser.add_argument("--naive-rows", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlprov-load-bench-") as tmp:
        store_path = args.store
        if store_path is None:
            from mlprov.corpus import generate

            store_path = Path(tmp) / f"corpus_{(args.scale or 'S').lower()}.sqlite"
            print(f"generating the {args.scale or 'S'} corpus ...", file=sys.stderr)
            generate(store_path, scale=args.scale or "S", seed=0, force=True, progress=None)
        with throwaway_server() as target, target.driver() as driver:
            result = load_store(store_path, driver, target.database, batch_size=args.batch_size)
            written = result.nodes + result.relationships
            batched = written / result.seconds
            naive = naive_rate(driver, target.database, store_path, args.naive_rows)
    report = {
        "store": store_path.name,
        "store_mb": round(store_path.stat().st_size / 2**20, 1),
        "nodes": result.nodes,
        "relationships": result.relationships,
        "load_seconds": round(result.seconds, 1),
        "batched_per_s": round(batched),
        "naive_per_s": round(naive),
        "ratio": round(batched / naive, 1),
        "batch_size": args.batch_size,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    keep_results("load_bench", report)


if __name__ == "__main__":
    main()
