"""Waste pruning on a real Neo4j with a small synthetic corpus: no feature reads the future, and
train / evaluate / advise run end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlprov.analytics.graphlets import build
from mlprov.analytics.waste.features import FEATURES, closed, source_frame
from mlprov.analytics.waste.model import WasteModel
from mlprov.loader import load_store
from mlprov.corpus import generate
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

SOURCE = "waste_corpus"
PIPELINES = 6

# Rewrite everything recorded at or after the decision time T, keeping it after T: drift scores,
# spans and fingerprints, Trainer code and arguments, model types, anomalies (deleted), and the
# outcomes and end times of graphlets that had not settled by T.
SHUFFLE_THE_FUTURE = [
    """MATCH (a:Artifact) WHERE a.source = $source AND a.created_at >= $t AND a.type = 'ExampleStatistics'
       SET a.drift_score = rand()""",
    """MATCH (a:Artifact) WHERE a.source = $source AND a.created_at >= $t AND a.type = 'Examples'
       SET a.span = a.span + 1000, a.input_fingerprint = 'changed'""",
    """MATCH (a:Artifact) WHERE a.source = $source AND a.created_at >= $t AND a.type = 'Model'
       SET a.model_type = 'from_the_future'""",
    """MATCH (a:Artifact) WHERE a.source = $source AND a.created_at >= $t AND a.type = 'ExampleAnomalies'
       DETACH DELETE a""",
    """MATCH (e:Execution) WHERE e.source = $source AND e.created_at >= $t
       SET e.module_path = 'changed', e.train_args = 'changed', e.custom_config = 'changed',
           e.operator = CASE e.operator WHEN 'SchemaGen' THEN 'RenamedSchemaGen' ELSE e.operator END""",
    """MATCH (g:Graphlet) WHERE g.source = $source AND g.ended_at >= $t
       SET g.outcome = CASE WHEN g.outcome = 'pushed' THEN 'not_blessed' ELSE 'pushed' END,
           g.ended_at = g.ended_at + toInteger(rand() * 86400000)""",
]


@pytest.fixture(scope="module")
def corpus_target(neo4j_target, tmp_path_factory):
    """The session's throwaway server holding only a small generated corpus with built graphlets
    (emptied first: another module's corpus has pipelines of the same names)."""
    store = tmp_path_factory.mktemp("waste") / "corpus.sqlite"
    generate(store, pipelines=PIPELINES, days=40, seed=7, progress=None)
    with neo4j_target.driver() as driver, driver.session(database=neo4j_target.database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    with neo4j_target.driver() as driver:
        load_store(store, driver, neo4j_target.database, source_name=SOURCE, replace=True, quiet=True)
        build(driver, neo4j_target.database, force=True, quiet=True)
    return neo4j_target


def features(target) -> pd.DataFrame:
    with target.driver() as driver:
        frame = source_frame(driver, target.database, SOURCE)
    return frame.set_index("graphlet").sort_index()


def strict_json(text: str):
    """JSON as an orchestrator reads it: NaN or Infinity are not JSON."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def features_before(corpus_target) -> pd.DataFrame:
    """Every graphlet's features on the untouched graph, computed once for the module."""
    return features(corpus_target)


def test_train_evaluate_advise_end_to_end(corpus_target, features_before, tmp_path):
    model_path, output, cache = tmp_path / "model.joblib", tmp_path / "figures", tmp_path / "features.parquet"
    # `train` computes the features from the graph and keeps them; `evaluate` reads them back.
    run_cli(corpus_target, "waste", "train", "--model", str(model_path), "--source", SOURCE,
            "--features", str(cache), "-q", check=True)
    cached = pd.read_parquet(cache).set_index("graphlet").sort_index()
    expected = closed(features_before.reset_index()).set_index("graphlet").sort_index()
    pd.testing.assert_frame_equal(cached[list(FEATURES)], expected[list(FEATURES)], check_dtype=False)

    evaluated = strict_json(run_cli(corpus_target, "waste", "evaluate", "--model", str(model_path), "--source", SOURCE,
                                   "--features", str(cache), "--output", str(output), "--format", "json", "-q",
                                   check=True).stdout)
    assert {"table", "operating_point", "family_importance"} <= set(evaluated)
    table = pd.DataFrame(evaluated["table"]).set_index("policy")
    baselines = {"never skip", "oracle", "skip when no new data", "skip when previous did not push"}
    assert baselines <= set(table.index) and table.index.str.startswith("random at ").sum() == 1
    assert table.index.str.startswith("model").sum() >= 2
    oracle = table.loc["oracle"]
    assert oracle["waste_removed"] == 1.0 and oracle["pushes_lost"] == 0.0
    for policy, row in table.drop(index="oracle").iterrows():
        assert (row["waste_removed"], -row["pushes_lost"]) < (1.0, 0.0), policy
    assert (output / "waste_tradeoff.png").stat().st_size > 0
    # Each baseline beside the best threshold that loses no more pushes than it does.
    model_rows = table[table.index.str.startswith("model")]
    baseline_rows = table[~table.index.str.startswith("model")]
    assert len(baseline_rows) == len(baselines) + 1
    for policy, row in baseline_rows.iterrows():
        within = model_rows.loc[model_rows["pushes_lost"] <= row["pushes_lost"] + 1e-12, "waste_removed"]
        if within.empty:
            assert pd.isna(row["model_at_same_loss"]), policy
        else:
            assert row["model_at_same_loss"] == within.max(), policy

    # Advice is for a pipeline's latest graphlet: the model's P(push) of its features against τ,
    # recomputed here from the saved model and the features of the untouched graph.
    fitted = WasteModel.load(model_path)
    latest = (features_before.reset_index().sort_values(["started_at", "trainer_id"])
              .groupby("pipeline").tail(1).set_index("pipeline"))
    assert len(latest) == PIPELINES
    latest["p"] = fitted.push_probability(latest)

    def advise(pipeline: str, *options: str) -> dict:
        return strict_json(run_cli(corpus_target, "waste", "advise", "--pipeline", pipeline, "--model",
                                   str(model_path), "--format", "json", *options, check=True).stdout)

    def assert_advice(advice: dict, pipeline: str, tau: float, recommendation: str) -> None:
        row = latest.loc[pipeline]
        assert {k: advice[k] for k in ("source", "pipeline", "graphlet", "trainer_id", "started_at", "outcome")} == {
            "source": SOURCE, "pipeline": pipeline, "graphlet": row["graphlet"], "trainer_id": int(row["trainer_id"]),
            "started_at": int(row["started_at"]), "outcome": row["outcome"]}
        assert advice["push_probability"] == pytest.approx(row["p"], abs=1e-4)
        assert advice["tau"] == pytest.approx(tau) and advice["recommendation"] == recommendation
        assert advice["reasons"] and {r["feature"] for r in advice["reasons"]} <= set(FEATURES)
        effects = [abs(r["effect"]) for r in advice["reasons"]]
        assert effects == sorted(effects, reverse=True) and 0 not in effects

    # With τ between the highest and the lowest P(push), the first must train and the second skip.
    high, low = latest["p"].idxmax(), latest["p"].idxmin()
    assert latest.at[high, "p"] - latest.at[low, "p"] > 0.01, latest["p"]
    between = round((latest.at[high, "p"] + latest.at[low, "p"]) / 2, 6)
    assert_advice(advise(high, "--tau", str(between)), high, between, "train")
    assert_advice(advise(low, "--tau", str(between)), low, between, "skip")
    # With the model's own τ (the operating point `evaluate` stored, else 0.5), the decision is P(push) < τ;
    # the text form says the same.
    for pipeline in (high, low):
        decision = "skip" if latest.at[pipeline, "p"] < fitted.tau else "train"
        assert_advice(advise(pipeline), pipeline, fitted.tau, decision)
    row = latest.loc[low]
    text = run_cli(corpus_target, "waste", "advise", "--pipeline", low, "--model", str(model_path),
                   check=True).stdout.splitlines()
    assert text[0] == (f"{('SKIP' if row['p'] < fitted.tau else 'TRAIN')} Trainer {int(row['trainer_id'])} "
                       f"of {SOURCE}/{low}: P(push) = {row['p']:.2f} (skip below τ = {fitted.tau:.2f})")
    missing = run_cli(corpus_target, "waste", "advise", "--pipeline", "no_such_pipeline", "--model", str(model_path))
    assert missing.returncode == 1 and "no_such_pipeline" in missing.stderr
    assert run_cli(corpus_target, "waste", "advise", "--model", str(model_path)).returncode == 2


def test_no_feature_changes_when_the_future_is_shuffled(corpus_target, features_before):
    # Mutates the graph: keep this test last in the module.
    before = features_before
    decided = before["started_at"].astype("int64")
    t = int(decided.quantile(0.5))
    with corpus_target.driver() as driver:
        for statement in SHUFFLE_THE_FUTURE:
            driver.execute_query(statement, {"source": SOURCE, "t": t}, database_=corpus_target.database)
    after = features(corpus_target)

    past = before.index[decided < t]
    columns = list(FEATURES)
    pd.testing.assert_frame_equal(before.loc[past, columns], after.loc[past, columns], check_dtype=False)
    # The shuffle did reach the later graphlets, so the comparison above was not vacuous.
    later = before.index[decided >= t]
    assert not before.loc[later, columns].equals(after.loc[later, columns])
    assert np.isclose(len(past) / len(before), 0.5, atol=0.1)
