"""The graphlet oracle (rules §3) on real stores, including the worked examples of rules §9."""

from pathlib import Path

import pytest

from mlprov.corpus import compute, compute_graphlets
from tests.helpers import DATA as MLMD, REAL_STORES, live_trainer_runs

PENGUIN = "Hieudinh1308__ML_Pipelines_Penguin_Dataset_BS__metadata_penguin-{}_metadata.db.sqlite"


def _by_trainer(name):
    frame = compute_graphlets(MLMD / PENGUIN.format(name))
    return {int(row.trainer_id): row for row in frame.itertuples()}


def test_penguin_tfma_worked_example():
    graphlets = _by_trainer("tfma")
    assert set(graphlets) == {3, 8}
    assert graphlets[3].member_execution_ids == "1 3 4 5"
    assert graphlets[3].outcome == "pushed"
    assert graphlets[8].member_execution_ids == "6 8 9 10"
    assert graphlets[8].outcome == "not_blessed"
    assert graphlets[8].baseline_from == 3
    assert graphlets[8].trainer_node == graphlets[3].trainer_node  # one chain: 3 NEXT 8


def test_penguin_transform_worked_example():
    table = compute(MLMD / PENGUIN.format("transform"))
    graphlets = {int(row.trainer_id): row for row in table.graphlets.itertuples()}
    assert graphlets[6].member_execution_ids == "1 2 4 6 7"
    assert graphlets[13].member_execution_ids == "2 8 11 13 14"
    assert {graphlets[6].outcome, graphlets[13].outcome} == {"pushed"}
    # Importer 2 sits in both graphlets: amortized mode charges half its cost to each.
    assert graphlets[6].cost_full_s - graphlets[6].cost_amortized_s == pytest.approx(
        graphlets[13].cost_full_s - graphlets[13].cost_amortized_s)
    assert {3, 5, 10, 12} <= set(table.unattributed_executions)
    assert 9 in table.unattributed_executions  # the CACHED Importer is never a member


@pytest.mark.parametrize("store", [p.name for p in REAL_STORES])
def test_every_real_store_has_consistent_costs(store):
    table = compute(MLMD / store)
    frame = table.graphlets
    assert len(frame) == live_trainer_runs(MLMD / store)
    assert frame["source"].eq(Path(store).stem).all()
    assert (frame["cost_amortized_s"] <= frame["cost_full_s"] + 1e-9).all()
    for row in frame.itertuples():
        assert row.n_executions == len(row.member_execution_ids.split())
        assert str(row.trainer_id) in row.member_execution_ids.split()
