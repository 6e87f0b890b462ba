"""Operations (rules §13): analyses only read, the server refuses a write in a read query, and the
write queries stay with the commands that own them."""

from __future__ import annotations

import pytest

from mlprov.core import queries
from tests.cli import invoke
from tests.helpers import fresh_graph, run_cli, store

pytestmark = pytest.mark.integration

GRAPHLETS = "MATCH (g:Graphlet {source: $source}) RETURN count(g) AS n"
PENGUIN = "penguin-tfma"


def _count(target, text: str, **params) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return records[0][0]


@pytest.fixture(scope="module")
def built(neo4j_target):
    fresh_graph(neo4j_target, [store(PENGUIN)])
    return neo4j_target


def test_analyze_clear_and_source_delete_are_refused_and_nothing_is_deleted(built):
    source = store(PENGUIN).stem
    before = _count(built, GRAPHLETS, source=source)
    assert before > 0
    for name in ("clear", "graphlets.clear", "source_delete"):
        refused = run_cli(built, "analyze", name, "-p", f"source={source}")
        assert refused.returncode == 2, refused.stderr
        assert refused.stdout == "" and len(refused.stderr.splitlines()) == 1
        assert "read queries only" in refused.stderr
    assert _count(built, GRAPHLETS, source=source) == before
    assert _count(built, "MATCH (s:Source {name: $source, status: 'loaded'}) RETURN count(s)", source=source) == 1


LYING = """// name: {name}
// summary: Declared read-only, but deletes.
// mode: read
// params: {{source: {{type: string, doc: source name}}}}
// returns: {{n: int}}
{body}
"""
BODIES = {
    "lying_plain": "MATCH (g:Graphlet {source: $source}) DETACH DELETE g RETURN count(*) AS n",
    "lying_batched": "MATCH (g:Graphlet {source: $source}) CALL (g) { DETACH DELETE g } IN TRANSACTIONS OF 10 ROWS "
                     "RETURN count(*) AS n",
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_server_refuses_a_write_in_a_query_declared_read(built, monkeypatch, capsys, tmp_path, name):
    """The registry's mode is not the only guard: read queries run in READ access mode, so even a
    query whose header lies cannot write (one line, exit 1, nothing deleted)."""
    (tmp_path / f"{name}.cypher").write_text(LYING.format(name=name, body=BODIES[name]), encoding="utf-8")
    registry = queries.Registry(tmp_path)
    monkeypatch.setattr(queries, "registry", lambda: registry)
    monkeypatch.setenv("NEO4J_URI", built.uri)
    monkeypatch.setenv("NEO4J_DATABASE", built.database)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    source = store(PENGUIN).stem
    before = _count(built, GRAPHLETS, source=source)
    code, out, err = invoke(monkeypatch, capsys, "analyze", name, "-p", f"source={source}")
    assert code == 1 and out == "", err
    assert len(err.splitlines()) == 1 and "declared read-only but writes" in err
    assert _count(built, GRAPHLETS, source=source) == before > 0


# ------------------------------------------------------------------ files

def _every_file(folder) -> dict[str, tuple[int, int, int]]:
    """Every file in `folder`, dot files included: (inode, mtime in ns, mode)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_mode & 0o777)
            for p in sorted(folder.iterdir())}


def test_a_second_export_with_nothing_new_writes_nothing_not_even_its_manifest(built, tmp_path):
    output = tmp_path / "exports"
    first = run_cli(built, "export", "--output", str(output), "--quiet")
    assert first.returncode == 0, first.stderr
    before = _every_file(output)
    assert ".mlprov-export.json" in before and "outcome_share.csv" in before
    second = run_cli(built, "export", "--output", str(output), "--quiet")
    assert second.returncode == 0, second.stderr
    assert second.stdout.split("\t")[1] == "0 written", second.stdout
    assert _every_file(output) == before


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_exported_files_follow_the_umask(built, tmp_path, umask):
    import subprocess
    import sys

    from tests.helpers import cli_env

    output = tmp_path / "exports"
    done = subprocess.run([sys.executable, "-m", "mlprov", "export", "--output", str(output), "--only",
                           "outcome_share", "--quiet"], env=cli_env(built), capture_output=True, text=True,
                          timeout=600, umask=umask)
    assert done.returncode == 0, done.stderr
    written = {name: mode for name, (_, _, mode) in _every_file(output).items()}
    assert {"outcome_share.csv", "outcome_share.parquet", ".mlprov-export.json"} <= set(written)
    assert written == {name: 0o666 & ~umask for name in written}


def test_the_local_servers_data_folder_is_private(local_neo4j):
    assert local_neo4j.layout.data_dir.stat().st_mode & 0o777 == 0o700


# ------------------------------------------------------------------ secrets

def test_the_initial_password_never_shows_in_the_process_table(make_local_server, monkeypatch):
    """The first start of a server with auth runs neo4j-admin set-initial-password; a watcher reads
    every process's command line meanwhile. It must see that command run, and never the password."""
    import secrets
    import threading

    import psutil

    password = "pw-" + secrets.token_hex(12)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    server = make_local_server(auth=True)
    seen: list[list[str]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for process in psutil.process_iter(["cmdline"]):
                line = process.info["cmdline"] or []
                if any("set-initial-password" in part or password in part for part in line):
                    seen.append(line)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        server.start()
    finally:
        done.set()
        watcher.join()
    assert any("set-initial-password" in " ".join(line) for line in seen), "the watcher never saw neo4j-admin run"
    assert not [line for line in seen if password in " ".join(line)]
    assert not list(server.home.glob(".initial-password.*")), "the argument file was left behind"
    with server.target().driver() as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1
    server.stop()
