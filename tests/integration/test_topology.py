"""The cypher/topology/ queries on real stores, with expectations derived by hand from their
SQLite rows, and on a small hand-made graph for what the real stores lack (several Trainer nodes,
warm-start chains)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.loader.load import default_source_name
from tests.helpers import fresh_graph, store

pytestmark = pytest.mark.integration

STORES = {
    "tfma": "penguin-tfma",
    "transform": "penguin-transform",
    "thesis": "mohom373__data-centric_ai_thesis__metadata_penguin-simple",
    "simple_a": "Hieudinh1308__ML_Pipelines_Penguin_Dataset_BS__metadata_penguin-simple_metadata",
    "simple_b": "hastikacheddy",
    "simple_c": "ksuchoi216",
}
HANDMADE = "topology-handmade"

# A pipeline with Trainer nodes `Trainer` (3 runs) and `Trainer_2` (1 run); graphlets 1 <- 2 <- 3
# form one warm-start chain of three, graphlet 4 trained from scratch is a chain of one.
HANDMADE_GRAPH = """
CREATE (p:Pipeline {uid: $source + ':p:two-trainers', source: $source, name: 'two-trainers'})
WITH p
UNWIND [[1, 'Trainer'], [2, 'Trainer'], [3, 'Trainer'], [4, 'Trainer_2']] AS run
CREATE (t:Execution {uid: $source + ':e:' + toString(run[0]), source: $source, mlmd_id: run[0],
                     operator: 'Trainer', node: run[1], pipeline: 'two-trainers', created_at: run[0]})
CREATE (t)-[:IN_PIPELINE]->(p)
CREATE (g:Graphlet {uid: $source + ':g:' + toString(run[0]), source: $source, pipeline: 'two-trainers',
                    trainer_id: run[0]})
CREATE (p)-[:HAS_GRAPHLET]->(g)
CREATE (g)-[:CONTAINS {role: 'trainer'}]->(t)
WITH collect(g) AS graphlets
UNWIND [[1, 0], [2, 1]] AS link
WITH graphlets[link[0]] AS newer, graphlets[link[1]] AS older
CREATE (newer)-[:WARM_STARTS_FROM]->(older)
"""

# Runs of one pipeline (pipeline_run contexts), operators named apart from the real stores':
# 1 {Ingest, Learner}; 2 {Ingest} (a day that only ingested); 3 {Ingest, Learner FAILED};
# 4 {Ingest, Learner, Ship}; 5 the same as 4. Only run 4 changes the structure, against run 1.
PARTIAL_RUNS = "topology-partial-runs"
PARTIAL_RUNS_GRAPH = """
CREATE (p:Pipeline {uid: $source + ':p:partial', source: $source, name: 'partial'})
WITH p
UNWIND [[1, 'Ingest', 'COMPLETE'], [1, 'Learner', 'COMPLETE'], [2, 'Ingest', 'COMPLETE'],
        [3, 'Ingest', 'COMPLETE'], [3, 'Learner', 'FAILED'], [4, 'Ingest', 'COMPLETE'],
        [4, 'Learner', 'COMPLETE'], [4, 'Ship', 'COMPLETE'], [5, 'Ingest', 'CACHED'],
        [5, 'Learner', 'COMPLETE'], [5, 'Ship', 'COMPLETE']] AS step
MERGE (r:Context {uid: $source + ':c:' + toString(step[0])})
  ON CREATE SET r.source = $source, r.type = 'pipeline_run', r.name = 'run-' + toString(step[0])
CREATE (x:Execution {uid: $source + ':e:' + toString(step[0]) + step[1], source: $source,
                     operator: step[1], state: step[2], pipeline: 'partial',
                     created_at: step[0] * 100 + size(step[1])})
