"""Executions of one simulated pipeline: each call writes one execution with its events and
contexts, the way TFX's launcher records a component run.

Costs are CPU seconds drawn per operator (lognormal), recorded as the double custom property
`cpu_seconds`; wall time is the CPU time spread over a few workers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mlprov.corpus import schema
from mlprov.corpus.store_writer import StoreWriter

COST_PROPERTY = "cpu_seconds"
COST_MEDIAN_S = {
    "CsvExampleGen": 2400.0,
    "StatisticsGen": 900.0,
    "SchemaGen": 60.0,
    "ExampleValidator": 120.0,
    "Transform": 3000.0,
    "Tuner": 20000.0,
    "Trainer": 1500.0,  # for a 7-span window; scaled by the window size
    "Evaluator": 700.0,
    "InfraValidator": 400.0,
    "Pusher": 30.0,
    "Resolver": 2.0,
}
COST_SIGMA = 0.6
WORKERS = 4  # wall time = CPU time / WORKERS
FAILED_COST_FRACTION = 0.3  # a failed run stops early


@dataclass
class Output:
    type_name: str
    key: str
    properties: dict[str, object]


@dataclass
class Run:
    execution_id: int
    state: int
    ended_ms: int
    outputs: list[int]


class PipelineRecorder:
    """Writes the executions of one pipeline, attaching them to its pipeline, run and node contexts."""

    def __init__(self, writer: StoreWriter, rng: random.Random, pipeline: str, window_end_ms: int):
        self.writer = writer
        self.rng = rng
        self.pipeline = pipeline
        self.window_end_ms = window_end_ms
        self._runs_seen: set[int] = set()
        self.operators_seen: set[str] = set()

    def cost(self, operator: str, scale: float = 1.0) -> float:
        return round(self.rng.lognormvariate(0.0, COST_SIGMA) * COST_MEDIAN_S[operator] * scale, 3)

    def _uuid(self) -> str:
        hex_digits = f"{self.rng.getrandbits(128):032x}"
        return f"{hex_digits[:8]}-{hex_digits[8:12]}-4{hex_digits[13:16]}-a{hex_digits[17:20]}-{hex_digits[20:]}"

    def _contexts(self, node_id: str, run_name: str, at_ms: int) -> tuple[int, int, int]:
        pipeline_id = self.writer.context("pipeline", self.pipeline, at_ms)
        run_id = self.writer.context("pipeline_run", run_name, at_ms)
        if run_id not in self._runs_seen:
            self._runs_seen.add(run_id)
            self.writer.parent_context(run_id, pipeline_id)
        node_context = self.writer.context("node", f"{self.pipeline}.{node_id}", at_ms)
        return pipeline_id, run_id, node_context

    def run(self, operator: str, node_id: str, run_name: str, start_ms: int, cost_s: float, state: int,
            inputs: list[tuple[int, str, int]], outputs: list[Output], properties: dict[str, object] | None = None,
            reemit: list[tuple[int, str]] | None = None, internal_outputs: list[tuple[int, str]] | None = None) -> Run:
        """One execution. `inputs` are (artifact id, key, index); `outputs` are new artifacts,
        `reemit` earlier artifacts output again (a CACHED run), `internal_outputs` a Resolver's picks.
        A run still going at the window's end is RUNNING and has no outputs yet."""
        if state == schema.FAILED or state == schema.CANCELED:
            cost_s = round(cost_s * FAILED_COST_FRACTION, 3)
        if state == schema.CACHED:
            cost_s = 0.0
        duration_ms = max(1000, int(cost_s * 1000 / WORKERS))
        ended_ms = start_ms + duration_ms
        if ended_ms > self.window_end_ms:
            state, ended_ms, outputs, reemit = schema.RUNNING, start_ms, [], []
        self.operators_seen.add(operator)
        props = dict(properties or {})
        props[COST_PROPERTY] = float(cost_s)
        writer = self.writer
        execution_id = writer.execution(operator, state, self._uuid(), start_ms, ended_ms, props)
        contexts = self._contexts(node_id, run_name, start_ms)
        writer.associate(contexts, execution_id)
        writer.events(execution_id, schema.INPUT, start_ms, inputs, contexts[1:])
        created = []
        if state == schema.COMPLETE:
            for output in outputs:
                uri = f"pipelines/{self.pipeline}/{node_id}/{output.key}/{execution_id}"
                artifact_id = writer.artifact(output.type_name, uri, ended_ms, output.properties)
                writer.event(artifact_id, execution_id, schema.OUTPUT, output.key, ended_ms)
                writer.attribute(contexts, artifact_id)
                created.append(artifact_id)
        if reemit:
            writer.events(execution_id, schema.OUTPUT, ended_ms, reemit, contexts)
        if internal_outputs:
            writer.events(execution_id, schema.INTERNAL_OUTPUT, ended_ms, internal_outputs, ())
        return Run(execution_id, state, ended_ms, created)

    def state(self, failure_probability: float, cancel_probability: float = 0.0) -> int:
        draw = self.rng.random()
        if draw < failure_probability:
            return schema.FAILED
        if draw < failure_probability + cancel_probability:
            return schema.CANCELED
        return schema.COMPLETE
