"""Bulk import (`mlprov load --bulk`) against the online loader and the naive one-row-per-transaction
loader, on the same store in the same run.

Each loader gets a throwaway Neo4j of its own (temporary folder, free loopback ports, auth off, the
jars of ./.mlprov/neo4j), so each starts from an empty database. The bulk time is the whole wall
time of `bulk_load`: CSV writing, server stop, neo4j-admin import, server start, schema and index
population, Source facts. Rows are nodes + relationships as the loaders count them (MLMD rows).

The baseline for the bulk path is the bare importer: `neo4j-admin database import full` alone, run
again on the very files the bulk load wrote (kept as hard links), with the same options and heap,
into another throwaway server's database. `bulk_vs_bare_importer` is the bulk wall time over it.

    .venv/bin/python bench/bulk_load_bench.py --store corpus_m.sqlite [--naive-rows 2000]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from load_bench import naive_rate
from throwaway import free_port, keep_results, throwaway_server

from mlprov.bulk_load import bulk_load, import_arguments
from mlprov.server.distribution import require_tool
from mlprov.loader import load_store
from mlprov.server.config import default_home
from mlprov.server.local import LocalServer



def bulk(store_path: Path) -> tuple[int, float, float]:
    """(rows, seconds, bare importer seconds) of a bulk load into a fresh throwaway server, and of
    the bare importer on the files it wrote; the phases are logged on stderr."""
    with tempfile.TemporaryDirectory(prefix="mlprov-bulk-bench-") as tmp:
        server = throwaway_local(Path(tmp) / "neo4j")
        kept_folder = Path(tmp) / "kept-files"
        kept, keep = keeper(kept_folder)
        server.start()
        try:
            started = time.perf_counter()
            [result] = bulk_load([store_path], server, before_import=keep)
            seconds = time.perf_counter() - started
        finally:
            server.stop()
        bare_seconds = bare_import(Path(tmp) / "bare", kept, kept_folder)
    return result.nodes + result.relationships, seconds, bare_seconds


def keeper(folder: Path) -> tuple[list[SimpleNamespace], Callable[[list], None]]:
    """A `before_import` hook for `bulk_load` that keeps the import files it is given as hard links
    in `folder`, and the list it fills with their descriptions (for `bare_import`)."""
    kept: list[SimpleNamespace] = []

    def keep(files) -> None:
        folder.mkdir()
        for i, csv in enumerate(files):
            link = folder / f"{i}-{csv.path.name}"
            os.link(csv.path, link)
            kept.append(SimpleNamespace(path=link, kind=csv.kind, node=csv.node, rows=csv.rows,
                                        multiline=csv.multiline))

    return kept, keep


def throwaway_local(home: Path) -> LocalServer:
    return LocalServer(home, distribution=default_home(), bolt_port=free_port(), http_port=free_port(), auth=False)


def bare_import(home: Path, files: list[SimpleNamespace], folder: Path) -> float:
    """Seconds of `neo4j-admin database import full` alone on `files`, with the bulk load's own
    options and heap, into the database of a throwaway server (started once to create it, then
    stopped, as the bulk load stops its server)."""
    server = throwaway_local(home)
    server.start()
    database = server.target().database
    server.stop()
    arguments = import_arguments(database, files, folder)
    command = server.admin_command(require_tool("java", "to run neo4j-admin"), *arguments)
    print("bare importer on the same files ...", file=sys.stderr)
    started = time.perf_counter()
    subprocess.run(command, env={**server.java_env(), "HEAP_SIZE": server.memory.heap}, cwd=folder,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="MLMD SQLite store to load")
    parser.add_argument("--naive-rows", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--bulk-only", action="store_true",
                        help="time only the bulk load and the bare importer (skip the online and naive loads)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)

    print("bulk import ...", file=sys.stderr)
    bulk_rows, bulk_seconds, bare_seconds = bulk(args.store)
    bulk_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.bulk_only:
        keep_results("bulk_load_bench", {
            "store": args.store.name,
            "rows": bulk_rows,
            "bulk_seconds": round(bulk_seconds, 1),
            "bare_importer_seconds": round(bare_seconds, 1),
            "bulk_vs_bare_importer": round(bulk_seconds / bare_seconds, 2),
            "peak_rss_mb_after_bulk": round(bulk_rss, 1),
        })
        return
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
        "bare_importer_seconds": round(bare_seconds, 1),
        "bare_importer_per_s": round(bulk_rows / bare_seconds),
        "bulk_vs_bare_importer": round(bulk_seconds / bare_seconds, 2),
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
