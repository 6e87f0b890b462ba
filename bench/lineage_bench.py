"""Lineage of one artifact: latency of the stored `lineage.upstream` / `lineage.downstream` queries
against ml-metadata's `get_lineage_subgraph` for the same artifacts, same hops, same run (rules §7:
≤ 20 ms p95 on L).

The source must already be loaded on the Neo4j at NEO4J_URI (or the local server); the store it
came from is passed for the baseline, which runs in the ml-metadata venv (`MLPROV_MLMD_PYTHON`).
Artifacts are sampled evenly over the store's ids (every type), each query is run once to warm
the page cache before timing, as a Browser user clicking through a graph would see it.

    MLPROV_MLMD_PYTHON=.venv-mlmd/bin/python .venv/bin/python bench/lineage_bench.py \
        --source l --store l.sqlite [--sample 500] [--hops 6]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from throwaway import RESULTS

from mlprov.core import queries
from mlprov.server.locate import connect

# Runs under ml-metadata's interpreter: per-artifact get_lineage_subgraph latencies, in ms.
MLMD_CHILD = r"""
import json, sys, time
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
path, hops, ids = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
config = pb.ConnectionConfig()
config.sqlite.filename_uri = path
config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
store = metadata_store.MetadataStore(config)
timings = {"upstream": [], "downstream": []}
for name, direction in (("upstream", pb.LineageSubgraphQueryOptions.UPSTREAM),
                        ("downstream", pb.LineageSubgraphQueryOptions.DOWNSTREAM)):
    for artifact in ids:
        options = pb.LineageSubgraphQueryOptions(max_num_hops=hops, direction=direction)
        options.starting_artifacts.filter_query = f"id = {artifact}"
        started = time.perf_counter()
        store.get_lineage_subgraph(options)
        timings[name].append(1000 * (time.perf_counter() - started))
print(json.dumps(timings))
"""


def sample_artifact_ids(store: Path, sample: int) -> list[int]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM Artifact ORDER BY id")]
    step = max(1, len(ids) // sample)
    return ids[::step][:sample]


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50_ms": round(at(0.50), 2), "p95_ms": round(at(0.95), 2), "p99_ms": round(at(0.99), 2),
            "mean_ms": round(statistics.fmean(ordered), 2)}


def mlprov_latencies(source: str, ids: list[int], hops: int) -> tuple[dict, dict]:
    timings: dict[str, list[float]] = {"upstream": [], "downstream": []}
    rows: dict[str, int] = {"upstream": 0, "downstream": 0}
    with connect() as (driver, database):
        for direction in timings:
            for artifact in ids:
                uid = f"{source}:a:{artifact}"
                queries.execute(driver, database, f"lineage.{direction}", uid=uid, hops=hops)  # warm
                started = time.perf_counter()
                _, result = queries.execute(driver, database, f"lineage.{direction}", uid=uid, hops=hops)
                timings[direction].append(1000 * (time.perf_counter() - started))
                rows[direction] += len(result)
    return timings, rows


def mlmd_latencies(store: Path, ids: list[int], hops: int) -> dict[str, list[float]]:
    python = os.environ.get("MLPROV_MLMD_PYTHON")
    if not python:
        sys.exit("set MLPROV_MLMD_PYTHON to the ml-metadata venv's python (scripts/run.sh test makes .venv-mlmd)")
    out = subprocess.run([python, "-c", MLMD_CHILD, str(store.resolve()), str(hops), json.dumps(ids)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="source name of the store in Neo4j")
    parser.add_argument("--store", type=Path, required=True, help="the MLMD store the source was loaded from")
    parser.add_argument("--sample", type=int, default=500, help="artifacts timed")
    parser.add_argument("--hops", type=int, default=6)
    args = parser.parse_args()

    ids = sample_artifact_ids(args.store, args.sample)
    ours, rows = mlprov_latencies(args.source, ids, args.hops)
    baseline = mlmd_latencies(args.store, ids, args.hops)
    result: dict = {"source": args.source, "store": args.store.name, "artifacts": len(ids), "hops": args.hops}
    for direction in ("upstream", "downstream"):
        mine, theirs = percentiles(ours[direction]), percentiles(baseline[direction])
        result[direction] = {
            "mlprov": mine, "ml_metadata": theirs, "mean_rows": round(rows[direction] / len(ids), 1),
            "ratio_p50": round(theirs["p50_ms"] / mine["p50_ms"], 1),
            "ratio_p95": round(theirs["p95_ms"] / mine["p95_ms"], 1),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"lineage_bench_{args.source}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
