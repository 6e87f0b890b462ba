"""Graphlet build time against extracting each model's lineage with ml-metadata, same store, same run.

mlprov: load the store into a throwaway Neo4j and time `graphlets build` (all graphlets).
Baseline: ml-metadata's own `get_lineage_subgraph` (upstream and downstream, bounded hops) for a
sample of Trainer executions, in the ml-metadata venv (`MLPROV_MLMD_PYTHON`, made by
`scripts/run.sh test`); its per-model time times the number of graphlets is the baseline total.

    MLPROV_MLMD_PYTHON=.venv-mlmd/bin/python .venv/bin/python bench/graphlet_bench.py --store corpus_m.sqlite

With --loaded, the store is already loaded on the Neo4j at NEO4J_URI (or the local server), as for
an L corpus that takes long to load: the graphlets of every source there are rebuilt and timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from throwaway import keep_results, throwaway_server

from mlprov.analytics.graphlets import build
from mlprov.server.locate import connect
from mlprov.loader import load_store


# Runs under ml-metadata's interpreter: times get_lineage_subgraph per sampled Trainer execution.
MLMD_CHILD = r"""
import json, sys, time
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
path, sample, hops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = pb.ConnectionConfig()
config.sqlite.filename_uri = path
config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
store = metadata_store.MetadataStore(config)
trainers = [e.id for t in store.get_execution_types() if t.name.endswith(".Trainer")
            for e in store.get_executions_by_type(t.name)]
step = max(1, len(trainers) // sample)
picked = trainers[::step][:sample]
started = time.perf_counter()
for trainer in picked:
    for direction in (pb.LineageSubgraphQueryOptions.UPSTREAM, pb.LineageSubgraphQueryOptions.DOWNSTREAM):
        options = pb.LineageSubgraphQueryOptions(max_num_hops=hops, direction=direction)
        options.starting_executions.filter_query = f"id = {trainer}"
        store.get_lineage_subgraph(options)
elapsed = time.perf_counter() - started
print(json.dumps({"trainers": len(trainers), "sampled": len(picked), "seconds": elapsed}))
"""


def mlmd_per_model_ms(store: Path, sample: int, hops: int) -> dict:
    python = os.environ.get("MLPROV_MLMD_PYTHON")
    if not python:
        sys.exit("set MLPROV_MLMD_PYTHON to the ml-metadata venv's python (scripts/run.sh test makes .venv-mlmd)")
    out = subprocess.run([python, "-c", MLMD_CHILD, str(store.resolve()), str(sample), str(hops)],
                         capture_output=True, text=True, check=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    measured["per_model_ms"] = 1000 * measured["seconds"] / max(1, measured["sampled"])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=300, help="Trainer executions timed with ml-metadata")
    parser.add_argument("--hops", type=int, default=8)
    parser.add_argument("--loaded", action="store_true",
                        help="the store is already loaded on the configured Neo4j: rebuild and time there")
    args = parser.parse_args()

    baseline = mlmd_per_model_ms(args.store, args.sample, args.hops)
    if args.loaded:
        with connect() as (driver, database):
            started = time.perf_counter()
            report = build(driver, database, force=True)
            build_seconds = time.perf_counter() - started
    else:
        with throwaway_server() as target, target.driver() as driver:
            load_store(args.store, driver, target.database, quiet=True)
            started = time.perf_counter()
            report = build(driver, target.database)
            build_seconds = time.perf_counter() - started
    baseline_total = baseline["per_model_ms"] * report.graphlets / 1000
    result = {
        "store": args.store.name,
        "graphlets": report.graphlets,
        "build_seconds": round(build_seconds, 1),
        "graphlets_per_s": round(report.graphlets / build_seconds),
        "step_seconds": {step: round(seconds, 1) for step, seconds in report.step_seconds.items()},
        "mlmd_lineage_ms_per_model": round(baseline["per_model_ms"], 2),
        "mlmd_sampled_models": baseline["sampled"],
        "mlmd_total_seconds_extrapolated": round(baseline_total, 1),
        "ratio": round(baseline_total / build_seconds, 1),
    }
    keep_results(f"graphlet_bench_{args.store.stem}", result)


if __name__ == "__main__":
    main()
