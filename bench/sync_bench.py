"""One day of a growing store: sync against reload, on the same server in the same run (rules §10);
and (--mariadb) the loader's throughput from MariaDB against from SQLite on the same store.

1. The synthetic corpus (--scale, default M) as it stood at the end of day D (--day) is loaded
   into a throwaway Neo4j (--bulk-first: by `load --bulk`), its graphlets built and every
   analysis table exported.
2. The store grows by one day (`corpus replay`, in place, as an orchestrator writes it). After
   --warm-days such days on the same running server (default 1; each synced, built and exported,
   their times reported apart: a daily job finds the server's plan cache holding its queries, its
   page cache holding the graph and its JVM's code compiled), the timed day's refresh path:
   `mlprov sync` (its own process: wall time and peak RSS), `graphlets build`
   (incremental: only what the sync's `Changed` marks reach, rules §11), `export` (the analyses
   run first, so the slowest tables and build steps are reported). Then, untimed, how many rows
   of each exported table the day changed: what any exact refresh has to produce again.
3. The baseline, same server, same grown store: `mlprov load --replace` (its own process), a
   full graphlet build, a full export into a fresh folder.
4. --check: the graph after 2 and after 3 have the same content fingerprint.
5. --mariadb: the full corpus store copied into a throwaway MariaDB (tests/mariadb.py; schema made
   by ml-metadata, so MLPROV_MLMD_PYTHON or .venv-mlmd is needed), then loaded from there and from
   the SQLite file, each by `mlprov load` into a fresh throwaway Neo4j.

    .venv/bin/python bench/sync_bench.py --scale M --day 60 [--check] [--mariadb] [--bulk-first]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from throwaway import free_port, keep_results, local_server, throwaway_server

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the throwaway MariaDB and the MySQL copy of tests/ (--mariadb)

from mlprov.analytics.export import export  # noqa: E402
from mlprov.analytics.graphlets import build  # noqa: E402
from mlprov.bulk_load import bulk_load  # noqa: E402
from mlprov.corpus import day_end_ms, replay  # noqa: E402
from mlprov.corpus.full_cache import cached_corpus  # noqa: E402
from mlprov.corpus.snapshot import copy_as_of  # noqa: E402
from mlprov.corpus.generate import DEFAULT_DAYS, pipeline_count  # noqa: E402
from mlprov.loader import load_store  # noqa: E402

log = logging.getLogger("sync_bench")


# The command, reporting its own peak RSS when it exits. Not the rusage of the child: Linux counts
# in a child's maxrss the image it was forked from (this process, large after writing a snapshot).
_REPORTING_PEAK = """
import atexit, os, sys
def report_peak():
    with open('/proc/self/status') as status:
        peak_kb = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(os.environ['MLPROV_BENCH_PEAK_FILE'], 'w') as out:
        out.write(peak_kb)
atexit.register(report_peak)
from mlprov.cli import main
sys.argv = ['mlprov', *sys.argv[1:]]
main()
"""


def mlprov(target, *args: str, env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Run the `mlprov` command against `target`: (stdout, wall seconds, peak RSS in MB of that process)."""
    with tempfile.TemporaryDirectory(prefix="mlprov-bench-run-") as tmp:
        peak_file = Path(tmp) / "peak"
        environment = {**os.environ, **(env or {}), "NEO4J_URI": target.uri, "NEO4J_DATABASE": target.database,
                       "MLPROV_BENCH_PEAK_FILE": str(peak_file)}
        environment.pop("NEO4J_PASSWORD", None)
        started = time.perf_counter()
        finished = subprocess.run([sys.executable, "-c", _REPORTING_PEAK, *args], env=environment,
                                  capture_output=True, text=True)
        wall = time.perf_counter() - started
        if finished.returncode != 0:
            raise SystemExit(f"mlprov {' '.join(args)} failed ({finished.returncode}):\n{finished.stderr}")
        return finished.stdout, wall, int(peak_file.read_text()) / 1024


