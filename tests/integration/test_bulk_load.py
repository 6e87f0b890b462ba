"""`mlprov load --bulk` against a real Neo4j: the imported graph equals the online loader's, a
failed import leaves the database as it was, and the refusals write nothing.

The bulk path stops and restarts its server, so it gets a server of its own, laid out as the
user's local server (`$MLPROV_HOME/neo4j`, auth on) so that the real `mlprov` command finds it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlprov.bulk_load import BulkImportError, bulk_load
from mlprov.loader import load_store
from mlprov.corpus import generate
from mlprov.server.distribution import MARKER_NAME
from mlprov.server.local import LocalServer
from tests.helpers import NOT_MLMD, REAL_STORES, store

pytestmark = pytest.mark.integration

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN coalesce(a.uid, a.name) AS start, type(r) AS type, coalesce(b.uid, b.name) AS end, properties(r) AS props
"""
LOAD_TIME_FACTS = {"loaded_at", "load_seconds"}


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> list[Path]:
    """Every real store, a small synthetic corpus, and a damaged store with dangling events."""
    folder = tmp_path_factory.mktemp("bulk-stores")
    corpus = generate(folder / "bulk_corpus.sqlite", pipelines=3, days=10, seed=5, progress=None).store
    damaged = folder / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 11)")
    return [*REAL_STORES, corpus, damaged]


@pytest.fixture(scope="module")
def bulk(tmp_path_factory, shared_distribution, free_port):
    """A started server, and the environment in which `LocalServer.default()` is that server."""
    yield from user_server(tmp_path_factory.mktemp("mlprov-home"), shared_distribution, free_port)


def user_server(mlprov_home: Path, shared_distribution, free_port):
    """Start a server laid out as the user's local server in `mlprov_home` (the shared
    distribution's jars, its own data), yield it with the environment in which
    `LocalServer.default()` is that server, and stop it."""
    home = mlprov_home / "neo4j"
    home.mkdir(parents=True)
    for name in ("lib", "plugins", MARKER_NAME):
        (home / name).symlink_to(shared_distribution.root / name)
    env = {**os.environ, "MLPROV_HOME": str(mlprov_home), "MLPROV_BOLT_PORT": str(free_port()),
           "MLPROV_HTTP_PORT": str(free_port())}
    for variable in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USER", "NEO4J_DATABASE"):
        env.pop(variable, None)
    server = LocalServer(home, bolt_port=int(env["MLPROV_BOLT_PORT"]), http_port=int(env["MLPROV_HTTP_PORT"]))
    server.start()
    yield SimpleNamespace(server=server, env=env)
    server.stop()


def mlprov(bulk, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlprov", *args], capture_output=True, text=True,
                          env={**bulk.env, **env}, timeout=300)


def query(target, text: str) -> list[dict]:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, database_=target.database)
    return [r.data() for r in records]


def canonical(value) -> str:
    return repr(sorted(value.items())) if isinstance(value, dict) else repr(value)


def graph_dump(target) -> tuple[list[str], list[str]]:
    """Every node and relationship as sorted text, without the Source's load-time facts."""
    nodes = []
    for row in query(target, NODES):
        props = {k: v for k, v in row["props"].items() if not ("Source" in row["labels"] and k in LOAD_TIME_FACTS)}
        nodes.append(f"{sorted(row['labels'])} {canonical(props)}")
    relationships = [f"{r['start']} {r['type']} {r['end']} {canonical(r['props'])}" for r in query(target, RELATIONSHIPS)]
    return sorted(nodes), sorted(relationships)


