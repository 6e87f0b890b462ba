"""`describe` measures the calibration quantities of rules §6; at M they sit within stated tolerances of the targets."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlprov.cli import app
from mlprov.corpus import describe, generate

REAL = (Path(__file__).parents[1] / "data" / "mlmd"
        / "Hieudinh1308__ML_Pipelines_Penguin_Dataset_BS__metadata_penguin-tfma_metadata.db.sqlite")

# Tolerances at M (300 pipelines, seed 0). The heavy tail needs L for its 1.1%: at M it is 3 pipelines.
M_TOLERANCES = {
    "pipelines": (300, 300),
    "window_days": (120, 130),
    "trainer_executions_per_pipeline": (120, 180),
    "trainings_per_active_day_mean": (5.5, 8.5),
    "share_pipelines_over_100_per_day": (0.005, 0.02),
    "active_days_mean": (15, 27),
    "push_share": (0.60, 0.70),
    "cost_share_training": (0.3, 0.75),
}


@pytest.fixture(scope="module")
def corpus_m(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("m") / "corpus_m.sqlite", scale="M", seed=0, progress=None)


def test_describe_at_m_is_within_tolerances(corpus_m):
    measured = {quantity: value for quantity, value, _ in describe(corpus_m.store)}
    outside = {q: (measured[q], bounds) for q, bounds in M_TOLERANCES.items()
               if not bounds[0] <= measured[q] <= bounds[1]}
    assert not outside
    assert measured["presence_Trainer"] >= 0.9 and measured["presence_CsvExampleGen"] == 1.0


def test_describe_works_on_a_real_store_and_prints_json():
    result = CliRunner().invoke(app, ["corpus", "describe", str(REAL), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["quantity"]: row["value"] for row in json.loads(result.output)}
    assert rows["pipelines"] == 1 and rows["trainer_executions"] == 2 and rows["push_share"] == 0.5