CREATE (x)-[:IN_PIPELINE]->(p)
CREATE (x)-[:ASSOCIATED_WITH]->(r)
"""


def source(key: str) -> str:
    return default_source_name(store(STORES[key]))


@pytest.fixture(scope="module")
def topology_graph(neo4j_target):
    """The real stores above loaded with their graphlets built, plus the hand-made graph."""
    fresh_graph(neo4j_target, [store(fragment) for fragment in STORES.values()])
    with neo4j_target.driver() as driver:
        driver.execute_query(HANDMADE_GRAPH, {"source": HANDMADE}, database_=neo4j_target.database)
        driver.execute_query(PARTIAL_RUNS_GRAPH, {"source": PARTIAL_RUNS}, database_=neo4j_target.database)
    return neo4j_target


def run(target, name: str, **params) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, name, **params)


def one_row(target, name: str, key: str) -> pd.Series:
    frame = run(target, name, source=source(key))
    assert len(frame) == 1, frame
    return frame.iloc[0]


def test_every_topology_query_returns_its_declared_columns(topology_graph):
    names = [q.name for q in queries.registry() if q.name.startswith("topology.")]
    assert len(names) == 8
    for name in names:
        frame = run(topology_graph, name)
        assert list(frame.columns) == list(queries.registry().get(name).returns), name
        assert len(frame) > 0 or name == "topology.structure_changes", name


def test_operator_set_of_penguin_tfma(topology_graph):
    # Executions 1-5 and 6-10 are two runs of CsvExampleGen, Resolver, Trainer, Evaluator, Pusher.
    row = one_row(topology_graph, "operator_set", "tfma")
    assert row["operators"] == "CsvExampleGen Evaluator Pusher Resolver Trainer"
    assert row["n_operators"] == 5
    assert row["executions"] == 10
    assert row["operator_counts"] == "CsvExampleGen=2 Evaluator=2 Pusher=2 Resolver=2 Trainer=2"


def test_operator_frequency_counts_pipelines_and_executions(topology_graph):
    table = run(topology_graph, "operator_frequency").set_index("operator")
    # All six stores but the hand-made graph (one pipeline with only Trainers) run CsvExampleGen:
    # once per run, 2 + 2 + 5 + 1 + 1 + 1 executions.
    assert table.loc["CsvExampleGen", "pipelines"] == 6
    assert table.loc["CsvExampleGen", "executions"] == 12
    # Eight pipelines in all: the six stores', the hand-made one and the partial-runs one.
    assert table.loc["CsvExampleGen", "pipeline_share"] == pytest.approx(6 / 8)
    # Trainer: every pipeline; 2 + 2 + 5 + 1 + 1 + 1 + 4 (hand-made) runs.
    assert table.loc["Trainer", "pipelines"] == 7
    assert table.loc["Trainer", "executions"] == 16
    assert table.loc["Evaluator", "pipelines"] == 1


def test_dag_shape_of_penguin_tfma(topology_graph):
    # OUTPUT->INPUT pairs in the Event table: 1>3, 1>4 (Examples 1), 3>4, 3>5, 3>9 (Model 3, 9 as
    # baseline), 4>5 (ModelBlessing 5) and the same in run 2. Resolver 7 only re-emits through
    # INTERNAL_OUTPUT and Resolver 2 has no events: neither is an edge.
    row = one_row(topology_graph, "dag_shape", "tfma")
    expected = ("CsvExampleGen->Evaluator, CsvExampleGen->Trainer, Evaluator->Pusher, "
                "Trainer->Evaluator, Trainer->Pusher")
    assert row["edges"] == expected
    assert row["n_edges"] == 5
    assert row["n_operators"] == 5
    assert row["shape_hash"] == hashlib.sha1(expected.encode()).hexdigest()[:12]


def test_dag_shape_of_penguin_transform(topology_graph):
    # 1>3 1>4 1>6 (Examples), 2>4 2>5 (Schema of Importer 2; cached Importer 9 re-emits it to the
    # same operators), 3>5 (Statistics), 4>6 (Transform graph), 6>7 (Model).
    row = one_row(topology_graph, "dag_shape", "transform")
    assert row["edges"] == (
        "CsvExampleGen->StatisticsGen, CsvExampleGen->Trainer, CsvExampleGen->Transform, "
        "Importer->ExampleValidator, Importer->Transform, StatisticsGen->ExampleValidator, "
        "Trainer->Pusher, Transform->Trainer")


def test_dag_shapes_groups_pipelines_of_the_same_shape(topology_graph):
    # Three penguin-simple stores are each CsvExampleGen 1 > Trainer 2 > Pusher 3.
    table = run(topology_graph, "dag_shapes").set_index("edges")
    simple = table.loc["CsvExampleGen->Trainer, Trainer->Pusher"]
    assert simple["pipelines"] == 3
    assert simple["n_edges"] == 2
    assert table["pipelines"].sum() == 8  # with the hand-made and partial-runs pipelines
    assert table.loc[table.index[0], "pipelines"] == 3


@pytest.mark.parametrize("key, depth, width", [
    # CsvExampleGen -> Trainer -> Evaluator -> Pusher; level 0 holds CsvExampleGen and the Resolver.
    ("tfma", 4, 2),
    # Levels: {CsvExampleGen, Importer}, {StatisticsGen, Transform}, {ExampleValidator, Trainer}, {Pusher}.
    ("transform", 4, 2),
    # CsvExampleGen -> Trainer -> Pusher and CsvExampleGen -> StatisticsGen -> SchemaGen.
    ("thesis", 3, 2),
    ("simple_a", 3, 1),
])
def test_depth_and_width(topology_graph, key, depth, width):
    row = one_row(topology_graph, "depth_width", key)
    assert (row["depth"], row["width"]) == (depth, width)


def test_multi_trainer_pipelines(topology_graph):
    table = run(topology_graph, "multi_trainer_pipelines")
    # Every real store here trains with one Trainer node; the hand-made pipeline has two.
    assert table.to_dict("records") == [{
        "source": HANDMADE, "pipeline": "two-trainers", "trainer_nodes": 2,
        "nodes": "Trainer Trainer_2", "trainer_executions": 4,
    }]


def test_warm_start_chains(topology_graph):
    handmade = run(topology_graph, "warm_start_chains", source=HANDMADE)
    assert handmade.to_dict("records") == [
        {"chain_length": 1, "chains": 1, "pipelines": 1},
        {"chain_length": 3, "chains": 1, "pipelines": 1},
    ]
    # penguin-tfma's Trainer 8 reads Model 3 as a baseline, not as base_model: two chains of one.
    tfma = run(topology_graph, "warm_start_chains", source=source("tfma"))
    assert tfma.to_dict("records") == [{"chain_length": 1, "chains": 2, "pipelines": 1}]


# Graphlets of one pipeline linked by WARM_STARTS_FROM (newer, older): chain a <- b, and a fork:
# n warm-starts from both x and y, x from z, z and y from w; m warm-starts from z too.
FORKED = "topology-forked-chains"
FORKED_GRAPH = """
UNWIND ['a', 'b', 'n', 'x', 'y', 'z', 'w', 'm'] AS name
CREATE (:Graphlet {uid: $source + ':g:' + name, source: $source, pipeline: 'forked'})
WITH count(*) AS created
UNWIND [['b', 'a'], ['n', 'x'], ['n', 'y'], ['x', 'z'], ['z', 'w'], ['y', 'w'], ['m', 'z']] AS link
MATCH (newer:Graphlet {uid: $source + ':g:' + link[0]}), (older:Graphlet {uid: $source + ':g:' + link[1]})
CREATE (newer)-[:WARM_STARTS_FROM]->(older)
"""


def run_on_own_source(target, graph: str, source: str, query: str):
    """Create `graph` (Cypher taking $source) as a source of its own, run the stored `query` on it,
    and remove it again, so that the other tests' counts stay as they are."""
    with target.driver() as driver:
        driver.execute_query(graph, {"source": source}, database_=target.database)
        try:
            return run(target, query, source=source)
        finally:
            driver.execute_query("MATCH (n {source: $source}) DETACH DELETE n", {"source": source},
                                 database_=target.database)


