"""`generate`: the synthetic corpus as a real MLMD store, with its ground truth beside it.

Pipelines are simulated one at a time into a temporary file that is renamed into place only when
complete; a child process writes the file (`store_writer.py`). The ground truth is computed by the
graphlet oracle of rules §3, pipeline by pipeline, from the rows just written for each pipeline
(what the oracle would read back from the store for the pipeline's contiguous id ranges:
`written_rows.py`), beside the simulation while the child is still writing.

The oracle also needs the store's latest execution time (which graphlets are still open), known
only once every pipeline is simulated. A pipeline with no execution within the open window of a
time the store is sure to reach (`simulate.trace_end_floor`) cannot have an open graphlet, so its
truth is final at once; the few others wait for the end with their rows.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from mlprov.core.collection import fewer_collections
from mlprov.core.errors import BadInputError
from mlprov.core.settings import GraphletSettings
from mlprov.corpus.oracle.store_rows import StoreRows, read_store_rows
from mlprov.corpus.plan import plan_pipelines
from mlprov.corpus.recorder import PipelineRecorder
from mlprov.corpus.oracle.graphlets import COLUMNS, graphlet_records
from mlprov.corpus.simulate import DAY_MS, WINDOW_START_MS, PipelineSimulation, trace_end_floor
from mlprov.corpus.store_writer import StoreWriter
from mlprov.corpus.written_rows import WrittenRows

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

    with fewer_collections():
        files, staged = _write_store(partial, output, pipelines, days, seed, report)
    partial.replace(output)
    for path in staged:
        path.replace(_unstaged(path))
    report(f"store written: {output} ({output.stat().st_size / 1e6:.1f} MB), "
           f"{files.graphlet_count} graphlets in {files.graphlets}")
    return files


def pipeline_count(pipelines: int | None, scale: str | None, days: int) -> int:
    """The number of pipelines asked for (`pipelines` wins over `scale`), checked with `days`."""
    if pipelines is None:
        if scale not in SCALES:
            raise BadInputError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)} or --pipelines N")
        pipelines = SCALES[scale]
    if pipelines < 1 or days < 1:
        raise BadInputError(f"--pipelines ({pipelines}) and --days ({days}) must be at least 1")
    return pipelines


def _write_store(path: Path, output: Path, pipelines: int, days: int, seed: int,
                 report: Callable[[str], None]) -> tuple[CorpusFiles, list[Path]]:
    """Simulate into the store file `path` (to be renamed `output`) and write the ground truth
    beside it under staged names (renamed once the store is) while the child finishes the store."""
    plans = plan_pipelines(pipelines, days, seed)
    truth = _Truth(output.stem, trace_end_floor(plans, days))
    staged: list[Path] = []
    writer = StoreWriter(path)
    written = WrittenRows(writer.type_names)
    writer.observe = written.observe
    try:
        window_end_ms = WINDOW_START_MS + days * DAY_MS
        step = max(1, pipelines // 20)
        for plan in plans:
            first_execution, first_artifact = writer.next_ids()
            recorder = PipelineRecorder(writer, random.Random(f"pipeline:{seed}:{plan.index}"), plan.name, window_end_ms)
            causes = PipelineSimulation(plan, recorder, days).run()
            writer.end_pipeline()
            next_execution, next_artifact = writer.next_ids()
            truth.add(PipelineExtent(plan.name, (first_execution, next_execution - 1),
                                     (first_artifact, next_artifact - 1), causes, len(plan.trainers),
                                     " ".join(sorted(recorder.operators_seen))), written.take())
            if (plan.index + 1) % step == 0 or plan.index + 1 == pipelines:
                report(f"simulated {plan.index + 1}/{pipelines} pipelines, {next_execution - 1} executions")
        writer.end()
        if truth.floor is not None and (truth.trace_end is None or truth.trace_end < truth.floor):
            raise RuntimeError(f"generator bug: the latest execution time {truth.trace_end} is before "
                               f"{truth.floor}, which simulate.trace_end_floor promised it would reach")
        truth.finish()  # while the child finishes the store
        report("simulation done; writing the ground truth while the store is completed")
        files = truth.write(output, report, staged)
        writer.wait()
    except BaseException:
        writer.abort()
        for staged_path in staged:
            staged_path.unlink(missing_ok=True)
        raise
    return files, staged


def _staged(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _unstaged(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".partial"))


def write_truth(store: Path, extents: list[PipelineExtent], report: Callable[[str], None]) -> CorpusFiles:
    """Ground truth beside `store`, pipeline by pipeline (any store whose pipelines have disjoint id ranges)."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    trace_end = con.execute("SELECT MAX(MAX(create_time_since_epoch), MAX(last_update_time_since_epoch)) FROM Execution").fetchone()[0]
    truth = _Truth(store.stem, trace_end)
    for number, extent in enumerate(extents, 1):
        truth.add(extent, read_store_rows(con, extent.execution_range, extent.artifact_range))
        if number % max(1, len(extents) // 10) == 0:
            report(f"ground truth: {number}/{len(extents)} pipelines")
    con.close()
    truth.finish()
    return truth.write(store, report)


class _Truth:
    """The graphlets and pipelines tables, pipeline by pipeline.

    A pipeline's graphlets are computed as soon as its rows are added unless its latest execution
    is within the open window of `trace_end_floor` (a time the store's latest execution time is
    sure to reach): only such a pipeline can have graphlets whose outcome depends on the latest
    time (rules §3 `open`). Those wait, with their rows, for `finish`, which knows the latest time.
    The tables are made once at the end: one frame for all pipelines costs far less than one each.
    """

    def __init__(self, source: str, trace_end_floor: int | None):
        self.source = source
        self.floor = trace_end_floor
        self.trace_end: int | None = None  # the latest execution time of the rows added so far
        self.open_window_ms = GraphletSettings().open_window_ms  # the oracle's default, which it is run with
        # Per pipeline: (graphlet rows, pipelines row), or (extent, store rows) while it waits.
        self._parts: list[tuple[list[tuple], dict] | tuple[PipelineExtent, StoreRows]] = []
        self._waiting: list[int] = []

    def add(self, extent: PipelineExtent, rows: StoreRows) -> None:
        times = [t for e in rows.executions.values() for t in (e.created_at, e.ended_at) if t is not None]
        if times and (self.trace_end is None or max(times) > self.trace_end):
            self.trace_end = max(times)
        floor = max((t for t in (self.floor, self.trace_end) if t is not None), default=None)
        created = [e.created_at for e in rows.executions.values() if e.created_at is not None]
        if not created or max(created) < floor - self.open_window_ms:
            self._parts.append(self._graphlets(extent, rows, floor))
        else:
            self._waiting.append(len(self._parts))
            self._parts.append((extent, rows))

    def finish(self) -> None:
        """Compute the pipelines that waited for the store's latest execution time."""
        trace_end = max((t for t in (self.floor, self.trace_end) if t is not None), default=None)
        for index in self._waiting:
            self._parts[index] = self._graphlets(*self._parts[index], trace_end)
        self._waiting = []

    def _graphlets(self, extent: PipelineExtent, rows: StoreRows, trace_end: int | None) -> tuple[list[tuple], dict]:
        """The pipeline's graphlets (TRUTH_COLUMNS) joined to the generator's causes (CAUSE_COLUMNS)
        on trainer_id: a left join, at most one cause per graphlet."""
        records = graphlet_records(rows, self.source, trace_end)[0]
        causes = {}
        for cause in extent.causes:
            if cause["trainer_id"] in causes:
                raise ValueError(f"two causes for trainer {cause['trainer_id']} in {extent.name}")
            causes[cause["trainer_id"]] = cause
        no_cause: dict = {}
        graphlets = [tuple(record[column] for column in TRUTH_COLUMNS)
                     + tuple(causes.get(record["trainer_id"], no_cause).get(column) for column in CAUSE_COLUMNS)
                     for record in records]
        extent.causes = []  # joined now: keep memory flat
        return graphlets, _pipeline_row(self.source, extent, rows, records)

    def write(self, store: Path, report: Callable[[str], None], staged: list[Path] | None = None) -> CorpusFiles:
        """Write the truth files beside `store` (rules §6 fixes their names: a corpus has a directory of its own);
        given `staged`, under temporary names (`_staged`), which it lists there."""
        graphlets_path, pipelines_path = store.parent / "graphlets.parquet", store.parent / "pipelines.parquet"
        paths = [graphlets_path, graphlets_path.with_suffix(".csv"), pipelines_path, pipelines_path.with_suffix(".csv")]
        if staged is not None:
            staged += map(_staged, paths)
            paths = staged[-4:]
        sizes = [len(graphlets) for graphlets, _ in self._parts]
        frame = pd.DataFrame.from_records([row for graphlets, _ in self._parts for row in graphlets],
                                          columns=[*TRUTH_COLUMNS, *CAUSE_COLUMNS])
        for column in ("model_id", "started_at"):  # as the oracle types them in its tables
            frame[column] = frame[column].astype("Int64")
        pipelines = pd.DataFrame.from_records([pipeline_row for _, pipeline_row in self._parts])
        self._parts = []
        _write_graphlets(paths[0], paths[1], frame, sizes)
        pipelines.to_parquet(paths[2], index=False)
        pipelines.to_csv(paths[3], index=False)
        if staged is not None:
            staged[:] = [path for path in staged if path.exists()]  # no Parquet file without a pipeline
        report(f"ground truth: {len(frame)} graphlets in {graphlets_path}")
        return CorpusFiles(store, graphlets_path, pipelines_path, len(frame))


GRAPHLET_DTYPES = {"source": "string", "pipeline": "string", "trainer_id": "int64", "outcome": "string",
                   "n_executions": "int64", "n_artifacts": "int64", "member_execution_ids": "string",
                   "member_artifact_ids": "string", "cost_full_s": "float64", "cost_amortized_s": "float64",
                   "cost_first_use_s": "float64", "model_id": "Int64", "started_at": "Int64", "new_spans": "Int64",
                   "window_spans": "Int64", "drift": "float64", "structure_change": "boolean", "code_change": "boolean",
                   "hyperparameter_change": "boolean", "model_type": "string"}


def _write_graphlets(path: Path, csv_path: Path, frame: pd.DataFrame, sizes: list[int]) -> None:
    """The graphlets as Parquet, a row group per pipeline (`sizes` rows each, none for a pipeline
    without graphlets) in the Arrow schema of the first pipeline's rows, and as CSV beside it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = frame.astype(GRAPHLET_DTYPES)
    with open(csv_path, "w", newline="") as csv:
        if not sizes:
            return
        frame.to_csv(csv, index=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = pa.Table.from_pandas(frame.iloc[:sizes[0]], preserve_index=False).schema
    with pq.ParquetWriter(path, schema) as parquet:
        offset = 0
        for size in sizes:
            if size:
                parquet.write_table(table.slice(offset, size).cast(schema))
            offset += size


def _pipeline_row(source: str, extent: PipelineExtent, rows, graphlets: list[dict]) -> dict:
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
        "graphlets": len(graphlets),
        "pushed": sum(1 for graphlet in graphlets if graphlet["outcome"] == "pushed"),
        "trainers": extent.trainers,
        "operators": extent.operators,
    }
