"""A server that goes away mid-load: one clear error naming the store, exit code 1, and running
the same load again (server back) completes it with exactly the store's content."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mlprov.corpus import generate
from tests.helpers import sql_count

pytestmark = pytest.mark.integration

COUNT_NODES = "MATCH (n) WHERE n.source = $source AND (n:Artifact OR n:Execution) RETURN count(n) AS n"


def test_server_lost_mid_load_then_rerun_completes(make_local_server, tmp_path):
    store = generate(tmp_path / "interrupted.sqlite", pipelines=4, days=30, seed=3, progress=None).store
    server = make_local_server(auth=False)
    server.start()
    target = server.target()
    env = {"NEO4J_URI": target.uri, "PATH": ""}
    command = [sys.executable, "-m", "mlprov", "load", str(store), "--batch-size", "200"]
    loading = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    expected = sql_count(store, "SELECT (SELECT count(*) FROM Artifact) + (SELECT count(*) FROM Execution)")
    with target.driver() as driver:
        deadline = time.monotonic() + 120
        written = 0
        while written == 0 and time.monotonic() < deadline and loading.poll() is None:
            records, _, _ = driver.execute_query(COUNT_NODES, source=store.stem)
            written = records[0]["n"]
            time.sleep(0.2)
    # The server goes away mid-load: the loader has written part of the store and is still running.
    assert loading.poll() is None, "the load ended before the server was stopped"
    assert 0 < written < expected
    server.stop()
    _, stderr = loading.communicate(timeout=180)
    assert loading.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(store) in errors[0] and "run the same load again" in errors[0], stderr

    server.start()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "did not finish" in rerun.stderr
    with target.driver() as driver:
        records, _, _ = driver.execute_query(COUNT_NODES, source=store.stem)
        status, _, _ = driver.execute_query("MATCH (s:Source {name: $name}) RETURN s.status AS status", name=store.stem)
    assert records[0]["n"] == expected
    assert status[0]["status"] == "loaded"