def test_warm_start_chains_count_the_longest_path_of_a_fork(topology_graph):
    # b -> a is 2 long; m -> z -> w is 3 (z is shared with n's chain, which does not make m's
    # longer); n reaches five graphlets but its longest path n -> x -> z -> w is 4, so a chain that
    # forks is measured by its paths, not by the graphlets it reaches. (A source of its own, removed
    # again, so that the other tests' counts stay as they are.)
    table = run_on_own_source(topology_graph, FORKED_GRAPH, FORKED, "warm_start_chains")
    assert table.to_dict("records") == [
        {"chain_length": 2, "chains": 1, "pipelines": 1},
        {"chain_length": 3, "chains": 1, "pipelines": 1},
        {"chain_length": 4, "chains": 1, "pipelines": 1},
    ]


def test_structure_changes_between_pipeline_runs(topology_graph):
    # mohom373 penguin-simple, pipeline_run contexts by first execution: {CsvExampleGen, Trainer}
    # twice with the Trainer FAILED (executions 2 and 4: a Pusher after it could not have run, so
    # these runs say nothing about the structure), then {CsvExampleGen, Trainer, Pusher} complete
    # (run 3, executions 5-7: the baseline), the same (run 4), then StatisticsGen and SchemaGen
    # added (run 5, executions 11-15).
    table = run(topology_graph, "structure_changes", source=source("thesis"))
    assert table[["unit", "run_number", "previous_run", "added", "removed"]].to_dict("records") == [
        {"unit": "run", "run_number": 5, "previous_run": "2023-04-04T13:41:02.262542",
         "added": "SchemaGen StatisticsGen", "removed": ""},
    ]
    assert table.iloc[0]["operators"] == "CsvExampleGen Pusher SchemaGen StatisticsGen Trainer"
    # penguin-tfma's two runs have the same five operators.
    assert run(topology_graph, "structure_changes", source=source("tfma")).empty


