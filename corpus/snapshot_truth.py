"""Ground truth for a snapshot: the oracle on the snapshot store itself, pipeline by pipeline.

The truth writer (`generate.write_truth`) reads each pipeline by its id ranges. A snapshot has
the full corpus's ids with gaps, so a pipeline's ranges are still those of its rows there: its
executions are the ones associated with its `pipeline` context, its artifacts the ones attributed
to it. What the store cannot say comes from the full corpus, because it does not depend on time:
how many Trainer nodes a pipeline has (its plan) and the generator's causes of each graphlet
(decided when its Trainer launched, so known for every Trainer the snapshot holds).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from mlprov.corpus.generate import CAUSE_COLUMNS, PipelineExtent
from mlprov.corpus.oracle.graphlets import operator_of

_EMPTY_RANGE = (0, -1)

_PIPELINES = """
SELECT c.name,
       (SELECT MIN(s.execution_id) FROM Association s WHERE s.context_id = c.id),
       (SELECT MAX(s.execution_id) FROM Association s WHERE s.context_id = c.id),
       (SELECT MIN(t.artifact_id) FROM Attribution t WHERE t.context_id = c.id),
       (SELECT MAX(t.artifact_id) FROM Attribution t WHERE t.context_id = c.id)
FROM Context c JOIN Type ct ON ct.id = c.type_id WHERE ct.name = 'pipeline'
"""


def snapshot_extents(store: Path, full_graphlets: Path, full_pipelines: Path) -> list[PipelineExtent]:
    """The extents `write_truth` needs, for every pipeline that has a row in the snapshot `store`."""
    plans = pd.read_parquet(full_pipelines, columns=["pipeline", "trainers"]).set_index("pipeline")["trainers"]
    causes = pd.read_parquet(full_graphlets, columns=["trainer_id", *CAUSE_COLUMNS])
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        extents = []
        for name, first_execution, last_execution, first_artifact, last_artifact in con.execute(_PIPELINES):
            if first_execution is None:
                continue
            operators = sorted({operator_of(type_name) for (type_name,) in con.execute(
                "SELECT DISTINCT t.name FROM Execution e JOIN Type t ON t.id = e.type_id WHERE e.id BETWEEN ? AND ?",
                (first_execution, last_execution))})
            own = causes[causes["trainer_id"].between(first_execution, last_execution)]
            extents.append(PipelineExtent(
                name, (first_execution, last_execution),
                (first_artifact, last_artifact) if first_artifact is not None else _EMPTY_RANGE,
                _records(own), int(plans[name]), " ".join(operators)))
    finally:
        con.close()
    return sorted(extents, key=lambda extent: extent.execution_range)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Plain Python values, as the simulation hands them to the truth writer."""
    return [{column: (None if pd.isna(value) else value.item() if hasattr(value, "item") else value)
             for column, value in row.items()} for row in frame.to_dict("records")]
