"""An interrupted `mlprov load --replace` (rules §13): killed with SIGKILL, or its server stopped,
during the phase that deletes the old nodes. Afterwards the source is `loading` (never `loaded` with
part of its nodes), its graphlets are not `built`, the server has stopped deleting, an export
refuses with the stuck code naming the source, and running the same command again gives the graph a
clean load gives (content fingerprint, scripts/graph_fingerprint.py).

The store is large enough that deleting it takes many transactions even at the server's own
batching (more than 10,000 nodes), so the delete phase can be seen from outside: the old nodes carry
a label `Old` put there by the test, and the phase is the moment some of them are gone while none of
the new ones is written yet."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from mlprov.analytics.export import EXIT_STUCK
from mlprov.corpus import generate
from scripts.graph_fingerprint import fingerprint
from tests.helpers import cli_env

pytestmark = pytest.mark.integration

NODES = ("MATCH (n) WHERE n.source = $source AND (n:Artifact OR n:Execution OR n:Context OR n:Pipeline OR n:Graphlet) "
         "RETURN count(n) AS n, count(CASE WHEN n:Old THEN 1 END) AS old")
SOURCE = ("MATCH (s:Source {name: $source}) RETURN s.status AS status, s.graphlets_status AS graphlets, "
          "s.worker AS worker")
BATCH = "300"


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("replace") / "replaced.sqlite", pipelines=24, days=120, seed=5,
                    progress=None).store


def _one(target, query: str, **params) -> dict:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(query, params, database_=target.database)
    return dict(records[0]) if records else {}


def _cli(target, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlprov", *args], env=cli_env(target), capture_output=True,
                          text=True, timeout=900)


def _fingerprint(target) -> dict[str, str]:
    with target.driver() as driver:
        return fingerprint(driver, target.database)


def _start_replace_and_wait_for_the_delete_phase(target, store, source: str, total: int) -> subprocess.Popen:
    """Mark the old nodes `Old`, start `load --replace`, and return once it is deleting: some old
    nodes gone, none of the new ones written, the loader still running."""
    with target.driver() as driver, driver.session(database=target.database) as session:
        session.run("MATCH (n) WHERE n.source = $source SET n:Old", source=source).consume()
    loader = subprocess.Popen([sys.executable, "-m", "mlprov", "load", "--replace", str(store), "--batch-size", BATCH],
                              env=cli_env(target), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while True:
        assert loader.poll() is None, f"the replace ended before its delete phase was seen: {loader.communicate()}"
        assert time.monotonic() < deadline, "the delete phase was never seen"
        seen = _one(target, NODES, source=source)
        if seen["n"] == seen["old"] and 0 < seen["old"] < total:
            return loader
        time.sleep(0.02)


def _assert_stuck_and_refused(target, source: str, tmp_path) -> None:
    facts = _one(target, SOURCE, source=source)
    assert facts["status"] == "loading", facts
    assert facts["graphlets"] != "built", facts
    exports = tmp_path / "exports"
    refused = _cli(target, "export", "--output", str(exports))
    assert refused.returncode == EXIT_STUCK, refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{source} (loading;" in errors[0] and "mlprov load" in errors[0], refused.stderr
    assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in exports.iterdir() if not p.name.startswith(".")) == []


@pytest.fixture
def server_with_store(make_local_server, big_store):
    """A fresh server holding the store, loaded cleanly and its graphlets built; returns the server,
    the target, the source name, its node count and the fingerprint of the clean load."""
    server = make_local_server(auth=False)
    server.start()
    target = server.target()
    source = big_store.stem
    loaded = _cli(target, "load", str(big_store), "--quiet")
    assert loaded.returncode == 0, loaded.stderr
    clean = _fingerprint(target)
    built = _cli(target, "graphlets", "build", "--quiet")
    assert built.returncode == 0, built.stderr
    assert _one(target, SOURCE, source=source)["graphlets"] == "built"
    total = _one(target, NODES, source=source)["n"]
    assert total > 10_000
    yield server, target, source, total, clean
    server.stop()


def test_replace_killed_while_deleting_is_stuck_then_rerun_gives_a_clean_load(server_with_store, big_store, tmp_path):
    server, target, source, total, clean = server_with_store
    loader = _start_replace_and_wait_for_the_delete_phase(target, big_store, source, total)
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait(timeout=60)
    killed_at = _one(target, NODES, source=source)
    assert 0 < killed_at["old"] < total
    # The server stops deleting soon after the client died: at most the batch under way commits.
    time.sleep(2)
    settled = _one(target, NODES, source=source)
    time.sleep(3)
    assert _one(target, NODES, source=source) == settled
    assert killed_at["n"] - settled["n"] <= int(BATCH), (killed_at, settled)
    _assert_stuck_and_refused(target, source, tmp_path)

    rerun = _cli(target, "load", "--replace", str(big_store), "--quiet")
    assert rerun.returncode == 0, rerun.stderr
    assert _one(target, SOURCE, source=source)["status"] == "loaded"
    assert _fingerprint(target) == clean


def test_replace_whose_server_stops_while_deleting_says_the_truth_then_rerun_gives_a_clean_load(
        server_with_store, big_store, tmp_path):
    server, target, source, total, clean = server_with_store
    loader = _start_replace_and_wait_for_the_delete_phase(target, big_store, source, total)
    server.stop()
    _, stderr = loader.communicate(timeout=300)
    assert loader.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    assert str(big_store) in errors[0] and "marked `loading`" in errors[0] and "run the same load again" in errors[0]

    server.start()
    assert 0 < _one(target, NODES, source=source)["old"] < total
    _assert_stuck_and_refused(target, source, tmp_path)

    rerun = _cli(target, "load", "--replace", str(big_store), "--quiet")
    assert rerun.returncode == 0, rerun.stderr
    assert _one(target, SOURCE, source=source)["status"] == "loaded"
    assert _fingerprint(target) == clean
