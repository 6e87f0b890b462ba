"""Graphlets built by the stored Cypher on the real stores: hand-derived expectations, the
plain-Python graphlet oracle (rules §3), NEXT/BASELINE links, idempotent and incremental builds."""

from __future__ import annotations

import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.analytics.graphlets import build
from mlprov.loader import load_store
from mlprov.corpus.oracle.graphlets import compute_graphlets
from mlprov.loader.load import default_source_name
from tests.helpers import REAL_STORES, fresh_graph, live_trainer_runs, store

pytestmark = pytest.mark.integration

COMPARED = ["trainer_id", "model_id", "outcome", "n_executions", "n_artifacts",
            "member_execution_ids", "member_artifact_ids"]
COSTS = ["cost_full_s", "cost_amortized_s", "cost_first_use_s"]


@pytest.fixture(scope="module")
def real_graph(neo4j_target):
    """Every real store loaded and its graphlets built, once for this module."""
    report = fresh_graph(neo4j_target, REAL_STORES)
    assert sorted(report.built) == sorted(default_source_name(p) for p in REAL_STORES)
    return neo4j_target


def graphlets_of(target, fragment: str) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, "graphlets",
                              source=default_source_name(store(fragment)))


def cypher(target, text, **params):
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [r.data() for r in records]


def test_penguin_tfma_matches_the_worked_example_of_the_rules(real_graph):
    # Run 1: ExampleGen 1 -> Trainer 3 -> Evaluator 4 -> Pusher 5 (pushed = 1); Resolver 2 has no
    # events. Run 2: ExampleGen 6 -> Trainer 8 -> Evaluator 9 (baseline_model = Model 3, blessing
    # blessed = 0) -> Pusher 10 (pushed = 0); Resolver 7 only re-emits (INTERNAL_OUTPUT).
    table = graphlets_of(real_graph, "penguin-tfma").set_index("trainer_id")
    assert list(table.index) == [3, 8]
    assert table.loc[3, "member_execution_ids"] == "1 3 4 5"
    assert table.loc[3, "outcome"] == "pushed"
    assert table.loc[8, "member_execution_ids"] == "6 8 9 10"
    assert table.loc[8, "outcome"] == "not_blessed"
    source = default_source_name(store("penguin-tfma"))
    links = cypher(real_graph, """
        MATCH (a:Graphlet {source: $source})-[r:NEXT|BASELINE]->(b:Graphlet)
        RETURN a.trainer_id AS a, type(r) AS rel, b.trainer_id AS b ORDER BY rel""", source=source)
    assert links == [{"a": 8, "rel": "BASELINE", "b": 3}, {"a": 3, "rel": "NEXT", "b": 8}]


def test_penguin_transform_shares_the_importer_and_leaves_validation_unattributed(real_graph):
    # Importer 9 is CACHED and re-outputs Schema 2, created by Importer 2: Importer 2 is in both
    # graphlets (half its cost to each when amortized); StatisticsGen 3/10 and ExampleValidator
    # 5/12 feed no Trainer input and belong to no graphlet.
    table = graphlets_of(real_graph, "penguin-transform").set_index("trainer_id")
    assert table.loc[6, "member_execution_ids"] == "1 2 4 6 7"
    assert table.loc[13, "member_execution_ids"] == "2 8 11 13 14"
    assert set(table["outcome"]) == {"pushed"}
    source = default_source_name(store("penguin-transform"))
    importer_cost = cypher(real_graph, "MATCH (e:Execution {source: $source, mlmd_id: 2}) RETURN e.cost_s AS c",
                           source=source)[0]["c"]
    for trainer in (6, 13):
        assert table.loc[trainer, "cost_full_s"] - table.loc[trainer, "cost_amortized_s"] == pytest.approx(importer_cost / 2)
    # First use charges the shared Importer to the earlier graphlet only.
    assert table.loc[13, "cost_full_s"] - table.loc[13, "cost_first_use_s"] == pytest.approx(importer_cost)
    unattributed = cypher(real_graph, """
        MATCH (e:Execution {source: $source}) WHERE NOT (e)<-[:CONTAINS]-(:Graphlet)
        RETURN collect(e.mlmd_id) AS ids""", source=source)[0]["ids"]
    assert {3, 5, 10, 12} <= set(unattributed) and 9 in unattributed


