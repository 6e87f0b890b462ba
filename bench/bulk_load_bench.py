"""Bulk import (`mlprov load --bulk`) against the online loader and the naive one-row-per-transaction
loader, on the same store in the same run.

Each loader gets a throwaway Neo4j of its own (temporary folder, free loopback ports, auth off, the
jars of ./.mlprov/neo4j), so each starts from an empty database. The bulk time is the whole wall
time of `bulk_load`: CSV writing, server stop, neo4j-admin import, server start, schema and index
population, Source facts. Rows are nodes + relationships as the loaders count them (MLMD rows).

    .venv/bin/python bench/bulk_load_bench.py --store corpus_m.sqlite [--naive-rows 2000]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

from load_bench import naive_rate
from throwaway import free_port, keep_results, throwaway_server

from mlprov.bulk_load import bulk_load
from mlprov.loader import load_store
from mlprov.server.config import default_home
from mlprov.server.local import LocalServer



def bulk(store_path: Path) -> tuple[int, float]:
    """(rows, seconds) of a bulk load into a fresh throwaway server; its phases are logged on stderr."""
    with tempfile.TemporaryDirectory(prefix="mlprov-bulk-bench-") as tmp:
        server = LocalServer(Path(tmp) / "neo4j", distribution=default_home(), bolt_port=free_port(),
                             http_port=free_port(), auth=False)
        server.start()
        try:
            started = time.perf_counter()
            [result] = bulk_load([store_path], server)
            seconds = time.perf_counter() - started
        finally:
            server.stop()
    return result.nodes + result.relationships, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="MLMD SQLite store to load")
    parser.add_argument("--naive-rows", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)

    print("bulk import ...", file=sys.stderr)
    bulk_rows, bulk_seconds = bulk(args.store)
    bulk_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("online load and naive baseline ...", file=sys.stderr)
    with throwaway_server() as target, target.driver() as driver:
        online = load_store(args.store, driver, target.database, batch_size=args.batch_size)
        naive = naive_rate(driver, target.database, args.store, args.naive_rows)
    online_rows = online.nodes + online.relationships
    bulk_rate, online_rate = bulk_rows / bulk_seconds, online_rows / online.seconds
    report = {
        "store": args.store.name,
        "store_mb": round(args.store.stat().st_size / 2**20, 1),
        "rows": bulk_rows,
        "bulk_seconds": round(bulk_seconds, 1),
        "bulk_per_s": round(bulk_rate),
        "online_seconds": round(online.seconds, 1),
        "online_per_s": round(online_rate),
        "naive_per_s": round(naive),
        "bulk_vs_online": round(bulk_rate / online_rate, 2),
        "bulk_vs_naive": round(bulk_rate / naive, 1),
        "online_vs_naive": round(online_rate / naive, 1),
        "same_rows": bulk_rows == online_rows,
        "peak_rss_mb_after_bulk": round(bulk_rss, 1),
    }
    keep_results("bulk_load_bench", report)


if __name__ == "__main__":
    main()
