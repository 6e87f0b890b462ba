"""A server that goes away mid-load or mid-build: one clear error naming what was interrupted, exit
code 1, no traceback, and running the same command again (server back) completes it with the graph
a clean run gives, compared by content fingerprint on another server (rules §12)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mlprov.corpus import generate
from scripts.graph_fingerprint import elements
from scripts.kill_faults import STEP_DONE, KillPoint, interrupt_at, seeds
from tests.helpers import empty, sql_count

pytestmark = pytest.mark.integration

COUNT_NODES = "MATCH (n) WHERE n.source = $source AND (n:Artifact OR n:Execution) RETURN count(n) AS n"


def graph(target) -> dict[str, list[str]]:
    with target.driver() as driver:
        return elements(driver, target.database)


def run(command, env):
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_server_lost_mid_load_then_mid_build_then_reruns_complete(make_local_server, reference_neo4j, tmp_path):
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
    error = one_error(stderr)
    assert str(store) in error and "run the same load again" in error, stderr

    server.start()
    rerun = run(command, env)
    assert rerun.returncode == 0, rerun.stderr
    assert "did not finish" in rerun.stderr
    with target.driver() as driver:
        records, _, _ = driver.execute_query(COUNT_NODES, source=store.stem)
        status, _, _ = driver.execute_query("MATCH (s:Source {name: $name}) RETURN s.status AS status", name=store.stem)
    assert records[0]["n"] == expected
    assert status[0]["status"] == "loaded"

    # The same store loaded and built cleanly on another server: what the reruns must give.
    reference = empty(reference_neo4j)
    reference_env = {"NEO4J_URI": reference.uri, "PATH": ""}
    assert run(command, reference_env).returncode == 0
    assert graph(target) == graph(reference)
    assert run([sys.executable, "-m", "mlprov", "graphlets", "build", "-q"], reference_env).returncode == 0

    # The server goes away mid-build, at a seeded step (each seed a build: stop, start, build again).
    for n, seed in enumerate(seeds((1,))):
        build = ("graphlets", "build") + (("--force",) if n else ())  # built already after the first
        code, stderr = interrupt_at(KillPoint(STEP_DONE, lines=10, seed=seed), build, env,
                                    lambda process: server.stop())
        assert code == 1, stderr
        error = one_error(stderr)
        assert "lost the connection to Neo4j" in error and "graphlets build" in error, error
        server.start()
        again = run([sys.executable, "-m", "mlprov", "graphlets", "build"], env)
        assert again.returncode == 0, again.stderr
        assert "(the last build did not finish)" in again.stdout or "(the last build failed)" in again.stdout
        assert graph(target) == graph(reference)
