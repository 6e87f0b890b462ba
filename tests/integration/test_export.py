"""`mlprov export`: incremental (unchanged tables are not rewritten, a load refreshes them), atomic
and serialised (concurrent exports and a concurrent load never leave a partial file), and the exit
codes a scheduler acts on (3: locked, 4: a source is loading)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlprov.analytics.export import EXIT_BUSY, EXIT_LOCKED, EXIT_STUCK, STATE_FILE, export, folder_lock
from mlprov.core.workers import STALE_AFTER_SECONDS, this_worker
from mlprov.analytics.graphlets import build
from mlprov.analytics.tables import analysis_queries, stem
from mlprov.corpus import generate
from mlprov.loader import load_store
from mlprov.loader.load import default_source_name
from tests.helpers import cli_env, fresh_graph, run_cli, sql_count, store

pytestmark = pytest.mark.integration

FIRST = ("penguin-tfma", "penguin-transform")
LATER = "Syahrrulll"
ALL_TABLES = sorted(stem(q) for q in analysis_queries())


@pytest.fixture(scope="module")
def graph(neo4j_target):
    """The session's throwaway server with two small real stores, graphlets built."""
    fresh_graph(neo4j_target, [store(fragment) for fragment in FIRST])
    return neo4j_target


def run_export(target, output, **options):
    with target.driver() as driver:
        return export(driver, target.database, output, **options)


def tables_in(folder) -> list:
    """The exported table files in `folder` (not the state, lock or temporary files)."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith("."))


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(ended.stdout)


def expected_files(tables, formats=("csv", "parquet")) -> set[str]:
    return {f"{table}.{fmt}" for table in tables for fmt in formats}


def file_versions(folder) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in tables_in(folder)}


def assert_every_file_parses(folder, tables, formats=("csv", "parquet")) -> None:
    """Exactly the files of `tables` are there, no temporary file is left, and every one parses."""
    assert not list(folder.glob(".*.tmp")), "temporary files left behind"
    files = tables_in(folder)
    assert {p.name for p in files} == expected_files(tables, formats)
    for path in files:
        pd.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)


def source_state(target, name: str) -> tuple[str | None, int]:
    """The Source's status and how many of its artifacts, executions and contexts are in the graph."""
    with target.driver() as driver:
        records, _, _ = driver.execute_query(
            "OPTIONAL MATCH (s:Source {name: $name}) "
            "RETURN s.status AS status, COUNT { MATCH (n) WHERE n.source = $name "
            "AND (n:Artifact OR n:Execution OR n:Context) } AS nodes", name=name, database_=target.database)
    return records[0]["status"], records[0]["nodes"]


def wait_for_no_running_query(target, timeout_s: float = 60.0) -> None:
    """Wait until no other transaction is running a query. A loader stopped (SIGSTOP) right after
    sending a batch still has that batch committed by the server: the graph only stops changing once
    it is done (on a busy machine that can take a while)."""
    deadline = time.monotonic() + timeout_s
    with target.driver() as driver:
        while True:
            records, _, _ = driver.execute_query(
                "SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery <> '' "
                "AND NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' RETURN count(*) AS running",
                database_=target.database)
            if records[0]["running"] == 0:
                return
            assert time.monotonic() < deadline, "a query of the stopped loader was still running"
            time.sleep(0.05)


def source_facts(target, name: str) -> dict:
    with target.driver() as driver:
        records, _, _ = driver.execute_query("MATCH (s:Source {name: $name}) RETURN properties(s) AS facts",
                                             name=name, database_=target.database)
    assert len(records) == 1, records
    return records[0]["facts"]


def test_second_run_rewrites_nothing_and_a_load_refreshes(graph, tmp_path):
    first = run_export(graph, tmp_path)
    assert sorted(first.written) == ALL_TABLES and first.unchanged == []
    assert (tmp_path / STATE_FILE).exists()
    assert_every_file_parses(tmp_path, ALL_TABLES)
    before = file_versions(tmp_path)

    second = run_export(graph, tmp_path)
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)
    assert file_versions(tmp_path) == before

    (tmp_path / "outcome_share.csv").unlink()
    repaired = run_export(graph, tmp_path)
    assert repaired.written == ["outcome_share"]

    with graph.driver() as driver:
        load_store(store(LATER), driver, graph.database, quiet=True)
        build(driver, graph.database, quiet=True)
    refreshed = run_export(graph, tmp_path)
    assert sorted(refreshed.written) == ALL_TABLES
    summary = pd.read_parquet(tmp_path / "corpus_summary.parquet")
    assert default_source_name(store(LATER)) in set(summary["source"])
    # The tables partitioned by pipeline kept the first sources' rows and ran the new source whole
    # (rules §13), and every file is what a whole export writes.
    partitioned = {stem(q) for q in analysis_queries() if q.partition}
    assert set(refreshed.refreshed) == partitioned and set(refreshed.refreshed.values()) == {None}
    assert_same_files(tmp_path, run_export(graph, tmp_path / "whole").output)