def counts(target) -> tuple[dict, dict]:
    labels = {r["label"]: r["n"] for r in query(target, "MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n")}
    types = {r["type"]: r["n"] for r in query(target, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")}
    return labels, types


def indexes(target) -> set[tuple[str, str]]:
    """The schema's indexes and constraints' indexes (not the token lookups every database has)."""
    rows = query(target, "SHOW INDEXES YIELD name, state, type WHERE type <> 'LOOKUP' RETURN name, state")
    return {(r["name"], r["state"]) for r in rows}


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_failed_import_changes_nothing_then_bulk_load_equals_online_load(bulk, clean_db, stores):
    server = bulk.server

    def damage_first_artifacts(files):
        # The artifacts' file that is imported (each worker opens one per kind; one worker fills it).
        artifacts = next(f for f in files if f.kind == "Artifact" and f.rows)
        with artifacts.path.open("a", encoding="utf-8") as csv:
            csv.write('"broken:a:1","broken",not-a-number\n')

    with pytest.raises(BulkImportError) as failed:
        bulk_load(stores, server, quiet=True, before_import=damage_first_artifacts)
    message = str(failed.value)
    assert str(stores[0]) in message and "Artifact" in message and "not-a-number" in message, message
    assert "empty as before" in message
    target = server.target()
    assert server.is_running() and query(target, "MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    assert not list(server.layout.import_dir.iterdir()), "the CSV files must be removed"

    result = mlprov(bulk, "load", "--bulk", *map(str, stores))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [[p.stem, "loaded"] for p in stores]

    with clean_db.driver() as driver:
        online = [load_store(path, driver, clean_db.database, quiet=True) for path in stores]
    for line, expected in zip(lines, online):
        fields = line.split("\t")
        skipped = sum(expected.skipped.values())
        assert fields[2:5] == [f"{expected.nodes} nodes", f"{expected.relationships} relationships",
                               f"{skipped} skipped"], line
    assert online[-1].skipped and "skipped" in result.stderr  # the damaged store: same skips, reported

    assert counts(target) == counts(clean_db)
    bulk_nodes, bulk_relationships = graph_dump(target)
    online_nodes, online_relationships = graph_dump(clean_db)
    assert len(bulk_nodes) > 1000 and len(bulk_relationships) > 2000
    assert bulk_nodes == online_nodes
    assert bulk_relationships == online_relationships
    assert indexes(target) == indexes(clean_db) and {state for _, state in indexes(target)} == {"ONLINE"}

    again = mlprov(bulk, "load", "--bulk", str(stores[0]))
    assert again.returncode == 1 and len(error_lines(again)) == 1 and "empty database" in error_lines(again)[0]
    assert counts(target) == counts(clean_db)


@pytest.mark.parametrize("case", ["NEO4J_URI", "not-mlmd", "same-name", "replace"])
def test_refusals_exit_1_and_write_nothing(bulk, case, tmp_path):
    server = bulk.server
    target = server.target()
    pid = server.layout.pid_file.read_text()
    before = query(target, "MATCH (n) RETURN count(n) AS n")
    args, env = ["load", "--bulk", str(REAL_STORES[0])], {}
    if case == "NEO4J_URI":
        env["NEO4J_URI"] = target.uri
        expected = "NEO4J_URI"
    elif case == "not-mlmd":
        args[-1] = expected = str(NOT_MLMD[0])
    elif case == "same-name":
        twin = tmp_path / REAL_STORES[0].name
        shutil.copy(REAL_STORES[0], twin)
        args.append(str(twin))
        expected = str(twin)
    else:
        args.append("--replace")
        expected = "--replace"
    result = mlprov(bulk, *args, **env)
    assert result.returncode == 1, result.stderr
    errors = error_lines(result)
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert query(target, "MATCH (n) RETURN count(n) AS n") == before
    assert server.layout.pid_file.read_text() == pid, "a refusal must not restart the server"


@pytest.fixture
def empty_bulk(tmp_path, shared_distribution, free_port):
    """A started server with an empty database, laid out as the user's local server (as `bulk`)."""
    yield from user_server(tmp_path / "mlprov-home", shared_distribution, free_port)


def is_importer(process) -> bool:
    return "import" in process.cmdline() and "full" in process.cmdline()


def is_file_writer(process) -> bool:
    """A worker process writing import files (multiprocessing's spawned child)."""
    return any("multiprocessing" in part for part in process.cmdline())


@pytest.mark.parametrize("child", [is_importer, is_file_writer], ids=["during-the-import", "while-writing-files"])
def test_a_bulk_load_killed_outright_is_undone_and_the_rerun_works(empty_bulk, tmp_path, child):
    """kill -9 of `mlprov load --bulk` while its workers write the import files, or while neo4j-admin
    imports (rules §13): those children die with it, and the next `load --bulk` removes what the
    dead one left in import/, puts the database back, starts the server if the dead one stopped it,
    and loads."""
    import signal
    import time

    import psutil

    server = empty_bulk.server
    corpus = generate(tmp_path / "killed_bulk.sqlite", pipelines=4, days=30, seed=9, progress=None).store
    command = [sys.executable, "-m", "mlprov", "load", "--bulk", str(corpus)]
    loading = subprocess.Popen(command, env=empty_bulk.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    seen: list = []
    while not seen:
        assert loading.poll() is None, f"the bulk load ended before {child.__name__} saw a child: {loading.communicate()}"
        assert time.monotonic() < deadline, f"no child for which {child.__name__} holds ever started"
        try:
            seen = [p for p in psutil.Process(loading.pid).children(recursive=True) if child(p)]
        except psutil.NoSuchProcess:  # a child that ended while it was looked at
            seen = []
        time.sleep(0.02)
    os.kill(loading.pid, signal.SIGKILL)
    loading.communicate(timeout=60)
    # The children die with the bulk load that started them.
    for process in seen:
        try:
            process.wait(timeout=30)
        except psutil.NoSuchProcess:
            pass
        assert not process.is_running()
    left = list(server.layout.import_dir.glob("mlprov-bulk-*"))
    assert left, "the killed bulk load left no folder in import/ (it was killed too late?)"
    if child is is_importer:
        assert not server.is_running(), "the killed bulk load had not stopped the server yet"

    rerun = subprocess.run(command, env=empty_bulk.env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "undoing it" in rerun.stderr
    assert list(server.layout.import_dir.glob("mlprov-bulk-*")) == []
    assert server.is_running()
    target = server.target()
    assert query(target, "MATCH (s:Source) RETURN s.name AS name, s.status AS status") == [
        {"name": corpus.stem, "status": "loaded"}]
    with sqlite3.connect(corpus) as conn:
        artifacts = conn.execute("SELECT count(*) FROM Artifact").fetchone()[0]
    assert query(target, "MATCH (a:Artifact) RETURN count(a) AS n") == [{"n": artifacts}]
