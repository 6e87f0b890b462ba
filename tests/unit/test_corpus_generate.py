"""The generated store: deterministic, MLMD v10, refusing to overwrite, with consistent ground truth."""

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from mlprov.core.errors import BadInputError
from mlprov.corpus import compute, generate
from mlprov.corpus.oracle.graphlets import cost_s
from mlprov.corpus.oracle.store_rows import read_store_rows
from mlprov.loader.operators import default_map
from tests.helpers import live_trainer_runs

REAL_V10 = (Path(__file__).parents[1] / "data" / "mlmd"
            / "Hieudinh1308__ML_Pipelines_Penguin_Dataset_BS__metadata_penguin-tfma_metadata.db.sqlite")
TINY = {"pipelines": 6, "days": 20}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tiny") / "tiny.sqlite", seed=7, progress=None, **TINY)


def test_same_seed_gives_identical_store_and_truth(tiny, tmp_path):
    again = generate(tmp_path / "tiny.sqlite", seed=7, progress=None, **TINY)
    assert _sha256(again.store) == _sha256(tiny.store)
    assert _sha256(again.graphlets.with_suffix(".csv")) == _sha256(tiny.graphlets.with_suffix(".csv"))


def test_other_seed_differs(tiny, tmp_path):
    other = generate(tmp_path / "tiny.sqlite", seed=8, progress=None, **TINY)
    assert _sha256(other.store) != _sha256(tiny.store)


def test_refuses_to_overwrite_without_force(tiny, tmp_path):
    target = tmp_path / "store.sqlite"
    target.write_bytes(b"keep me")
    with pytest.raises(BadInputError, match="--force"):
        generate(target, seed=1, progress=None, **TINY)
    assert target.read_bytes() == b"keep me"
    generate(target, seed=1, force=True, progress=None, **TINY)
    assert target.stat().st_size > 1000


def _schema(path):
    with sqlite3.connect(path) as con:
        return sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name != 'sqlite_sequence'"))


def test_store_has_mlmd_v10_schema(tiny):
    normalise = lambda rows: [(t, n, " ".join((s or "").split())) for t, n, s in rows]  # noqa: E731
    assert normalise(_schema(tiny.store)) == normalise(_schema(REAL_V10))
    with sqlite3.connect(tiny.store) as con:
        assert con.execute("SELECT schema_version FROM MLMDEnv").fetchall() == [(10,)]
        names = {n for (n,) in con.execute("SELECT name FROM Type")}
        assert {"tfx.components.trainer.component.Trainer", "Model", "pipeline", "pipeline_run", "node"} <= names
        assert con.execute("SELECT COUNT(*) FROM Execution e LEFT JOIN ExecutionProperty p ON p.execution_id = e.id "
                           "AND p.name = 'cpu_seconds' WHERE p.double_value IS NULL").fetchone() == (0,)


def test_truth_matches_the_store(tiny):
    truth = pd.read_parquet(tiny.graphlets)
    assert len(truth) == live_trainer_runs(tiny.store) > 0
    assert list(pd.read_csv(tiny.graphlets.with_suffix(".csv")).columns) == list(truth.columns)
    assert truth["source"].eq("tiny").all()
    con = sqlite3.connect(tiny.store)
    rows = read_store_rows(con)
    con.close()
    costs = {i: cost_s(e) for i, e in rows.executions.items()}
    for row in truth.itertuples():
        executions = [int(i) for i in row.member_execution_ids.split()]
        assert set(executions) <= set(rows.executions)
        assert {int(i) for i in row.member_artifact_ids.split()} <= set(rows.artifacts)
        assert rows.executions[row.trainer_id].created_at == row.started_at
        assert row.cost_full_s == pytest.approx(sum(costs[i] for i in executions))
    # Amortized and first-use costs split every execution's cost exactly once (the rest is unattributed).
    whole = compute(tiny.store)
    total = sum(costs.values())
    assert truth["cost_amortized_s"].sum() + whole.unattributed_cost_s == pytest.approx(total)
    assert truth["cost_first_use_s"].sum() + whole.unattributed_cost_s == pytest.approx(total)
    # Per-pipeline truth equals the whole-store reference.
    compared = ["trainer_id", "outcome", "member_execution_ids", "member_artifact_ids", "cost_amortized_s"]
    pd.testing.assert_frame_equal(truth[compared].sort_values("trainer_id", ignore_index=True),
                                  whole.graphlets[compared].sort_values("trainer_id", ignore_index=True),
                                  check_dtype=False)
    pipelines = pd.read_parquet(tiny.pipelines)
    assert len(pipelines) == TINY["pipelines"]
    assert pipelines["graphlets"].sum() == len(truth)


def test_the_generator_names_operators_as_the_loader_does(tiny):
    named = {operator for operators in pd.read_parquet(tiny.pipelines)["operators"] for operator in operators.split()}
    with sqlite3.connect(tiny.store) as con:
        types = [name for (name,) in con.execute("SELECT DISTINCT t.name FROM Execution e JOIN Type t ON t.id = e.type_id")]
    assert named == {default_map().operator(name) for name in types}


def test_truth_is_computed_from_the_rows_the_store_reads_back(tmp_path, monkeypatch):
    # The generator hands the oracle each pipeline's rows as it wrote them (flushed mid-pipeline
    # here too); they must be what the oracle reads back from the store for the pipeline's ranges.
    from mlprov.corpus import store_writer
    from mlprov.corpus.written_rows import WrittenRows

    monkeypatch.setattr(store_writer, "FLUSH_ROWS", 300)
    taken = []
    take = WrittenRows.take
    monkeypatch.setattr(WrittenRows, "take", lambda self: taken.append(take(self)) or taken[-1])
    files = generate(tmp_path / "tiny.sqlite", seed=3, progress=None, **TINY)
    pipelines = pd.read_parquet(files.pipelines)
    assert len(taken) == len(pipelines) == TINY["pipelines"]
    with sqlite3.connect(files.store) as con:
        for rows in taken:
            ids = list(rows.executions)
            artifacts = list(rows.artifacts) or [0]
            read = read_store_rows(con, (min(ids), max(ids)), (min(artifacts), max(artifacts)))
            assert list(read.executions) == ids and read.executions == rows.executions
            assert list(read.artifacts) == list(rows.artifacts) and read.artifacts == rows.artifacts
            assert read.events == rows.events
    assert sum(len(rows.executions) for rows in taken) == pipelines["executions"].sum()