def assert_same_files(folder, whole) -> None:
    differ = [path.name for path in tables_in(whole) if path.read_bytes() != (folder / path.name).read_bytes()]
    assert tables_in(whole) and not differ, differ


def test_only_and_formats(graph, tmp_path):
    result = run_export(graph, tmp_path, only=["waste_total", "outcome_share"], formats=["csv"])
    assert sorted(result.written) == ["outcome_share", "waste_total"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["outcome_share.csv", "waste_total.csv"]
    with_parquet = run_export(graph, tmp_path, only=["waste_total"], formats=["csv", "parquet"])
    assert with_parquet.written == ["waste_total"]


def test_concurrent_exports_never_leave_a_partial_file(graph, tmp_path):
    # Every export of this unchanged graph writes the same bytes, so a file a reader sees is whole
    # exactly when it equals the first export's file; a half-written one cannot.
    run_export(graph, tmp_path)
    whole = {path.name: path.read_bytes() for path in tables_in(tmp_path)}
    assert set(whole) == expected_files(ALL_TABLES)
    errors: list[BaseException] = []
    exports: list[tuple[float, float]] = []
    reads: list[tuple[float, float, str, bytes]] = []
    stop = threading.Event()

    def exporter():
        try:
            for _ in range(2):
                started = time.monotonic()
                run_export(graph, tmp_path, force=True, wait=True)
                exports.append((started, time.monotonic()))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    def reader():
        while not stop.is_set():
            for path in tables_in(tmp_path):
                started = time.monotonic()
                data = path.read_bytes()
                reads.append((started, time.monotonic(), path.name, data))

    threads = [threading.Thread(target=exporter) for _ in range(2)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    assert errors == []
    assert len(exports) == 4
    # The reader read while the exports were rewriting the files, not only before or after them.
    during = [(name, data) for started, ended, name, data in reads
              if any(begin <= started and ended <= end for begin, end in exports)]
    assert len(during) >= len(whole), f"only {len(during)} of {len(reads)} reads overlapped an export"
    partial = sorted({name for name, data in during if data != whole[name]})
    assert partial == [], f"read partial or different files: {partial}"
    assert {name for name, _ in during} & {name for name in whole if name.endswith(".csv")}
    assert {name for name, _ in during} & {name for name in whole if name.endswith(".parquet")}
    assert_every_file_parses(tmp_path, ALL_TABLES)


def test_export_during_a_load_reports_busy_then_refreshes(graph, tmp_path):
    """An export that runs while a store is half loaded exits 4 and writes nothing; the next one,
    after the load, refreshes every table with the new source (README, Scheduled exports).

    The loader is the real `mlprov load`, paused (SIGSTOP) once it has written part of the store, so
    that the overlap does not hang on the machine's speed; the overlap is then observed from both
    sides: the Source's status and node count before and after the export, the loader process still
    running when the export ends, and the loader's own `loaded_at` after the export began."""
    corpus = generate(tmp_path / "loading_corpus.sqlite", pipelines=2, days=10, seed=3, progress=None).store
    name = default_source_name(corpus)
    expected_nodes = sql_count(corpus, "SELECT (SELECT count(*) FROM Artifact) + (SELECT count(*) FROM Execution)"
                                       " + (SELECT count(*) FROM Context)")
    output = tmp_path / "exports"
    before = run_cli(graph, "export", "--output", str(output), "--quiet")
    assert before.returncode == 0, before.stderr
    exported = file_versions(output)
    assert set(exported) == expected_files(ALL_TABLES)

    load_started = time.monotonic()
    loader = subprocess.Popen([sys.executable, "-m", "mlprov", "load", str(corpus), "--batch-size", "50", "--quiet"],
                              env=cli_env(graph), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert loader.poll() is None and time.monotonic() < deadline, "the load ended before it was seen half-way"
            status, nodes = source_state(graph, name)
            if status == "loading" and nodes > 0:
                break
            time.sleep(0.05)
        os.kill(loader.pid, signal.SIGSTOP)
        seen_loading = time.monotonic()
        wait_for_no_running_query(graph)
        status_before, nodes_before = source_state(graph, name)
        export_wall = datetime.now(timezone.utc).replace(microsecond=0)
        export_started = time.monotonic()
        during = run_cli(graph, "export", "--output", str(output))
        export_ended = time.monotonic()
        status_after, nodes_after = source_state(graph, name)
        loader_running = loader.poll() is None
    finally:
        os.kill(loader.pid, signal.SIGCONT)
    _, load_stderr = loader.communicate(timeout=300)
    load_ended = time.monotonic()
    assert loader.returncode == 0, load_stderr

    # The overlap, as both sides saw it.
    assert load_started < seen_loading <= export_started < export_ended < load_ended
    assert loader_running, "the loader had exited before the export ended"
    assert status_before == status_after == "loading"
    assert 0 < nodes_before == nodes_after < expected_nodes
    loaded_at = source_facts(graph, name)["loaded_at"]
    assert datetime.fromisoformat(loaded_at) >= export_wall, (loaded_at, export_wall)
    # What the export did about it: exit 4 naming the loading source, and nothing written.
    assert during.returncode == EXIT_BUSY, during.stderr
    errors = [line for line in during.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{name} (loading)" in errors[0], during.stderr
    assert file_versions(output) == exported
    assert_every_file_parses(output, ALL_TABLES)

    # The next export, after the load, refreshes every table with the loaded source.
    assert source_state(graph, name) == ("loaded", expected_nodes)
    after = run_cli(graph, "export", "--output", str(output), "--quiet")
    assert after.returncode == 0, after.stderr
    refreshed = file_versions(output)
    assert set(refreshed) == set(exported) and all(refreshed[f] != exported[f] for f in exported)
    summary = pd.read_parquet(output / "corpus_summary.parquet").set_index("source")
    assert summary.loc[name, "status"] == "loaded"
    assert summary.loc[name, "executions"] == sql_count(corpus, "SELECT count(*) FROM Execution")
    assert_every_file_parses(output, ALL_TABLES)


def test_exit_codes_for_a_held_lock_and_a_loading_source(graph, tmp_path):
    with folder_lock(tmp_path, wait=False):
        locked = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total")
    assert locked.returncode == EXIT_LOCKED, locked.stderr
    assert "another export" in locked.stderr

    source = default_source_name(store(FIRST[0]))
    # A load in progress: the worker that marked the source is alive (this test's own process) and
    # its heartbeat fresh. A marker no live worker keeps is a stuck source (rules §13).
    elsewhere = json.dumps({"host": "another-host", "boot": 1, "pid": 1, "started": 1.0})
    markers = [
        (this_worker(), 0, EXIT_BUSY, f"{source} (loading)"),
        (elsewhere, 0, EXIT_BUSY, f"{source} (loading)"),
        (None, None, EXIT_STUCK, f"{source} (loading; no live load or sync keeps its marker): run `mlprov load "),
        (elsewhere, int(STALE_AFTER_SECONDS * 1000) + 60_000, EXIT_STUCK, f"{source} (loading; pid 1 on another-host sent no heartbeat"),
        (json.dumps({**json.loads(this_worker()), "pid": dead_pid()}), 0, EXIT_STUCK, "is gone): run `mlprov load "),
    ]
    for worker, age_ms, code, named in markers:
        with graph.driver() as driver:
            driver.execute_query("MATCH (s:Source {name: $source}) SET s.status = 'loading', s.worker = $worker, "
                                 "s.heartbeat_at = timestamp() - $age", source=source, worker=worker, age=age_ms,
                                 database_=graph.database)
            try:
                refused = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total")
            finally:
                driver.execute_query("MATCH (s:Source {name: $source}) SET s.status = 'loaded' "
                                     "REMOVE s.worker, s.heartbeat_at", source=source, database_=graph.database)
        assert refused.returncode == code, (worker, age_ms, refused.stderr)
        errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and named in errors[0], (worker, age_ms, refused.stderr)
        assert not (tmp_path / "waste_total.csv").exists()
    # A graphlet build under way (or one that died) is busy too.
    with graph.driver() as driver:
        driver.execute_query("MATCH (s:Source {name: $source}) SET s.graphlets_status = 'building'",
                             source=source, database_=graph.database)
        try:
            building = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total")
        finally:
            driver.execute_query("MATCH (s:Source {name: $source}) SET s.graphlets_status = 'built'",
                                 source=source, database_=graph.database)
    assert building.returncode == EXIT_BUSY and "being built" in building.stderr, building.stderr
    assert not (tmp_path / "waste_total.csv").exists()
    ok = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total", "--format", "csv")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "waste_total.csv").exists()


def test_tables_already_run_are_exported_without_running_them_again(graph, tmp_path, monkeypatch):
    """The demo runs the analyses once for the report and the export: handed the tables, the export
    writes the same files and fingerprints as running them itself, and runs no analysis."""
    import json

    import mlprov.analytics.export as export_module
    from mlprov.analytics.tables import run_tables

    with graph.driver() as driver:
        tables = run_tables(driver, graph.database)
        scoped = run_tables(driver, graph.database, source=default_source_name(store(FIRST[0])))
    reference = run_export(graph, tmp_path / "ran")

    ran: list[str] = []
    real_run_table = export_module.run_table
    monkeypatch.setattr(export_module, "run_table",
                        lambda driver, database, query, **kw: ran.append(query.name) or real_run_table(driver, database, query, **kw))
    shared = run_export(graph, tmp_path / "shared", tables=tables)
    assert ran == []
    assert sorted(shared.written) == sorted(reference.written)
    state = {p: json.loads((tmp_path / p / STATE_FILE).read_text())["tables"] for p in ("ran", "shared")}
    assert {n: t["fingerprint"] for n, t in state["ran"].items()} == {n: t["fingerprint"] for n, t in state["shared"].items()}
    for name in reference.written:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ran" / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "shared" / f"{name}.parquet"))

    # tables of one source are not what the export (every source) writes: it runs its own
    run_export(graph, tmp_path / "scoped", tables=scoped)
    assert sorted(ran) == sorted(t.query.name for t in scoped.values() if "source" in t.query.params)
