"""On a synthetic corpus, the Cypher graphlets equal the generator's ground truth exactly, and the
plain-Python oracle's under other settings too."""

from __future__ import annotations

import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.core.settings import MS_PER_HOUR, GraphletSettings
from mlprov.analytics.graphlets import build
from mlprov.loader import load_store
from mlprov.corpus import compute_graphlets, generate

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


# Each changes what one build step decides: the anchor (members, links), the open window (outcomes),
# the model types (members).
OTHER_SETTINGS = [
    GraphletSettings(trainer_operator="Evaluator"),
    GraphletSettings(trainer_operator="Evaluator", open_window_ms=30 * 24 * MS_PER_HOUR),
    GraphletSettings(trainer_operator="Evaluator", model_types=("ModelBlessing",)),
]


def test_graphlets_built_with_other_settings_equal_the_oracle_with_them(clean_db, corpus):
    with clean_db.driver() as driver:
        source = load_store(corpus.store, driver, clean_db.database, quiet=True).source
        seen = [compute_graphlets(corpus.store, source)]
        for settings in OTHER_SETTINGS:
            build(driver, clean_db.database, settings, force=True, quiet=True)
            actual = queries.run_df(driver, clean_db.database, "graphlets", source=source)
            expected = compute_graphlets(corpus.store, source, settings)
            # Each setting changes the graphlets, so equal tables mean the build step took it.
            assert not any(expected[EXACT].equals(other[EXACT]) for other in seen), settings
            seen.append(expected)
            actual = actual.sort_values("trainer_id").reset_index(drop=True)
            expected = expected.sort_values("trainer_id").reset_index(drop=True)
            for column in EXACT:
                assert actual[column].astype(str).tolist() == expected[column].astype(str).tolist(), (settings, column)
            assert actual["model_id"].astype("Int64").tolist() == expected["model_id"].astype("Int64").tolist()
