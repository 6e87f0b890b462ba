"""`generate`: the synthetic corpus as a real MLMD store, with its ground truth beside it.

Pipelines are simulated one at a time (memory stays flat) into a temporary file that is renamed
into place only when complete. The ground truth is then computed from the store itself by the
graphlet oracle of rules §3, pipeline by pipeline, using each pipeline's contiguous id ranges.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from mlprov.core.errors import BadInputError
from mlprov.corpus.oracle.store_rows import read_store_rows
from mlprov.corpus.plan import plan_pipelines
from mlprov.corpus.recorder import PipelineRecorder
from mlprov.corpus.oracle.graphlets import COLUMNS, graphlets_from_rows
from mlprov.corpus.simulate import DAY_MS, WINDOW_START_MS, PipelineSimulation
from mlprov.corpus.store_writer import StoreWriter

SCALES = {"S": 30, "M": 300, "L": 3000}
DEFAULT_DAYS = 125
TRUTH_COLUMNS = [c for c in COLUMNS if c not in ("trainer_node", "warm_starts_from", "baseline_from")]
CAUSE_COLUMNS = ["new_spans", "window_spans", "drift", "structure_change", "code_change",
                 "hyperparameter_change", "model_type"]


@dataclass
class PipelineExtent:
    """What the truth pass needs about one generated pipeline."""

    name: str
    execution_range: tuple[int, int]
    artifact_range: tuple[int, int]
    causes: list[dict]
    trainers: int
    operators: str


@dataclass
class CorpusFiles:
    store: Path
    graphlets: Path
    pipelines: Path
    graphlet_count: int


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(output: str | Path, pipelines: int | None = None, scale: str | None = None,
             days: int = DEFAULT_DAYS, seed: int = 0, force: bool = False,
             progress: Callable[[str], None] | None = _stderr_progress) -> CorpusFiles:
    """Write the corpus store at `output` and `graphlets.*`, `pipelines.*` (Parquet, CSV) beside it."""
    output = Path(output)
    pipelines = pipeline_count(pipelines, scale, days)
    if output.exists() and not force:
        raise BadInputError(f"{output} exists: pass --force to overwrite it")
    output.parent.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda message: None)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)

    extents = _write_store(partial, pipelines, days, seed, report)
    partial.replace(output)
    report(f"store written: {output} ({output.stat().st_size / 1e6:.1f} MB); computing ground truth")
    return write_truth(output, extents, report)


def pipeline_count(pipelines: int | None, scale: str | None, days: int) -> int:
    """The number of pipelines asked for (`pipelines` wins over `scale`), checked with `days`."""
    if pipelines is None:
        if scale not in SCALES:
            raise BadInputError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)} or --pipelines N")
        pipelines = SCALES[scale]
    if pipelines < 1 or days < 1:
        raise BadInputError(f"--pipelines ({pipelines}) and --days ({days}) must be at least 1")
    return pipelines


def _write_store(path: Path, pipelines: int, days: int, seed: int, report: Callable[[str], None]) -> list[PipelineExtent]:
    writer = StoreWriter(path)
    try:
        window_end_ms = WINDOW_START_MS + days * DAY_MS
        extents = []
        step = max(1, pipelines // 20)
        for plan in plan_pipelines(pipelines, days, seed):
            first_execution, first_artifact = writer.next_ids()
            recorder = PipelineRecorder(writer, random.Random(f"pipeline:{seed}:{plan.index}"), plan.name, window_end_ms)
            causes = PipelineSimulation(plan, recorder, days).run()
            writer.end_pipeline()
            next_execution, next_artifact = writer.next_ids()
            extents.append(PipelineExtent(plan.name, (first_execution, next_execution - 1),
                                          (first_artifact, next_artifact - 1), causes, len(plan.trainers),
                                          " ".join(sorted(recorder.operators_seen))))
            if (plan.index + 1) % step == 0 or plan.index + 1 == pipelines:
                report(f"simulated {plan.index + 1}/{pipelines} pipelines, {next_execution - 1} executions")
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return extents


def write_truth(store: Path, extents: list[PipelineExtent], report: Callable[[str], None]) -> CorpusFiles:
    """Ground truth beside `store`, pipeline by pipeline (any store whose pipelines have disjoint id ranges)."""
    source = store.stem
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    trace_end = con.execute("SELECT MAX(MAX(create_time_since_epoch), MAX(last_update_time_since_epoch)) FROM Execution").fetchone()[0]
    # The truth files have fixed names (rules §6), so a corpus gets a directory of its own.
    graphlets_path, pipelines_path = store.parent / "graphlets.parquet", store.parent / "pipelines.parquet"
    pipeline_rows, graphlet_count = [], 0
    with _FrameSink(graphlets_path) as sink:
        for number, extent in enumerate(extents, 1):
            rows = read_store_rows(con, extent.execution_range, extent.artifact_range)
            table = graphlets_from_rows(rows, source, trace_end).graphlets
            causes = pd.DataFrame.from_records(extent.causes, columns=["trainer_id", *CAUSE_COLUMNS])
            sink.write(table[TRUTH_COLUMNS].merge(causes, on="trainer_id", how="left", validate="one_to_one"))
            extent.causes = []  # written: keep memory flat
            graphlet_count += len(table)
            pipeline_rows.append(_pipeline_row(source, extent, rows, table))
            if number % max(1, len(extents) // 10) == 0:
                report(f"ground truth: {number}/{len(extents)} pipelines")
    con.close()
    pipelines = pd.DataFrame.from_records(pipeline_rows)
    pipelines.to_parquet(pipelines_path, index=False)
    pipelines.to_csv(pipelines_path.with_suffix(".csv"), index=False)
    report(f"ground truth: {graphlet_count} graphlets in {graphlets_path}")
    return CorpusFiles(store, graphlets_path, pipelines_path, graphlet_count)


class _FrameSink:
    """Streams per-pipeline frames into one Parquet file (a row group each) and its CSV twin."""

    DTYPES = {"source": "string", "pipeline": "string", "trainer_id": "int64", "outcome": "string",
              "n_executions": "int64", "n_artifacts": "int64", "member_execution_ids": "string",
              "member_artifact_ids": "string", "cost_full_s": "float64", "cost_amortized_s": "float64",
              "cost_first_use_s": "float64", "model_id": "Int64", "started_at": "Int64", "new_spans": "Int64", "window_spans": "Int64",
              "drift": "float64", "structure_change": "boolean", "code_change": "boolean",
              "hyperparameter_change": "boolean", "model_type": "string"}

    def __init__(self, path: Path):
        self.path = path
        self._parquet = None
        self._csv = None

    def __enter__(self) -> "_FrameSink":
        self._csv = open(self.path.with_suffix(".csv"), "w", newline="")
        return self

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = frame.astype(self.DTYPES)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, table.schema)
            frame.iloc[:0].to_csv(self._csv, index=False)
        if len(frame):
            self._parquet.write_table(table.cast(self._parquet.schema))
            frame.to_csv(self._csv, index=False, header=False)

    def __exit__(self, *exc) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self._csv.close()


def _pipeline_row(source: str, extent: PipelineExtent, rows, table: pd.DataFrame) -> dict:
    times = [t for e in rows.executions.values() for t in (e.created_at, e.ended_at) if t is not None]
    first, last = (min(times), max(times)) if times else (None, None)
    lifespan_days = (last - first) / DAY_MS if times else 0.0
    trainings = sum(1 for e in rows.executions.values() if e.type_name.endswith(".Trainer"))
    active_days = max(1, -(-(last - first) // DAY_MS)) if times else 1
    return {
        "source": source,
        "pipeline": extent.name,
        "first_execution_at": first,
        "last_execution_at": last,
        "lifespan_days": round(lifespan_days, 4),
        "active_days": active_days,
        "executions": len(rows.executions),
        "trainings": trainings,
        "trainings_per_active_day": trainings / active_days,
        "graphlets": len(table),
        "pushed": int((table["outcome"] == "pushed").sum()),
        "trainers": extent.trainers,
        "operators": extent.operators,
    }