def test_failed_trainers_and_stores_without_trainers(real_graph):
    # Syahrrulll: 8 Trainer runs, the first six FAILED (no model), the last two pushed.
    table = graphlets_of(real_graph, "Syahrrulll")
    assert len(table) == 8
    assert table["outcome"].value_counts().to_dict() == {"failed": 6, "pushed": 2}
    assert table.loc[table["outcome"] == "failed", "model_id"].isna().all()
    # Codetre: its only Trainer FAILED.
    assert graphlets_of(real_graph, "Codetre")["outcome"].tolist() == ["failed"]
    # Stores with no Trainer run at all (these six, as their executions say) have no graphlets, though
    # they are loaded with executions.
    fragments = ("Hieudinh1308__ML_Pipelines_Penguin_Dataset_BS__metadata_penguin-tfdv", "Skye-Tran", "Srushanth",
                 "Tsigai", "sahaavi", "v2-transform")
    assert {store(f) for f in fragments} == {p for p in REAL_STORES if live_trainer_runs(p) == 0}
    loaded = cypher(real_graph, "MATCH (s:Source) RETURN s.name AS source, s.status AS status, "
                                "COUNT { MATCH (e:Execution {source: s.name}) } AS executions")
    loaded = {row["source"]: (row["status"], row["executions"]) for row in loaded}
    for fragment in fragments:
        source = default_source_name(store(fragment))
        assert loaded[source][0] == "loaded" and loaded[source][1] > 0, fragment
        assert graphlets_of(real_graph, fragment).empty, fragment


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:40])
def test_cypher_graphlets_equal_the_python_reference(real_graph, path):
    expected = compute_graphlets(path).sort_values("trainer_id").reset_index(drop=True)
    with real_graph.driver() as driver:
        actual = queries.run_df(driver, real_graph.database, "graphlets", source=default_source_name(path))
    actual = actual.sort_values("trainer_id").reset_index(drop=True)
    assert len(actual) == len(expected)
    if expected.empty:
        return
    for column in COMPARED:
        assert [None if pd.isna(v) else int(v) if column.endswith("_id") and column != "member_execution_ids" else v
                for v in actual[column]] == \
               [None if pd.isna(v) else int(v) if column.endswith("_id") and column != "member_execution_ids" else v
                for v in expected[column]], column
    for column in COSTS:
        assert actual[column].astype(float).tolist() == pytest.approx(expected[column].astype(float).tolist()), column


def test_each_graphlet_keeps_the_member_facts_of_its_links(real_graph):
    # `members` stores, beside the CONTAINS links it writes, the facts `derive` compares along a
    # chain; here they are worked out again in Python from the links themselves.
    links = cypher(real_graph, """
        MATCH (g:Graphlet)-[c:CONTAINS]->(x)
        RETURN g.uid AS graphlet, c.role AS role, x:Artifact AS artifact, x.type AS type,
               x.operator AS operator, x.mlmd_id AS id, coalesce(x.module_path, x.module_file) AS code""")
    expected: dict[str, dict] = {}
    for link in links:
        facts = expected.setdefault(link["graphlet"], {
            "upstream": 0, "downstream": 0, "schemas": [], "hyperparameters": [],
            "transform_code": set(), "operators": set()})
        if link["role"] in ("upstream", "downstream"):
            facts[link["role"]] += 1
        if link["artifact"]:
            kind = {"Schema": "schemas", "HyperParameters": "hyperparameters"}.get(link["type"])
            if kind:
                facts[kind].append(link["id"])
            continue
        if link["operator"] == "Transform" and link["code"] is not None:
            facts["transform_code"].add(link["code"])
        if link["role"] in ("upstream", "trainer"):
            facts["operators"].add(link["operator"])
    stored = cypher(real_graph, """
        MATCH (g:Graphlet)
        RETURN g.uid AS graphlet, g.upstream_executions AS upstream, g.downstream_executions AS downstream,
               g.schema_ids AS schemas, g.hyperparameters_ids AS hyperparameters,
               g.transform_code AS transform_code, g.upstream_operators AS operators""")
    assert len(stored) == len(expected) > 0
    for row in stored:
        facts = expected[row["graphlet"]]
        assert (row["upstream"], row["downstream"]) == (facts["upstream"], facts["downstream"]), row["graphlet"]
        assert row["schemas"] == sorted(facts["schemas"]), row["graphlet"]
        assert row["hyperparameters"] == sorted(facts["hyperparameters"]), row["graphlet"]
        assert row["transform_code"] == sorted(facts["transform_code"]), row["graphlet"]
        assert row["operators"] == sorted(facts["operators"]), row["graphlet"]
    # The real stores give each kind of fact somewhere, so none of the checks above is vacuous.
    assert any(row["schemas"] for row in stored)
    assert any(row["transform_code"] for row in stored)
    assert any(row["upstream"] for row in stored) and any(row["downstream"] for row in stored)
    assert any(len(row["operators"]) > 1 for row in stored)


