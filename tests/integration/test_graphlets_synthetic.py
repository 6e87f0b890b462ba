"""On a synthetic corpus, the Cypher graphlets equal the generator's ground truth exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.analytics.graphlets import build
from mlprov.loader import load_store
from mlprov.corpus import generate

pytestmark = pytest.mark.integration

EXACT = ["pipeline", "trainer_id", "outcome", "n_executions", "n_artifacts",
         "member_execution_ids", "member_artifact_ids"]
COSTS = ["cost_full_s", "cost_amortized_s", "cost_first_use_s"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return generate(folder / "synthetic.sqlite", pipelines=6, days=30, seed=7, progress=None)


def test_graphlets_equal_the_ground_truth(clean_db, corpus):
    with clean_db.driver() as driver:
        result = load_store(corpus.store, driver, clean_db.database, quiet=True)
        build(driver, clean_db.database, quiet=True)
        actual = queries.run_df(driver, clean_db.database, "graphlets", source=result.source)
    truth = pd.read_parquet(corpus.graphlets)
    assert len(actual) == len(truth) == corpus.graphlet_count > 100
    assert set(truth["source"]) == {result.source}
    actual = actual.sort_values("trainer_id").reset_index(drop=True)
    truth = truth.sort_values("trainer_id").reset_index(drop=True)
    for column in EXACT:
        assert actual[column].astype(str).tolist() == truth[column].astype(str).tolist(), column
    assert actual["model_id"].astype("Int64").tolist() == truth["model_id"].astype("Int64").tolist()
    for column in COSTS:
        assert actual[column].astype(float).tolist() == pytest.approx(truth[column].astype(float).tolist()), column
    # The corpus exercises more than one outcome.
    assert truth["outcome"].nunique() >= 3
