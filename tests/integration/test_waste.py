"""Waste pruning on a real Neo4j with a small synthetic corpus: no feature reads the future, and
train / evaluate / advise run end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlprov.analytics.graphlets import build
from mlprov.analytics.waste.features import FEATURES, closed, source_frame
from mlprov.loader import load_store
from mlprov.corpus import generate
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

SOURCE = "waste_corpus"

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
    """The session's throwaway server holding a small generated corpus with built graphlets."""
    store = tmp_path_factory.mktemp("waste") / "corpus.sqlite"
    generate(store, pipelines=6, days=40, seed=7, progress=None)
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
    oracle = table.loc["oracle"]
    assert oracle["waste_removed"] == 1.0 and oracle["pushes_lost"] == 0.0
    for policy, row in table.drop(index="oracle").iterrows():
        assert (row["waste_removed"], -row["pushes_lost"]) < (1.0, 0.0), policy
    assert (output / "waste_tradeoff.png").stat().st_size > 0
    # Each baseline beside the best threshold that loses no more pushes than it does.
    model_rows = table[table.index.str.startswith("model")]
    for policy, row in table[~table.index.str.startswith("model")].iterrows():
        within = model_rows.loc[model_rows["pushes_lost"] <= row["pushes_lost"] + 1e-12, "waste_removed"]
        if within.empty:
            assert pd.isna(row["model_at_same_loss"]), policy
        else:
            assert row["model_at_same_loss"] == within.max(), policy

    pipeline = expected["pipeline"].iloc[0]
    advice = strict_json(run_cli(corpus_target, "waste", "advise", "--pipeline", pipeline, "--model",
                                str(model_path), "--format", "json", check=True).stdout)
    assert advice["recommendation"] in ("train", "skip") and 0.0 <= advice["push_probability"] <= 1.0
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
