"""The loader against a real Neo4j: counts, idempotence, isolation, refusals, damaged stores, resume."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest

from mlprov.loader.load import default_source_name
from tests.helpers import NOT_MLMD, REAL_STORES, load, run_cli, sql_count, store

pytestmark = pytest.mark.integration

INPUT_TYPES = "(2, 3, 5)"
OUTPUT_TYPES = "(1, 4, 6, 7)"

# Everything of one source except the Source node (which holds the load-time facts), as text.
SNAPSHOT = """
MATCH (n) WHERE n.source = $source AND NOT n:Source
OPTIONAL MATCH (n)-[r]->(m)
WITH n, type(r) AS rel, properties(r) AS rel_props, m.uid AS other
RETURN labels(n) AS labels, properties(n) AS props, rel, rel_props, other
"""

COUNTS = """
MATCH (n) WHERE n.source = $source
WITH labels(n)[0] AS label, count(*) AS n
RETURN label, n
"""

REL_COUNTS = """
MATCH (n)-[r]->() WHERE n.source = $source AND NOT n:Graphlet
RETURN type(r) AS type, count(*) AS n
"""


def query(target, text, **params):
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [r.data() for r in records]


def snapshot_hash(target, source):
    rows = sorted(repr(sorted((k, sorted(v.items()) if isinstance(v, dict) else v) for k, v in row.items()))
                  for row in query(target, SNAPSHOT, source=source))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest(), len(rows)



def expected_counts(path):
    pipelines = max(1, sql_count(path, "SELECT count(*) FROM Context c JOIN Type t ON t.id = c.type_id "
                                       "WHERE t.name = 'pipeline' AND t.type_kind = 2"))
    executions = sql_count(path, "SELECT count(*) FROM Execution")
    parents = 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ParentContext'").fetchone()[0]:
            parents = conn.execute("SELECT count(*) FROM ParentContext").fetchone()[0]
    nodes = {
        "Artifact": sql_count(path, "SELECT count(*) FROM Artifact"),
        "Execution": executions,
        "Context": sql_count(path, "SELECT count(*) FROM Context"),
        "Pipeline": pipelines,
    }
    rels = {
        "INPUT": sql_count(path, f"SELECT count(*) FROM Event WHERE type IN {INPUT_TYPES}"),
        "OUTPUT": sql_count(path, f"SELECT count(*) FROM Event WHERE type IN {OUTPUT_TYPES}"),
        "ATTRIBUTED_TO": sql_count(path, "SELECT count(*) FROM Attribution"),
        "ASSOCIATED_WITH": sql_count(path, "SELECT count(*) FROM Association"),
        "CHILD_OF": parents,
        "IN_PIPELINE": executions,
    }
    return {k: v for k, v in nodes.items() if v}, {k: v for k, v in rels.items() if v}


def test_every_real_store_loads_with_counts_equal_to_sqlite(clean_db):
    for path in REAL_STORES:
        result = load(clean_db, path)
        source = default_source_name(path)
        assert result.status == "loaded" and not result.skipped, path.name
        nodes = {r["label"]: r["n"] for r in query(clean_db, COUNTS, source=source)}
        rels = {r["type"]: r["n"] for r in query(clean_db, REL_COUNTS, source=source)}
        expected_nodes, expected_rels = expected_counts(path)
        assert nodes == expected_nodes, path.name
        assert rels == expected_rels, path.name
        has_pipeline = query(clean_db, "MATCH (:Source {name: $source})-[r:HAS_PIPELINE]->() RETURN count(r) AS n",
                             source=source)
        assert has_pipeline == [{"n": expected_nodes["Pipeline"]}]
        assert result.nodes == sum(expected_nodes.values()) - expected_nodes["Pipeline"]


def test_second_load_changes_nothing(clean_db):
    path = store("penguin-transform")
    source = default_source_name(path)
    load(clean_db, path)
    before = snapshot_hash(clean_db, source)
    assert load(clean_db, path).status == "unchanged"
    # Even a forced re-write of every row (a resumed load) leaves the same graph.
    query(clean_db, "MATCH (s:Source {name: $source}) SET s.status = 'loading'", source=source)
    assert load(clean_db, path).status == "loaded"
    assert snapshot_hash(clean_db, source) == before
    assert before[1] > 50


def test_interrupted_load_is_completed_by_running_it_again(clean_db):
    path = store("Syahrrulll")
    source = default_source_name(path)
    load(clean_db, path)
    complete = snapshot_hash(clean_db, source)
    # As if the load had died half-way: the Source says `loading` and part of the graph is missing.
    query(clean_db, "MATCH (s:Source {name: $source}) SET s.status = 'loading'", source=source)
    query(clean_db, "MATCH (e:Execution {source: $source}) WHERE e.mlmd_id > 20 DETACH DELETE e", source=source)
    query(clean_db, "MATCH (:Artifact {source: $source})-[r:ATTRIBUTED_TO]->() DELETE r", source=source)
    assert snapshot_hash(clean_db, source) != complete
    load(clean_db, path)
    assert snapshot_hash(clean_db, source) == complete
    assert query(clean_db, "MATCH (s:Source {name: $source}) RETURN s.status AS status", source=source) == [
        {"status": "loaded"}]


def test_replace_touches_no_other_source(clean_db, tmp_path):
    first, second = store("penguin-tfma"), store("penguin-transform")
    load(clean_db, first)
    load(clean_db, second)
    other = snapshot_hash(clean_db, default_source_name(second))
    changed = tmp_path / first.name
    shutil.copy(first, changed)
    with sqlite3.connect(changed) as conn:
        conn.execute("DELETE FROM Attribution WHERE id = (SELECT min(id) FROM Attribution)")
    result = run_cli(clean_db, "load", str(changed), "--quiet")
    assert result.returncode == 1 and "--replace" in result.stderr
    run_cli(clean_db, "load", str(changed), "--replace", "--quiet", check=True)
    source = default_source_name(first)
    rels = {r["type"]: r["n"] for r in query(clean_db, REL_COUNTS, source=source)}
    assert rels["ATTRIBUTED_TO"] == sql_count(first, "SELECT count(*) FROM Attribution") - 1
    assert snapshot_hash(clean_db, default_source_name(second)) == other


@pytest.mark.parametrize("bad", ["not-mlmd", "truncated", "text"])
def test_bad_input_exits_1_and_writes_nothing(clean_db, tmp_path, bad):
    load(clean_db, store("penguin-tfma"))
    before = query(clean_db, "MATCH (n) RETURN count(n) AS n")
    if bad == "not-mlmd":
        path = NOT_MLMD[0]
    elif bad == "truncated":
        path = tmp_path / "truncated.sqlite"
        path.write_bytes(store("penguin-transform").read_bytes()[:100_000])
    else:
        path = tmp_path / "notes.sqlite"
        path.write_text("id,name\n1,penguin\n")
    result = run_cli(clean_db, "load", str(path))
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and str(path) in error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert query(clean_db, "MATCH (n) RETURN count(n) AS n") == before


def test_damaged_store_loads_what_is_consistent_and_reports_the_rest(clean_db, tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), damaged)
    with sqlite3.connect(damaged) as conn:
        dangling_events = conn.execute("SELECT count(*) FROM Event WHERE artifact_id IN (3, 11)").fetchone()[0]
        dangling_attributions = conn.execute(
            "SELECT count(*) FROM Attribution WHERE artifact_id IN (3, 11)").fetchone()[0]
        conn.execute("DELETE FROM Artifact WHERE id IN (3, 11)")
    assert dangling_events > 0 and dangling_attributions > 0
    result = run_cli(clean_db, "load", str(damaged))
    assert result.returncode == 0, result.stderr
    assert f"skipped {dangling_events} event pointing at a deleted artifact" in result.stderr
    assert f"skipped {dangling_attributions} attribution pointing at a deleted artifact" in result.stderr
    source = default_source_name(damaged)
    rels = {r["type"]: r["n"] for r in query(clean_db, REL_COUNTS, source=source)}
    assert rels["INPUT"] + rels["OUTPUT"] == sql_count(damaged, "SELECT count(*) FROM Event") - dangling_events
    assert rels["ATTRIBUTED_TO"] == sql_count(damaged, "SELECT count(*) FROM Attribution") - dangling_attributions
    skipped = query(clean_db, "MATCH (s:Source {name: $source}) RETURN s.skipped AS n, s.skipped_reasons AS reasons",
                    source=source)
    assert skipped == [{"n": dangling_events + dangling_attributions, "reasons": [
        f"attribution pointing at a deleted artifact: {dangling_attributions}",
        f"event pointing at a deleted artifact: {dangling_events}"]}]


def test_cli_prints_summary_on_stdout(clean_db):
    run_cli(clean_db, "load", *map(str, REAL_STORES[:3]), "--quiet", check=True)
    result = run_cli(clean_db, "analyze", "corpus_summary", "--format", "csv", check=True)
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("source,schema_version,status,pipelines,executions")
    assert len(lines) == 4
