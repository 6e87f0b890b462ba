"""Operations (rules §12): analyses only read, the server refuses a write in a read query, and the
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
