"""`mlprov export`: incremental (unchanged tables are not rewritten, a load refreshes them), atomic
and serialised (concurrent exports and a concurrent load never leave a partial file), and the exit
codes a scheduler acts on (3: locked, 4: a source is loading)."""

from __future__ import annotations

import threading

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlprov.analytics.export import (EXIT_BUSY, EXIT_LOCKED, STATE_FILE, GraphBusyError, export,
                                     folder_lock)
from mlprov.analytics.graphlets import build
from mlprov.loader import load_store
from mlprov.loader.load import default_source_name
from tests.helpers import fresh_graph, run_cli, store

pytestmark = pytest.mark.integration

FIRST = ("penguin-tfma", "penguin-transform")
LATER = "Syahrrulll"


@pytest.fixture(scope="module")
def graph(neo4j_target):
    """The session's throwaway server with two small real stores, graphlets built."""
    fresh_graph(neo4j_target, [store(fragment) for fragment in FIRST])
    return neo4j_target


def run_export(target, output, **options):
    with target.driver() as driver:
        return export(driver, target.database, output, **options)


def file_versions(folder) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.suffix in (".csv", ".parquet")}


def assert_every_file_parses(folder) -> None:
    assert not list(folder.glob(".*.tmp")), "temporary files left behind"
    for path in folder.glob("*.csv"):
        pd.read_csv(path)
    for path in folder.glob("*.parquet"):
        pq.read_table(path)


def test_second_run_rewrites_nothing_and_a_load_refreshes(graph, tmp_path):
    first = run_export(graph, tmp_path)
    assert first.written and not first.unchanged
    assert (tmp_path / STATE_FILE).exists()
    before = file_versions(tmp_path)
    assert len(before) == 2 * len(first.written)

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
    assert sorted(refreshed.written) == sorted(first.written)
    summary = pd.read_parquet(tmp_path / "corpus_summary.parquet")
    assert default_source_name(store(LATER)) in set(summary["source"])


def test_only_and_formats(graph, tmp_path):
    result = run_export(graph, tmp_path, only=["waste_total", "outcome_share"], formats=["csv"])
    assert sorted(result.written) == ["outcome_share", "waste_total"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["outcome_share.csv", "waste_total.csv"]
    with_parquet = run_export(graph, tmp_path, only=["waste_total"], formats=["csv", "parquet"])
    assert with_parquet.written == ["waste_total"]


def test_concurrent_exports_never_leave_a_partial_file(graph, tmp_path):
    errors: list[BaseException] = []
    stop = threading.Event()

    def exporter():
        try:
            for _ in range(2):
                run_export(graph, tmp_path, force=True, wait=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    def reader():
        while not stop.is_set():
            try:
                for path in list(tmp_path.glob("*.csv")):
                    pd.read_csv(path)
                for path in list(tmp_path.glob("*.parquet")):
                    pq.read_table(path)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

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
    assert_every_file_parses(tmp_path)


def test_export_during_a_load_writes_whole_files_or_reports_busy(graph, tmp_path):
    outcomes: list[object] = []

    def loader():
        with graph.driver() as driver:
            load_store(store("penguin-simple_tfx"), driver, graph.database, quiet=True)

    thread = threading.Thread(target=loader)
    thread.start()
    while thread.is_alive():
        try:
            outcomes.append(run_export(graph, tmp_path, wait=True))
        except GraphBusyError as exc:
            outcomes.append(exc)
    thread.join()
    outcomes.append(run_export(graph, tmp_path, wait=True))
    assert not isinstance(outcomes[-1], GraphBusyError)
    assert_every_file_parses(tmp_path)


def test_exit_codes_for_a_held_lock_and_a_loading_source(graph, tmp_path):
    with folder_lock(tmp_path, wait=False):
        locked = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total")
    assert locked.returncode == EXIT_LOCKED, locked.stderr
    assert "another export" in locked.stderr

    source = default_source_name(store(FIRST[0]))
    with graph.driver() as driver:
        driver.execute_query("MATCH (s:Source {name: $source}) SET s.status = 'loading'", source=source,
                             database_=graph.database)
        try:
            busy = run_cli(graph, "export", "--output", str(tmp_path), "--only", "waste_total")
        finally:
            driver.execute_query("MATCH (s:Source {name: $source}) SET s.status = 'loaded'", source=source,
                                 database_=graph.database)
    assert busy.returncode == EXIT_BUSY, busy.stderr
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