def timed(work) -> tuple[object, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def slowest(seconds: dict[str, float], n: int = 6) -> dict[str, float]:
    """The `n` largest of `seconds` (where a step's time goes), rounded."""
    return {name: round(value, 1) for name, value in sorted(seconds.items(), key=lambda item: -item[1])[:n]}


def export_timing_tables(driver, database: str, folder: Path, report: dict, path: str):
    """`export`, reporting how long each table took, and how many pipelines of each table partitioned
    by pipeline were run again (rules §13)."""
    exported = export(driver, database, folder)
    report[f"{path}_export_tables_s"] = slowest(exported.table_seconds, n=len(exported.table_seconds))
    report[f"{path}_export_refreshed_pipelines"] = exported.refreshed
    return exported


def table_rows(folder: Path) -> dict[str, Counter]:
    """Each exported table's rows as a multiset of row hashes (read from its Parquet file)."""
    import pandas as pd

    return {path.stem: Counter(pd.util.hash_pandas_object(pd.read_parquet(path), index=False).tolist())
            for path in sorted(folder.glob("*.parquet"))}


def rows_changed(before: dict[str, Counter], folder: Path) -> dict[str, list[int]]:
    """Per table, [rows now, rows not there before (new or changed)]: what the day changed in the
    tables, so what any exact refresh has to produce again, whatever its method."""
    after = table_rows(folder)
    return {name: [sum(rows.values()), sum((rows - before.get(name, Counter())).values())]
            for name, rows in after.items()}


def prepare(args, full, live: Path, server, folder: Path) -> dict:
    """Day D loaded, built and exported; the report so far."""
    # The store only: its ground truth (write_snapshot's) would cost most of a generation at L.
    _, report_snapshot_s = timed(lambda: copy_as_of(full, live, day_end_ms(args.day)))
    report: dict = {"snapshot_s": report_snapshot_s, "store_mb_day_d": round(live.stat().st_size / 2**20, 1)}
    target = server.target()
    if args.bulk_first:
        [loaded], report["initial_load_s"] = timed(lambda: bulk_load([live], server, quiet=True))
    with target.driver() as driver:
        if not args.bulk_first:
            loaded, report["initial_load_s"] = timed(lambda: load_store(live, driver, target.database, quiet=True))
        report["rows_day_d"] = loaded.nodes + loaded.relationships
        _, report["initial_build_s"] = timed(lambda: build(driver, target.database, quiet=True))
        _, report["initial_export_s"] = timed(lambda: export(driver, target.database, folder / "export"))
    return report


def warm_days(args, corpus, live: Path, server, folder: Path) -> tuple[list[float], int]:
    """The days a scheduled job has already synced against this running server before the timed one
    (each path's seconds), and the last day synced. The server's plan cache then holds the sync's
    and the incremental build's queries, its page cache the graph they read and its JVM the code
    compiled, as for a job that runs every day against a server that keeps running (the first day
    after a start or a load pays for all three)."""
    target = server.target()
    day, earlier_days_s = args.day, []
    with target.driver() as driver:
        for _ in range(args.warm_days):
            day += 1
            replay(live, day, cache_dir=args.cache_dir, progress=None, **corpus)
            _, sync_s, _ = mlprov(target, "sync", str(live), "--quiet")
            _, build_s = timed(lambda: build(driver, target.database, quiet=True))
            _, export_s = timed(lambda: export(driver, target.database, folder / "export"))
            earlier_days_s.append(round(sync_s + build_s + export_s, 1))
            log.info("warm day %d: %.1f s", day, earlier_days_s[-1])
    return earlier_days_s, day


# What --workdir keeps of a prepared run, beside the report so far: the store, the export folder and
# the server's data (copied while the server is stopped).
_KEPT = ("live", "export", "neo4j/data")


def prepared(args, full, live: Path, server, folder: Path) -> dict:
    """`prepare` on a started server, or with --workdir what an earlier run of the same arguments
    prepared there (so the timed day and the baseline can be run again, with newer code, without
    the hour L takes to prepare); the server is left running, except with --prepare-only. The warm
    days are not kept: they run on the server that times the day (`warm_days`)."""
    if args.workdir is None:
        server.start()
        return prepare(args, full, live, server, folder)
    kept = args.workdir / "prepared"
    recorded = kept / "report.json"
    key = {"scale": args.scale, "seed": args.seed, "day": args.day, "bulk_first": args.bulk_first}
    saved = json.loads(recorded.read_text()) if recorded.is_file() else None
    if saved is not None and saved["key"] == key:
        log.info("restoring the run prepared in %s", kept)
        for part in _KEPT:
            shutil.rmtree(folder / part, ignore_errors=True)
            shutil.copytree(kept / part, folder / part)
        if not args.prepare_only:
            server.start()
        return saved["report"]
    server.start()
    report = prepare(args, full, live, server, folder)
    server.stop()
    shutil.rmtree(kept, ignore_errors=True)
    for part in _KEPT:
        shutil.copytree(folder / part, kept / part)
    recorded.write_text(json.dumps({"key": key, "report": report}))
    if not args.prepare_only:
        server.start()
    return report


def sync_against_reload(args, corpus, full, folder: Path) -> dict:
    live = folder / "live" / f"corpus_{args.scale.lower()}.sqlite"
    live.parent.mkdir(parents=True, exist_ok=True)
    server = local_server(folder / "neo4j")
    try:
        report = prepared(args, full, live, server, folder)
        if args.prepare_only:
            return report
        report["earlier_days_path_s"], day = warm_days(args, corpus, live, server, folder)
        target = server.target()
        driver = target.driver()
        grown, report["replay_s"] = timed(lambda: replay(live, day + 1, cache_dir=args.cache_dir, progress=None,
                                                         **corpus))
        report["day_timed"] = day + 1
        report["rows_replayed"] = grown.inserted + grown.updated
        # What the command holds before doing anything (its imports), beside the sync's peak.
        _, _, report["command_idle_rss_mb"] = mlprov(target, "queries", "list")
        synced, report["sync_s"], report["sync_peak_rss_mb"] = mlprov(target, "sync", str(live), "--quiet")
        report["sync_summary"] = synced.strip()
        built, report["sync_build_s"] = timed(lambda: build(driver, target.database, quiet=True))
        report["sync_build_graphlets"] = built.graphlets
        report["sync_build_mode"] = ",".join(sorted(set(built.modes.values())))
        report["sync_build_touched"] = {key: value for touched in built.touched.values()
                                        for key, value in touched.items()}
        report["sync_build_slowest"] = slowest(built.step_seconds)
        before_day = table_rows(folder / "export")
        exported, report["sync_export_s"] = timed(lambda: export_timing_tables(driver, target.database,
                                                                               folder / "export", report, "sync"))
        report["sync_export_tables"] = len(exported.written)
        # Outside the timed export: the rows the day changed, table by table ([rows, new or changed]).
        report["day_rows_changed"] = rows_changed(before_day, folder / "export")
        report["sync_path_s"] = report["sync_s"] + report["sync_build_s"] + report["sync_export_s"]
        log.info("the day's sync path, before the full path's baseline: %s", report)
        if args.check:
            from scripts.graph_fingerprint import fingerprint

            after_sync = fingerprint(driver, target.database)["*"]

        reloaded, report["replace_s"], report["replace_peak_rss_mb"] = mlprov(target, "load", str(live), "--replace",
                                                                              "--quiet")
        report["replace_summary"] = reloaded.strip()
        rebuilt, report["replace_build_s"] = timed(lambda: build(driver, target.database, quiet=True))
        report["replace_build_slowest"] = slowest(rebuilt.step_seconds)
        _, report["replace_export_s"] = timed(lambda: export_timing_tables(driver, target.database,
                                                                           folder / "export-full", report, "replace"))
        report["replace_path_s"] = report["replace_s"] + report["replace_build_s"] + report["replace_export_s"]
        if args.check:
            report["same_graph"] = after_sync == fingerprint(driver, target.database)["*"]
        driver.close()
    finally:
        server.stop()
    report["sync_vs_replace"] = round(report["replace_s"] / report["sync_s"], 1)
    report["path_ratio"] = round(report["replace_path_s"] / report["sync_path_s"], 1)
    return report


def mariadb_against_sqlite(args, corpus_store: Path, folder: Path) -> dict:
    from tests.mariadb import MariaDbServer
    from tests.mlmd_mysql_copy import copy_rows, prepare_with_mlmd, replicate

    server = MariaDbServer(folder / "mariadb", free_port())
    (folder / "mariadb").mkdir()
    server.start()
    try:
        log.info("copying %s into MariaDB", corpus_store)
        prepare_with_mlmd(server, [("mlmd_v10", 10)])
        replicate(server, "mlmd_v10", "corpus")
        _, copy_s = timed(lambda: copy_rows(corpus_store, server, "corpus"))
        reader = {"MLPROV_MYSQL_PASSWORD": server.reader.password}
        rates = {}
        for engine, location in (("sqlite", str(corpus_store)), ("mariadb", server.location("corpus"))):
            with throwaway_server() as target:
                log.info("loading from %s", engine)
                summary, wall, peak = mlprov(target, "load", location, "--source-name", "corpus", "--quiet",
                                              env=reader)
                fields = summary.strip().split("\t")
                rows = int(fields[2].split()[0]) + int(fields[3].split()[0])
                seconds = float(fields[5].rstrip("s"))
                rates[engine] = {"rows": rows, "load_s": seconds, "wall_s": round(wall, 1),
                                 "per_s": round(rows / seconds), "peak_rss_mb": round(peak, 1)}
    finally:
        server.stop()
    return {"mariadb_copy_s": round(copy_s, 1), "load_sqlite": rates["sqlite"], "load_mariadb": rates["mariadb"],
            "mariadb_vs_sqlite_time": round(rates["mariadb"]["load_s"] / rates["sqlite"]["load_s"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["S", "M", "L"], default="M")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--day", type=int, default=60, help="the day the store is loaded as of; it grows by one")
    parser.add_argument("--cache-dir", type=Path, default=None, help="the full corpus cache (default: the usual one)")
    parser.add_argument("--check", action="store_true", help="compare the graphs of the two paths")
    parser.add_argument("--warm-days", type=int, default=1,
                        help="days synced, built and exported (and timed apart) before the day that is timed against "
                             "the full path, as a daily job has done before on the same running server (0: time the "
                             "first day after the load, or with --workdir after the server's start)")
    parser.add_argument("--mariadb", action="store_true", help="also time loading the full store from MariaDB")
    parser.add_argument("--bulk-first", action="store_true",
                        help="load day D with `load --bulk` (not measured against anything; saves time at L)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep day D as prepared (store, server data, exports) in WORKDIR/prepared, and reuse "
                             "it in a later run with the same arguments (the warm days run again there)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="with --workdir: prepare (or restore) the run, then stop before the timed day")
    args = parser.parse_args()
    if args.prepare_only and args.workdir is None:
        parser.error("--prepare-only keeps its work in --workdir: give one")
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    corpus = {"scale": args.scale, "seed": args.seed}
    full = cached_corpus(pipeline_count(None, args.scale, DEFAULT_DAYS), DEFAULT_DAYS, args.seed, args.cache_dir,
                         lambda message: log.info("%s", message))
    report: dict = {"scale": args.scale, "day": args.day}
    with tempfile.TemporaryDirectory(prefix="mlprov-sync-bench-") as tmp:
        # With --workdir the run's folder is the same every time (a source records its store's path).
        folder = Path(tmp) if args.workdir is None else args.workdir / "run"
        if args.workdir is not None:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        report.update(sync_against_reload(args, corpus, full, folder))
        if args.mariadb:
            report.update(mariadb_against_sqlite(args, full.store, Path(tmp)))
    keep_results(f"sync_bench_{args.scale.lower()}", {key: round(value, 1) if isinstance(value, float) else value
                                for key, value in report.items()})


if __name__ == "__main__":
    main()
