"""The bulk load's import files, written by two worker processes that each read part of the store
in a read transaction of their own: the same bytes as one process writes, and when the store
changed under them (or a waiting writer kept them out), the files of the parent's own snapshot."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from mlprov import bulk_load
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import READING_TABLES, GraphStream
from mlprov.loader.import_files_sink import ImportFilesSink
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill
from mlprov.loader.store_state import read_state
from tests.helpers import store


def one_process(path, folder):
    """What one process writes from `path`: file bytes by kind (files with rows), and the tallies."""
    opened = mlmd.open_store(path)
    try:
        node = {"name": "s", **read_state(opened).facts(), "status": "loading"}
        sink = ImportFilesSink(folder, opened.identity.location, node)
        try:
            written = fill(sink, GraphStream(opened, "s", default_map()), quiet=True)
        finally:
            sink.close()
    finally:
        opened.close()
    return by_kind(sink.files), written


def by_kind(files) -> dict[str, bytes]:
    return {f.kind: f.path.read_bytes() for f in files if f.rows}


def in_workers(path, folder):
    written = bulk_load._write_files(path, "s", folder, default_map(), quiet=True)
    return by_kind(written.files), written.result


def damaged(tmp_path):
    """A real store with rows that point at deleted rows, which the reader skips and counts."""
    copy = tmp_path / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 11)")
        conn.execute("DELETE FROM Execution WHERE id = 2")
    conn.close()
    return copy


def test_the_workers_split_every_reading_between_them_once():
    split = [label for labels in bulk_load.WORKER_READINGS for label in labels]
    assert sorted(split) == sorted(READING_TABLES)
    # Executions need the pipeline contexts, read by the same worker before them.
    first = bulk_load.WORKER_READINGS[0]
    assert first.index("contexts") < first.index("executions")


@pytest.mark.parametrize("name", ["Syahrrulll", "penguin-transform", "damaged"])
def test_two_workers_write_the_bytes_one_process_writes(tmp_path, name):
    path = damaged(tmp_path) if name == "damaged" else store(name)
    expected, tallies = one_process(path, tmp_path / "one")
    files, result = in_workers(path, tmp_path / "two")
    assert files == expected
    assert (result.nodes, result.relationships, result.skipped) == (tallies.nodes, tallies.relationships,
                                                                    tallies.skipped)
    if name == "damaged":
        assert sum(result.skipped.values()) > 0
    # Each kind comes from one worker: every reading is in one part, and the Source node in the first.
    assert {"Source", "Execution", "INPUT", "ATTRIBUTED_TO"} <= set(files)


def store_written_under_the_workers(monkeypatch, write):
    """Make `write()` run after the parent has read the store's state, just before the workers start."""
    real = bulk_load._write_in_workers

    def after_writing(*args, **kwargs):
        write()
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_load, "_write_in_workers", after_writing)


LATER = ("UPDATE Execution SET last_update_time_since_epoch = last_update_time_since_epoch + 86400000 "
         "WHERE id = (SELECT min(id) FROM Execution)")


def test_a_store_that_changed_before_the_workers_read_it_is_written_from_the_parents_snapshot(
        tmp_path, monkeypatch, caplog):
    path = tmp_path / "live.sqlite"
    shutil.copy(store("penguin-tfma"), path)
    with sqlite3.connect(path) as conn:
        # Write-ahead logging lets a writer commit while the parent's read transaction is open.
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.close()
    expected, _ = one_process(path, tmp_path / "before")

    def commit_a_change():
        with sqlite3.connect(path) as writer:
            writer.execute(LATER)
        writer.close()

    store_written_under_the_workers(monkeypatch, commit_a_change)
    with caplog.at_level(logging.WARNING, logger="mlprov.bulk_load"):
        files, _ = in_workers(path, tmp_path / "two")
    assert "the store changed" in caplog.text and "one process" in caplog.text
    assert files == expected
    changed, _ = one_process(path, tmp_path / "after")
    assert changed != expected  # the change shows in the files, so the equality above is the snapshot's


def test_a_writer_waiting_to_commit_makes_the_parent_read_alone(tmp_path, monkeypatch, caplog):
    path = tmp_path / "busy.sqlite"
    shutil.copy(store("penguin-tfma"), path)
    expected, _ = one_process(path, tmp_path / "before")
    waiting = threading.Event()
    outcome: list = []

    def writer():
        # Rollback journal (SQLite's default): the commit waits for the parent's read to end, and
        # while it waits no new reader may start.
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(LATER)
            waiting.set()
            conn.execute("COMMIT")
            outcome.append("committed")
        except sqlite3.Error as exc:
            outcome.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)

    def start_the_writer():
        thread.start()
        assert waiting.wait(10)
        time.sleep(1.0)  # the COMMIT is now waiting for the parent's shared lock

    store_written_under_the_workers(monkeypatch, start_the_writer)
    with caplog.at_level(logging.WARNING, logger="mlprov.bulk_load"):
        files, _ = in_workers(path, tmp_path / "two")
    thread.join(60)
    assert "kept a second reader out" in caplog.text
    assert files == expected
    assert outcome == ["committed"]  # the writer went on once the parent's read ended


def test_a_workers_peak_rss_is_its_own_not_its_parents(tmp_path):
    """Linux keeps ru_maxrss across exec: a spawned worker of a parent that once held 400 MB would
    report 400 MB. The peak the bulk load logs for each worker is the worker's own."""
    script = (
        "import multiprocessing, resource\n"
        "from mlprov import bulk_load\n"
        "if __name__ == '__main__':\n"
        "    held = bytearray(400 * 1024 * 1024); held[::4096] = b'x' * len(held[::4096]); del held\n"
        "    with multiprocessing.get_context('spawn').Pool(1) as pool:\n"
        "        own = pool.apply(bulk_load._peak_rss_mb)\n"
        "        inherited = pool.apply(resource.getrusage, (resource.RUSAGE_SELF,)).ru_maxrss / 1024\n"
        "    print(own, inherited)\n")
    (tmp_path / "peak.py").write_text(script)
    out = subprocess.run([sys.executable, str(tmp_path / "peak.py")], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout
    own, inherited = map(float, out.split())
    assert inherited > 400
    assert 0 < own < 250