def test_build_is_idempotent_and_incremental(real_graph):
    with real_graph.driver() as driver:
        before = queries.run_df(driver, real_graph.database, "graphlets")
        assert len(before) == sum(live_trainer_runs(p) for p in REAL_STORES)
        again = build(driver, real_graph.database, quiet=True)
        assert again.built == []
        # Reloading one store (as --replace does) rebuilds that source only.
        path = store("penguin-tfma")
        load_store(path, driver, real_graph.database, replace=True, quiet=True)
        rebuilt = build(driver, real_graph.database, quiet=True)
        assert rebuilt.built == [default_source_name(path)]
        after = queries.run_df(driver, real_graph.database, "graphlets")
    pd.testing.assert_frame_equal(before, after)


def test_a_build_that_died_half_way_is_done_again(real_graph):
    source = default_source_name(store("penguin-transform"))
    with real_graph.driver() as driver:
        before = queries.run_df(driver, real_graph.database, "graphlets")
        assert (before["source"] == source).sum() == live_trainer_runs(store("penguin-transform")) == 2
        # What a build does before its steps, then dying after the first (the server gone, say).
        queries.execute(driver, real_graph.database, "graphlets.mark_building", source=source)
        queries.execute(driver, real_graph.database, "graphlets.clear", source=source)
        assert queries.run_df(driver, real_graph.database, "graphlets", source=source).empty
        _, pending = queries.execute(driver, real_graph.database, "graphlets.pending", fingerprint="any")
        assert [source, "loaded", "the last build did not finish"] in pending
        # Nothing reads the half-built source as current meanwhile.
        _, ready = queries.execute(driver, real_graph.database, "waste.sources")
        assert [source] not in ready
        again = build(driver, real_graph.database, quiet=True)
        assert again.built == [source]
        after = queries.run_df(driver, real_graph.database, "graphlets")
    pd.testing.assert_frame_equal(before, after)


def test_lineage_upstream_and_downstream_are_bounded_by_hops(real_graph):
    # penguin-tfma run 1: ExampleGen 1 -> Examples a1 -> Trainer 3 -> Model a3 -> Evaluator 4
    # -> Blessing a5 -> Pusher 5 -> PushedModel a6 (Evaluator 4 and Trainer 3 both read a1).
    # Lineage follows every event: Resolver 7 of run 2 re-emits Model a3 (INTERNAL_OUTPUT), and
    # Evaluator 9 of run 2 reads it as its baseline.
    source = default_source_name(store("penguin-tfma"))
    with real_graph.driver() as driver:
        up = queries.run_df(driver, real_graph.database, "upstream", uid=f"{source}:a:6", hops=6)
        near = queries.run_df(driver, real_graph.database, "upstream", uid=f"{source}:a:6", hops=2)
        down = queries.run_df(driver, real_graph.database, "downstream", uid=f"{source}:e:3", hops=2)
    found = {(row.kind, row.mlmd_id): row.hops for row in up.itertuples()}
    assert found == {("Execution", 5): 1, ("Artifact", 3): 2, ("Artifact", 5): 2, ("Execution", 3): 3,
                     ("Execution", 4): 3, ("Execution", 7): 3, ("Artifact", 1): 4, ("Execution", 1): 5}
    assert set(near["mlmd_id"]) == {5, 3} and near["hops"].max() == 2
    assert {(row.kind, row.mlmd_id) for row in down.itertuples()} == {
        ("Artifact", 2), ("Artifact", 3), ("Execution", 4), ("Execution", 5), ("Execution", 9)}
