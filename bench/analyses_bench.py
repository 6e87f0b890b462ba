"""Analyses + report benchmark: every analysis query and the whole HTML report on one corpus.

Loads the corpus store into the Neo4j at NEO4J_URI (or the local server) if it is not loaded yet,
builds its graphlets if needed, then times each analysis (restricted to the corpus's source) and
`write_report` drawing from those same tables (figures, pipeline pages and HTML: the report and the
export share one run of the analyses). Prints a table; with --json, also the numbers as JSON.

    NEO4J_URI=bolt://127.0.0.1:27687 .venv/bin/python bench/analyses_bench.py out/bench-corpus/S/corpus_s.sqlite
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from mlprov.analytics.graphlets import build
from mlprov.analytics.report import write_report
from mlprov.analytics.tables import run_tables
from mlprov.server.locate import connect
from mlprov.loader import load_store
from mlprov.loader.load import default_source_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="corpus MLMD SQLite store (S, M or L)")
    parser.add_argument("--report-dir", type=Path, default=None, help="where to write the report (default: a temp folder)")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()
    source = default_source_name(args.store)

    with connect() as (driver, database):
        started = time.perf_counter()
        load_store(args.store, driver, database, quiet=True)
        build(driver, database, quiet=True)
        prepare = time.perf_counter() - started

        started = time.perf_counter()
        tables = run_tables(driver, database, source=source)
        analyses = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as scratch:
            report = write_report(driver, database, args.report_dir or Path(scratch), source=source, tables=tables)

    width = max(len(name) for name in tables)
    print(f"corpus {args.store} (source {source}); load/build if needed: {prepare:.1f}s")
    print(f"{'analysis':<{width}}  {'rows':>9}  {'seconds':>8}")
    for name, table in tables.items():
        print(f"{name:<{width}}  {len(table.frame):>9,}  {table.seconds:>8.2f}")
    graphlets = int(tables["outcome_share"].frame["graphlets"].sum())
    print(f"{'all analyses':<{width}}  {graphlets:>9,}  {analyses:>8.2f}   (rows: graphlets)")
    print(f"{'report (figures, pipeline pages, HTML)':<{width}}  {'':>9}  {report.seconds:>8.2f}")
    print(f"{'analyses + report':<{width}}  {'':>9}  {analyses + report.seconds:>8.2f}")
    if args.json:
        print(json.dumps({"store": str(args.store), "source": source, "graphlets": graphlets,
                          "analyses_seconds": round(analyses, 2), "report_seconds": round(report.seconds, 2),
                          "per_analysis": {n: round(t.seconds, 3) for n, t in tables.items()}}))


if __name__ == "__main__":
    main()
