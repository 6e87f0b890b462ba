"""Every analysis on a graph of the real stores and a small synthetic corpus: hand-derived
expectations, the corpus ground truth (exact where the truth is exact), and the stored-query
contract (EXPLAIN says read-only, the columns are those the `returns` header declares)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pandas as pd
import pytest

from mlprov.analytics.graphlets import BuildReport, _Planning, _Run, _tally
from mlprov.core import queries
from mlprov.core.settings import GraphletSettings
from mlprov.analytics.tables import analysis_queries, stem
from mlprov.corpus import generate
from mlprov.loader.load import default_source_name
from tests.helpers import REAL_STORES, fresh_graph, store

pytestmark = pytest.mark.integration

CORPUS = "tiny_corpus"
MODES = ("full", "amortized", "first_use")
READ_QUERIES = [q for q in queries.registry() if q.mode == "read"]


CORPUS_PIPELINES = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A small synthetic corpus (4 pipelines, one with two Trainer nodes) and its ground truth. The
    seed is one whose truth has every kind of change the tests compare (new data, Trainer code,
    hyperparameters, structure) both happening and not, so that no comparison is of two constants."""
    files = generate(tmp_path_factory.mktemp("corpus") / f"{CORPUS}.sqlite", pipelines=CORPUS_PIPELINES, days=20,
                     seed=10, progress=None)
    graphlets, pipelines = pd.read_parquet(files.graphlets), pd.read_parquet(files.pipelines)
    assert len(pipelines) == CORPUS_PIPELINES and sorted(pipelines["trainers"])[-1] == 2
    assert len(graphlets) == files.graphlet_count > 50
    return SimpleNamespace(store=files.store, graphlets=graphlets, pipelines=pipelines)


@pytest.fixture(scope="module")
def graph(neo4j_target, corpus):
    """The session's throwaway server holding every real store and the corpus, graphlets built."""
    fresh_graph(neo4j_target, [*REAL_STORES, corpus.store])
    return neo4j_target


def run(target, name: str, **params) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, name, **params)


def real(fragment: str) -> str:
    return default_source_name(store(fragment))


# ------------------------------------------------------------------ contract, for every read query

@pytest.mark.parametrize("query", READ_QUERIES, ids=lambda q: q.name)
def test_read_query_is_read_only_and_declares_its_columns(graph, query):
    with graph.driver() as driver, driver.session(database=graph.database) as session:
        result = session.run("EXPLAIN " + query.body, query.bind({}))
        keys = list(result.keys())
        summary = result.consume()
    assert summary.query_type == "r", f"{query.path}: EXPLAIN says {summary.query_type!r}, not read-only"
    assert keys == list(query.returns), f"{query.path}: returns {keys}, header declares {list(query.returns)}"