def test_structure_changes_compare_complete_runs_only(topology_graph):
    table = run(topology_graph, "structure_changes", source=PARTIAL_RUNS, trainer_operator="Learner")
    assert table[["run_number", "previous_run", "run", "added", "removed"]].to_dict("records") == [
        {"run_number": 4, "previous_run": "run-1", "run": "run-4", "added": "Ship", "removed": ""},
    ]
    # With `Ingest` as the operator a complete run reaches, the ingestion-only run 2 is complete
    # too: it is a change (Learner removed), and so is run 4 (Learner and Ship added).
    table = run(topology_graph, "structure_changes", source=PARTIAL_RUNS, trainer_operator="Ingest")
    assert table["run_number"].tolist() == [2, 4]


# A pipeline without run contexts whose graphlets hold different operators: 1 {Ingest, Trainer},
# 2 the same, 3 {Ingest, Transform, Trainer}. Only graphlet 3 changes the structure.
GRAPHLET_RUNS = "topology-graphlet-runs"
GRAPHLET_RUNS_GRAPH = """
CREATE (p:Pipeline {uid: $source + ':p:no-runs', source: $source, name: 'no-runs'})
WITH p
UNWIND [[1, 'Ingest'], [1, 'Trainer'], [2, 'Ingest'], [2, 'Trainer'], [3, 'Ingest'], [3, 'Transform'],
        [3, 'Trainer']] AS member
MERGE (g:Graphlet {uid: $source + ':g:' + toString(member[0])})
  ON CREATE SET g.source = $source, g.pipeline = 'no-runs', g.trainer_id = member[0], g.started_at = member[0] * 100
MERGE (p)-[:HAS_GRAPHLET]->(g)
CREATE (x:Execution {uid: $source + ':e:' + toString(member[0]) + member[1], source: $source, operator: member[1],
                     state: 'COMPLETE', pipeline: 'no-runs', created_at: member[0] * 100})
CREATE (x)-[:IN_PIPELINE]->(p)
CREATE (g)-[:CONTAINS {role: CASE member[1] WHEN 'Trainer' THEN 'trainer' ELSE 'upstream' END}]->(x)
"""


def test_structure_changes_fall_back_to_graphlets_without_run_contexts(topology_graph):
    # The hand-made pipeline has no run contexts: its four graphlets are its runs, each with a
    # Trainer only, so nothing changes.
    assert run(topology_graph, "structure_changes", source=HANDMADE).empty
    # Graphlets as runs do show a change when their operators differ (a source of its own, removed
    # again, so that the other tests' counts of pipelines stay as they are).
    table = run_on_own_source(topology_graph, GRAPHLET_RUNS_GRAPH, GRAPHLET_RUNS, "structure_changes")
    assert table[["unit", "run_number", "previous_run", "run", "added", "removed"]].to_dict("records") == [
        {"unit": "graphlet", "run_number": 3, "previous_run": f"{GRAPHLET_RUNS}:g:2", "run": f"{GRAPHLET_RUNS}:g:3",
         "added": "Transform", "removed": ""},
    ]