def test_a_table_comes_back_in_chunks_with_the_rows_and_order_the_query_itself_returns(graph, monkeypatch):
    query = queries.registry().get("analyses.graphlets")
    with graph.driver() as driver:
        with driver.session(database=graph.database) as session:
            plain = [list(record.values()) for record in session.run(query.body, query.bind({}))]
            size = next(n for n in range(7, 20) if len(plain) % n)  # several chunks, the last one short
            chunks = [record["chunk"] for record in
                      session.run(queries.chunked_statement(query), {**query.bind({}), "mlprov_chunk_rows": size})]
        monkeypatch.setattr(queries, "CHUNK_ROWS", size)
        keys, rows = queries.execute(driver, graph.database, query.name)
    assert len(plain) > 3 * size
    assert [len(chunk) for chunk in chunks] == [size] * (len(plain) // size) + [len(plain) % size]
    assert any(value is None for row in plain for value in row)  # nulls keep their places
    assert keys == list(query.returns)
    assert rows == plain


@pytest.mark.parametrize("query", analysis_queries(), ids=stem)
def test_analysis_runs_with_its_defaults_and_returns_its_columns(graph, query):
    frame = run(graph, query.name)
    assert list(frame.columns) == list(query.returns)
    assert len(frame) > 0


# ------------------------------------------------------------------ hand-derived, real stores

def test_penguin_tfma_two_graphlets_one_pushed_one_not_blessed(graph):
    source = real("penguin-tfma")
    per_pipeline = run(graph, "graphlets_per_pipeline", source=source)
    assert per_pipeline[["graphlets", "pushed", "trainer_nodes", "cache_hits"]].values.tolist() == [[2, 1, 1, 0]]
    outcomes = run(graph, "outcome_share", source=source).set_index("outcome")
    assert outcomes["graphlets"].to_dict() == {"pushed": 1, "not_blessed": 1}
    assert outcomes.loc["pushed", "share"] == pytest.approx(0.5)
    overlap = run(graph, "input_overlap", source=source)
    assert overlap[["trainer_id", "previous_trainer_id"]].values.tolist() == [[8, 3]]
    sizes = run(graph, "graphlet_size", source=source).set_index("trainer_id")
    assert sizes.loc[3, ["n_executions", "upstream_executions", "downstream_executions"]].tolist() == [4, 1, 2]


def test_penguin_tfma_waste_is_the_not_blessed_graphlet(graph):
    source = real("penguin-tfma")
    table = run(graph, "graphlets", source=source).set_index("trainer_id")
    waste = run(graph, "waste_total", source=source).set_index("mode")
    for mode in MODES:
        cost = table[f"cost_{mode}_s"]
        assert waste.loc[mode, "closed_graphlets"] == 2 and waste.loc[mode, "wasted_graphlets"] == 1
        assert waste.loc[mode, "waste_s"] == pytest.approx(cost[8])
        assert waste.loc[mode, "waste_fraction"] == pytest.approx(cost[8] / (cost[3] + cost[8]))


def test_penguin_transform_costs_shared_importer_and_unattributed_row(graph):
    # Graphlets {1, 2, 4, 6, 7} and {2, 8, 11, 13, 14}: Importer 2 is in both; StatisticsGen 3/10,
    # ExampleValidator 5/12 and the CACHED Importer 9 are in none (the penguin-transform worked example, rules §9).
    source = real("penguin-transform")
    with graph.driver() as driver:
        records, _, _ = driver.execute_query(
            "MATCH (e:Execution {source: $source}) RETURN e.mlmd_id AS id, e.cost_s AS cost", source=source,
            database_=graph.database)
    cost = {r["id"]: r["cost"] for r in records}
    by_operator = run(graph, "cost_by_operator", source=source).set_index("operator")
    unattributed = by_operator.loc["unattributed"]
    assert unattributed["executions"] == 5
    assert unattributed["cost_s"] == pytest.approx(sum(cost[i] for i in (3, 5, 9, 10, 12)))
    assert by_operator.loc["Importer", "cost_full_s"] == pytest.approx(2 * cost[2])
    assert by_operator.loc["Importer", "cost_s"] == pytest.approx(cost[2])
    assert by_operator["share"].sum() == pytest.approx(1.0)
    by_category = run(graph, "cost_by_category", source=source).set_index("category")
    assert by_category.loc["unattributed", "cost_s"] == pytest.approx(unattributed["cost_s"])
    assert by_category["cost_s"].sum() == pytest.approx(sum(cost.values()))


def test_syahrrulll_eight_trainers_six_failed(graph):
    source = real("Syahrrulll")
    failures = run(graph, "failures_by_operator", source=source).set_index("operator")
    assert failures.loc["Trainer", ["executions", "failed", "canceled"]].tolist() == [8, 6, 0]
    assert failures.loc["Trainer", "failure_rate"] == pytest.approx(6 / 8)
    outcomes = run(graph, "outcomes_by_pipeline", source=source)
    assert outcomes[["graphlets", "failed", "pushed"]].values.tolist() == [[8, 6, 2]]
    # Every Trainer run of this store was built from a new user-code wheel (module_path holds its
    # hash): each of the seven pairs of consecutive runs changed the Trainer code.
    with sqlite3.connect(f"file:{store('Syahrrulll')}?mode=ro", uri=True) as conn:
        code = conn.execute(
            "SELECT e.id, p.string_value FROM Execution e JOIN Type t ON t.id = e.type_id "
            "LEFT JOIN ExecutionProperty p ON p.execution_id = e.id AND p.name = 'module_path' "
            "WHERE t.name = 'tfx.components.trainer.component.Trainer' "
            "ORDER BY e.create_time_since_epoch, e.id").fetchall()
    pairs = [(before_id, after_id) for (before_id, _), (after_id, _) in zip(code, code[1:])]
    changed = [before != after for (_, before), (_, after) in zip(code, code[1:])]
    assert len(pairs) == 7 and all(changed)
    changes = run(graph, "graphlet_changes", source=source)
    assert changes[["previous_trainer_id", "trainer_id"]].values.tolist() == [list(pair) for pair in pairs]
    assert changes["trainer_code_changed"].tolist() == changed


def test_lifespan_and_activity_match_the_store_tables(graph):
    path = store("penguin-tfma")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        first, last, executions = conn.execute(
            "SELECT min(create_time_since_epoch), max(last_update_time_since_epoch), count(*) FROM Execution").fetchone()
    lifespan = run(graph, "pipeline_lifespan", source=real("penguin-tfma")).iloc[0]
    assert (lifespan["first_execution_at"], lifespan["last_execution_at"], lifespan["executions"]) == (first, last, executions)
    assert lifespan["lifespan_days"] == pytest.approx((last - first) / 86_400_000)
    activity = run(graph, "pipeline_activity", source=real("penguin-tfma")).iloc[0]
    assert activity["active_days"] == max(1, -(-(last - first) // 86_400_000))
    assert activity["trainings"] == 2


# ------------------------------------------------------------------ synthetic corpus ground truth

def test_pipeline_activity_and_counts_equal_the_truth(graph, corpus):
    truth = corpus.pipelines.set_index("pipeline")
    assert len(truth) == CORPUS_PIPELINES
    activity = run(graph, "pipeline_activity", source=CORPUS).set_index("pipeline")
    for column in ("active_days", "executions", "trainings"):
        assert activity[column].astype(int).to_dict() == truth[column].astype(int).to_dict(), column
    lifespan = run(graph, "pipeline_lifespan", source=CORPUS).set_index("pipeline")
    assert lifespan["lifespan_days"].round(4).to_dict() == pytest.approx(truth["lifespan_days"].to_dict())
    per_pipeline = run(graph, "graphlets_per_pipeline", source=CORPUS).set_index("pipeline")
    assert per_pipeline["graphlets"].to_dict() == truth["graphlets"].to_dict()
    assert per_pipeline["pushed"].to_dict() == truth["pushed"].to_dict()
    assert per_pipeline["trainer_nodes"].to_dict() == truth["trainers"].to_dict()


def test_graphlet_sizes_and_outcomes_equal_the_truth(graph, corpus):
    truth = corpus.graphlets.set_index("trainer_id")
    sizes = run(graph, "graphlet_size", source=CORPUS).set_index("trainer_id")
    assert sorted(sizes.index) == sorted(truth.index)
    for column in ("n_executions", "n_artifacts", "outcome"):
        assert sizes[column].astype(str).to_dict() == truth[column].astype(str).to_dict(), column
    outcomes = run(graph, "outcome_share", source=CORPUS).set_index("outcome")["graphlets"]
    assert outcomes.to_dict() == truth["outcome"].value_counts().to_dict()


def test_waste_equals_the_truth_under_every_mode(graph, corpus):
    truth = corpus.graphlets
    closed = truth[truth["outcome"] != "open"]
    wasted = closed[closed["outcome"] != "pushed"]
    total = run(graph, "waste_total", source=CORPUS).set_index("mode")
    by_pipeline = run(graph, "waste_by_pipeline", source=CORPUS).set_index(["pipeline", "mode"])
    by_category = run(graph, "waste_by_category", source=CORPUS)
    for mode in MODES:
        column = f"cost_{mode}_s"
        assert total.loc[mode, "closed_graphlets"] == len(closed)
        assert total.loc[mode, "wasted_graphlets"] == len(wasted)
        assert total.loc[mode, "waste_s"] == pytest.approx(wasted[column].sum())
        assert total.loc[mode, "waste_fraction"] == pytest.approx(wasted[column].sum() / closed[column].sum())
        # Every pipeline with closed graphlets has a row; those that wasted nothing say 0.
        expected = wasted.groupby("pipeline")[column].sum().reindex(closed["pipeline"].unique(), fill_value=0.0)
        of_mode = by_pipeline.xs(mode, level="mode")["waste_s"]
        assert (expected > 0).sum() >= 2
        assert sorted(of_mode.index) == sorted(expected.index)
        assert of_mode.to_dict() == pytest.approx(expected.to_dict())
        of_mode = by_category[by_category["mode"] == mode]
        assert of_mode["waste_s"].sum() == pytest.approx(wasted[column].sum())
        assert of_mode["closed_cost_s"].sum() == pytest.approx(closed[column].sum())
        assert of_mode["waste_share"].sum() == pytest.approx(1.0)


def test_attributed_cost_equals_the_truth(graph, corpus):
    by_operator = run(graph, "cost_by_operator", source=CORPUS)
    attributed = by_operator[by_operator["operator"] != "unattributed"]
    assert attributed["cost_s"].sum() == pytest.approx(corpus.graphlets["cost_amortized_s"].sum())
    assert attributed["cost_full_s"].sum() == pytest.approx(corpus.graphlets["cost_full_s"].sum())
    assert attributed.loc[attributed["operator"] == "Trainer", "executions"].item() == len(corpus.graphlets)


def test_input_overlap_spans_equal_the_truth(graph, corpus):
    truth = corpus.graphlets.set_index("trainer_id")
    overlap = run(graph, "input_overlap", source=CORPUS).set_index("trainer_id")
    assert len(overlap) == len(truth) - corpus.pipelines["trainers"].sum() > 0
    assert overlap["spans"].to_dict() == truth.loc[overlap.index, "window_spans"].astype(int).to_dict()
    assert overlap["new_spans"].to_dict() == truth.loc[overlap.index, "new_spans"].astype(int).to_dict()
    assert ((overlap["spans_jaccard"] >= 0) & (overlap["spans_jaccard"] <= 1)).all()


def test_changes_equal_the_truth_and_push_rates_agree(graph, corpus):
    truth = corpus.graphlets.set_index("trainer_id")
    changes = run(graph, "graphlet_changes", source=CORPUS).set_index("trainer_id")
    assert len(changes) == len(truth) - corpus.pipelines["trainers"].sum()
    expected = truth.loc[changes.index]
    # Each compared change happens for some pairs and not for others (see the corpus fixture).
    for column in ("hyperparameter_change", "code_change"):
        assert expected[column].nunique() == 2, column
    assert (expected["new_spans"] > 0).nunique() == 2
    assert changes["hyperparameters_changed"].to_dict() == expected["hyperparameter_change"].astype(bool).to_dict()
    assert changes["new_data"].to_dict() == (expected["new_spans"] > 0).to_dict()
    assert changes["trainer_code_changed"].to_dict() == expected["code_change"].astype(bool).to_dict()
    # push_rate_by_change counts, per kind of change, the closed pairs flagged with it.
    closed = changes[changes["outcome"] != "open"]
    flags = {kind: closed[column].astype(bool) for kind, column in (
        ("new_data", "new_data"), ("schema", "schema_changed"), ("transform_code", "transform_code_changed"),
        ("trainer_code", "trainer_code_changed"), ("hyperparameters", "hyperparameters_changed"),
        ("operators", "operators_changed"))}
    changed_any = pd.concat(flags.values(), axis=1).any(axis=1)
    flags.update({"no_new_data": ~flags["new_data"], "no_change": ~changed_any,
                  "any": pd.Series(True, index=closed.index)})
    expected_rates = {kind: (int(flag.sum()), int((closed.loc[flag, "outcome"] == "pushed").sum()))
                      for kind, flag in flags.items() if flag.any()}
    assert {"new_data", "no_new_data", "trainer_code", "hyperparameters", "operators", "any"} <= set(expected_rates)
    rates = run(graph, "push_rate_by_change", source=CORPUS)
    assert {row.change: (row.graphlets, row.pushed) for row in rates.itertuples()} == expected_rates


def test_outcomes_over_time_cover_every_graphlet(graph, corpus):
    for period in ("day", "week"):
        over_time = run(graph, "outcomes_over_time", source=CORPUS, period=period)
        assert over_time["graphlets"].sum() == len(corpus.graphlets)
        assert over_time.groupby("period_start")["share"].sum().round(9).eq(1.0).all()


# ------------------------------------------------------------------ whole-graph tables from pipeline tallies

def frame(target, cypher: str, **params) -> pd.DataFrame:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(cypher, params, database_=target.database)
    return pd.DataFrame([record.data() for record in records])


def approx_rows(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same rows (index and columns), ints and strings exactly, floats to 1e-9 (sums in another order)."""
    assert sorted(table.index) == sorted(expected.index)
    for column in expected.columns:
        got, want = table[column].to_dict(), expected[column].reindex(table.index).to_dict()
        if pd.api.types.is_float_dtype(expected[column]):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), column
        else:
            assert got == want, column


def test_cost_tables_equal_the_sums_over_every_execution(graph):
    # cost_by_operator and cost_by_category add up the pipelines' tallies (graphlets.tallies); here
    # the same tables from every execution's own cost and holder count, all sources together.
    executions = frame(graph, "MATCH (e:Execution) RETURN e.operator AS operator, e.category AS category, "
                              "coalesce(e.holders, 0) AS holders, e.cost_s AS cost_s, e.cost_basis AS basis")
    held = executions["holders"] > 0
    assert held.any() and (~held).any() and executions["basis"].nunique() >= 2
    executions["operator"] = executions["operator"].where(held, "unattributed")
    executions["category"] = executions["category"].where(held, "unattributed")
    executions["full"] = executions["cost_s"] * executions["holders"]
    for keys, name in ((["operator", "category"], "cost_by_operator"), (["category"], "cost_by_category")):
        expected = executions.groupby(keys).agg(
            executions=("cost_s", "size"), cost_s=("cost_s", "sum"), cost_full_s=("full", "sum"),
            bases=("basis", lambda bases: " ".join(sorted(set(bases.dropna())))))
        expected["share"] = expected["cost_s"] / expected["cost_s"].sum()
        table = run(graph, name).set_index(keys)
        assert len(table) > 3
        approx_rows(table[list(expected.columns)], expected)


def assert_execution_tables_equal_the_counts_over_every_execution(graph) -> None:
    """executions_by_operator, failures_by_operator and operator_frequency against the same tables
    from every execution, held by a graphlet or not, all sources together."""
    executions = frame(graph, "MATCH (p:Pipeline)<-[:IN_PIPELINE]-(e:Execution) RETURN p.uid AS pipeline, "
                              "e.operator AS operator, e.category AS category, e.state AS state, e.cost_s AS cost_s")
    assert {"COMPLETE", "FAILED"} <= set(executions["state"])
    keys = ["operator", "category", "state"]
    expected = executions.groupby(keys).agg(executions=("cost_s", "size"), cost_s=("cost_s", "sum"))
    table = run(graph, "executions_by_operator").set_index(keys)
    assert len(table) > 5
    approx_rows(table[list(expected.columns)], expected)

    failed = executions["state"].isin(["FAILED", "CANCELED"])
    executions["failed"] = (executions["state"] == "FAILED").astype(int)
    executions["canceled"] = (executions["state"] == "CANCELED").astype(int)
    executions["failed_cost"] = executions["cost_s"].where(failed, 0.0)
    keys = ["operator", "category"]
    expected = executions.groupby(keys).agg(executions=("cost_s", "size"), failed=("failed", "sum"),
                                            canceled=("canceled", "sum"), failed_cost_s=("failed_cost", "sum"))
    expected["failure_rate"] = (expected["failed"] + expected["canceled"]) / expected["executions"]
    table = run(graph, "failures_by_operator").set_index(keys)
    assert (table["failed"] > 0).any()
    approx_rows(table[list(expected.columns)], expected)

    expected = executions.groupby("operator").agg(category=("category", "min"), pipelines=("pipeline", "nunique"),
                                                  executions=("cost_s", "size"))
    expected["pipeline_share"] = expected["pipelines"] / executions["pipeline"].nunique()
    table = run(graph, "operator_frequency").set_index("operator")
    assert (table["pipeline_share"] < 1).any()
    approx_rows(table[list(expected.columns)], expected)


def test_execution_tables_add_up_tallies_and_count_the_pipelines_never_built(graph):
    # The three tables add up the pipelines' tallies, which group the executions by state and by
    # whether a graphlet holds them; a pipeline without tallies (its graphlets never built) has its
    # executions counted by the query itself. Both ways, and the two mixed, give the same tables.
    assert_execution_tables_equal_the_counts_over_every_execution(graph)
    tally = [f"tally_{name}" for name in ("operators", "categories", "states", "attributed", "executions", "cost_s")]
    with graph.driver() as driver:
        try:
            for part in (0, 1):  # first every other pipeline without tallies, then all of them
                driver.execute_query("MATCH (p:Pipeline) WITH p ORDER BY p.uid WITH collect(p) AS ordered "
                                     "UNWIND range(0, size(ordered) - 1) AS i WITH ordered[i] AS p, i WHERE i % 2 <= $part "
                                     "SET p += $blank", part=part, blank={key: None for key in tally},
                                     database_=graph.database)
                assert_execution_tables_equal_the_counts_over_every_execution(graph)
        finally:  # the module's graph as it was, for the tests after this one
            for source in frame(graph, "MATCH (s:Source) RETURN s.name AS name")["name"]:
                tally_source_again(driver, graph.database, source)
    assert frame(graph, "MATCH (p:Pipeline)<-[:IN_PIPELINE]-() WHERE p.tally_states IS NULL RETURN count(*) AS n")["n"][0] == 0


def test_waste_and_outcome_tables_equal_the_sums_over_every_graphlet(graph):
    graphlets = frame(graph, "MATCH (g:Graphlet) RETURN g.outcome AS outcome, g.cost_full_s AS full, "
                             "g.cost_amortized_s AS amortized, g.cost_first_use_s AS first_use, "
                             "g.category_names AS names, g.category_full_s AS c_full, "
                             "g.category_amortized_s AS c_amortized, g.category_first_use_s AS c_first_use")
    closed = graphlets[graphlets["outcome"] != "open"]
    wasted = closed[closed["outcome"] != "pushed"]
    assert len(wasted) and len(closed) > len(wasted)
    total = run(graph, "waste_total").set_index("mode")
    for mode in MODES:
        assert total.loc[mode, ["closed_graphlets", "wasted_graphlets", "open_graphlets"]].tolist() == [
            len(closed), len(wasted), len(graphlets) - len(closed)]
        assert total.loc[mode, "closed_cost_s"] == pytest.approx(closed[mode].sum())
        assert total.loc[mode, "waste_s"] == pytest.approx(wasted[mode].sum())
        assert total.loc[mode, "open_cost_s"] == pytest.approx(graphlets.loc[graphlets["outcome"] == "open", mode].sum())
    # Per category: each closed graphlet's per-category costs (graphlets.costs), exploded.
    parts = closed.assign(pushed=closed["outcome"] == "pushed").explode(["names", "c_full", "c_amortized", "c_first_use"])
    rows = []
    for mode in MODES:
        cost = parts[f"c_{mode}"].astype(float)
        by = pd.DataFrame({"category": parts["names"], "closed_cost_s": cost, "waste_s": cost.where(~parts["pushed"], 0.0)})
        sums = by.groupby("category").sum()
        sums["mode"] = mode
        sums["waste_share"] = sums["waste_s"] / sums["waste_s"].sum()
        rows.append(sums.reset_index())
    expected = pd.concat(rows).set_index(["mode", "category"])
    approx_rows(run(graph, "waste_by_category").set_index(["mode", "category"])[list(expected.columns)], expected)
    shares = graphlets.groupby("outcome").agg(graphlets=("full", "size"), cost_amortized_s=("amortized", "sum"))
    shares["share"] = shares["graphlets"] / len(graphlets)
    approx_rows(run(graph, "outcome_share").set_index("outcome")[list(shares.columns)], shares)


def tally_again(driver, database: str, pipelines: list[str] | None, executions: list[str] | None) -> None:
    """The build's tally step alone (scope_tallies, tallies read in halves, write_tallies)."""
    tally_source_again(driver, database, CORPUS, pipelines, executions)


def tally_source_again(driver, database: str, source: str, pipelines: list[str] | None = None,
                       executions: list[str] | None = None) -> None:
    with ThreadPoolExecutor(max_workers=1) as reads:
        run = _Run(driver, database, GraphletSettings(), source, BuildReport(), True, _Planning(), reads)
        _tally(run, pipelines=pipelines, executions=executions)


def test_tallies_of_listed_executions_count_their_pipelines_again_and_no_other(graph):
    # A graphlet may hold an execution of another pipeline, whose holder count then changes with
    # that graphlet: an incremental build gives graphlets.scope_tallies those executions, and their
    # pipelines are tallied again whatever pipelines it lists. Two pipelines' tallies are taken
    # away; the execution of one of them brings back exactly its tallies, the other stays without.
    pipelines = frame(graph, "MATCH (p:Pipeline)<-[:IN_PIPELINE]-(e:Execution) WHERE p.source = $source "
                             "WITH p, min(e.uid) AS execution RETURN p.uid AS uid, execution, "
                             "properties(p) AS before ORDER BY uid", source=CORPUS)
    assert len(pipelines) >= 2
    (one, execution, before), (other, _, other_before) = pipelines.iloc[0].tolist(), pipelines.iloc[1].tolist()
    tally = sorted(key for key in before if key.startswith("tally_"))
    assert len(tally) > 20 and before["tally_executions"]
    with graph.driver() as driver:
        for uid in (one, other):
            driver.execute_query("MATCH (p:Pipeline {uid: $uid}) SET p += $blank", uid=uid,
                                 blank={key: None for key in tally}, database_=graph.database)
        tally_again(driver, graph.database, pipelines=[], executions=[execution])
        after = {row["uid"]: row["tallies"] for _, row in frame(
            graph, "MATCH (p:Pipeline) WHERE p.uid IN $uids RETURN p.uid AS uid, properties(p) AS tallies",
            uids=[one, other]).iterrows()}
        try:
            assert {key: after[one].get(key) for key in tally} == {key: before[key] for key in tally}
            assert not any(key.startswith("tally_") for key in after[other])
        finally:  # the module's graph as it was, for the tests after this one
            tally_again(driver, graph.database, pipelines=None, executions=None)
    assert frame(graph, "MATCH (p:Pipeline {uid: $uid}) RETURN properties(p) AS now", uid=other)["now"][0] == other_before


def test_cache_hits_per_pipeline_count_each_pipelines_cached_trainers_for_all_and_for_some(graph):
    # graphlets_per_pipeline counts the cache hits from the Trainer executions for all pipelines at
    # once; here each pipeline's own executions are walked, as a user would count them.
    walked = frame(graph, "MATCH (p:Pipeline {source: $source}) OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(t:Execution) "
                          "WHERE t.operator = 'Trainer' AND t.state = 'CACHED' "
                          "RETURN p.name AS pipeline, count(t) AS cache_hits ORDER BY pipeline", source=CORPUS)
    assert walked["cache_hits"].sum() > 0, "the corpus must have cache hits for the test to compare anything"
    everything = run(graph, "graphlets_per_pipeline", source=CORPUS)
    assert everything[["pipeline", "cache_hits"]].values.tolist() == walked.values.tolist()
    some = walked["pipeline"].tolist()[1:3]
    part = run(graph, "graphlets_per_pipeline", source=CORPUS, pipelines=some)
    assert part[["pipeline", "cache_hits"]].values.tolist() == walked[walked["pipeline"].isin(some)].values.tolist()
