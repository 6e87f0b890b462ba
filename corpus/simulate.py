"""Simulates one production pipeline day by day and records it through a PipelineRecorder.

Each day a new data span arrives (CsvExampleGen → StatisticsGen → SchemaGen → ExampleValidator →
Transform → Tuner, which re-tunes now and then and is a CACHED run otherwise, as TFX records it);
Trainers run asynchronously through the day on a rolling window of the latest spans, each
followed by its Resolver, Evaluator, InfraValidator and Pusher. Drift events, structure changes
and code changes happen at random; the blessing, and so the push, follows the fixed model in
`outcome.py`.

A structure change adds or removes one of the operators that run before training
(ExampleValidator, Transform, Tuner), so it shows in the store before any Trainer trains on it:
the day's run of the data path has a different operator set from the run before it. It counts for
the Trainers that train on that run's products (schema, transform graph, hyperparameters), from
the moment its data path has finished until the next run's has. A run is compared with the last
complete one (every step COMPLETE or CACHED); a run with a failed step counts no change, since its
operator set is cut short.
"""

from __future__ import annotations

import json
import math
import random

from mlprov.corpus import schema
from mlprov.corpus.recorder import Output, PipelineRecorder
from mlprov.corpus.plan import MODEL_TYPES, PipelinePlan
from mlprov.corpus.state import DataState, DerivedInputs, TrainerState
from mlprov.corpus.training import train_and_deploy

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
WINDOW_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z: a fixed origin keeps stores byte-identical

FAILURE = {"CsvExampleGen": 0.02, "StatisticsGen": 0.005, "Transform": 0.02, "Tuner": 0.03}
DRIFT_EVENT_PER_DAY = 0.15
DRIFT_DECAY_PER_DAY = 0.45
BACKGROUND_DRIFT = 0.06
SCHEMA_REGENERATION_DRIFT = 0.6
STRUCTURE_CHANGE_PER_DAY = 0.04
TOGGLED_OPERATORS = ("ExampleValidator", "Transform", "Tuner")  # the pre-training steps
CODE_CHANGE_PER_DAY = 0.08
MODEL_TYPE_CHANGE_WITH_CODE = 0.25
TRANSFORM_CODE_CHANGE_PER_DAY = 0.03
TUNER_EVERY_DAYS = 7
HOT_WINDOW_SPANS = (1, 7)  # pipelines retraining 100+ times a day use short windows
INGEST_DELAY_MS = 10 * 60_000  # a day's data path starts this long after the pipeline is alive that day


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def alive_days(plan: PipelinePlan, days: int):
    """(day, alive from, alive to) of each day of the window on which the pipeline lives."""
    first_day = int(plan.birth_day)
    last_day = min(days - 1, int(math.ceil(plan.death_day)) - 1)
    for day in range(first_day, last_day + 1):
        day_start = WINDOW_START_MS + day * DAY_MS
        alive_from = max(day_start, WINDOW_START_MS + int(plan.birth_day * DAY_MS))
        alive_to = min(day_start + DAY_MS, WINDOW_START_MS + int(plan.death_day * DAY_MS))
        if alive_to > alive_from:
            yield day, alive_from, alive_to


def trace_end_floor(plans: list[PipelinePlan], days: int) -> int | None:
    """A time the store's latest execution time is sure to reach: every day a pipeline lives
    starts with its CsvExampleGen run, created INGEST_DELAY_MS after the pipeline comes alive."""
    last = [alive_from for plan in plans for _, alive_from, _ in list(alive_days(plan, days))[-1:]]
    return max(last) + INGEST_DELAY_MS if last else None


class PipelineSimulation:
    def __init__(self, plan: PipelinePlan, recorder: PipelineRecorder, days: int):
        self.plan = plan
        self.recorder = recorder
        self.rng = recorder.rng
        self.days = days
        self.window_end_ms = WINDOW_START_MS + days * DAY_MS
        self.operators = set(plan.operators)
        self.data = DataState()
        self.drift_level = 0.0
        self.transform_module = self._fingerprint()
        self.trainers = [TrainerState(t, t.node_id[len("Trainer"):]) for t in plan.trainers]
        hot = plan.training_rate > 100
        for trainer in self.trainers:
            if hot:
                trainer.plan.window_spans = self.rng.choice(HOT_WINDOW_SPANS)
            self._change_code(trainer)
        self.causes: list[dict] = []
        self.last_run_operators: frozenset[str] | None = None  # toggled operators of the last complete run

    def _fingerprint(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def _change_code(self, trainer: TrainerState) -> None:
        node = trainer.plan.node_id
        trainer.module_path = (f"{node.lower()}_module@pipelines/{self.plan.name}/_wheels/"
                               f"tfx_user_code_{node}-0.0+{self._fingerprint()}-py3-none-any.whl")
        trainer.train_args = json.dumps({"num_steps": self.rng.choice((500, 1000, 2000, 5000))})
        trainer.code_changed = True

    def run(self) -> list[dict]:
        first_day = int(self.plan.birth_day)
        for day, alive_from, alive_to in alive_days(self.plan, self.days):
            day_start = WINDOW_START_MS + day * DAY_MS
            self._daily_changes(day, first_day)
            run_name = f"{self.plan.name}@{day_start}"
            self._ingest(day, alive_from, run_name)
            self._train_day(day, alive_from, alive_to, run_name)
            self.recorder.writer.maybe_flush()
        return self.causes

    def _daily_changes(self, day: int, first_day: int) -> None:
        rng = self.rng
        self.drift_level *= DRIFT_DECAY_PER_DAY
        if rng.random() < DRIFT_EVENT_PER_DAY:
            self.drift_level = max(self.drift_level, rng.uniform(0.4, 1.0))
        if day > first_day and rng.random() < STRUCTURE_CHANGE_PER_DAY:
            self.operators ^= {rng.choice(TOGGLED_OPERATORS)}
        for trainer in self.trainers:
            if day > first_day and rng.random() < CODE_CHANGE_PER_DAY:
                self._change_code(trainer)
                if rng.random() < MODEL_TYPE_CHANGE_WITH_CODE:
                    trainer.plan.model_type = rng.choice(MODEL_TYPES)
        if day > first_day and rng.random() < TRANSFORM_CODE_CHANGE_PER_DAY:
            self.transform_module = self._fingerprint()

    def _ingest(self, day: int, start_ms: int, run_name: str) -> None:
        """The day's data path: a new span, its statistics, schema, validation, transform and tuning."""
        rec, data, rng = self.recorder, self.data, self.rng
        toggled = frozenset(self.operators.intersection(TOGGLED_OPERATORS))
        structure_change = self.last_run_operators is not None and toggled != self.last_run_operators
        if data.current is not None:
            data.previous = data.current
        at = start_ms + INGEST_DELAY_MS
        fingerprint = f"split:single_split,num_files:{rng.randint(1, 64)},total_bytes:{rng.getrandbits(34)},xor_checksum:{rng.getrandbits(31)}"
        example_gen = rec.run("CsvExampleGen", "CsvExampleGen", run_name, at, rec.cost("CsvExampleGen"),
                              rec.state(FAILURE["CsvExampleGen"]), [],
                              [Output("Examples", "examples", {"span": day, "split_names": '["train", "eval"]',
                                                               "input_fingerprint": fingerprint})],
                              {"span": day, "input_fingerprint": fingerprint, "input_base": f"gs://data/{self.plan.name}"})
        if not example_gen.outputs:
            return
        examples = example_gen.outputs[0]
        drift = round(min(1.0, self.drift_level + rng.uniform(0.0, BACKGROUND_DRIFT)), 4)
        stats = rec.run("StatisticsGen", "StatisticsGen", run_name, example_gen.ended_ms, rec.cost("StatisticsGen"),
                        rec.state(FAILURE["StatisticsGen"]), [(examples, "examples", 0)],
                        [Output("ExampleStatistics", "statistics", {"span": day, "split_names": '["train", "eval"]',
                                                                    "drift_score": drift})])
        data.examples[day] = examples
        data.drift[day] = drift
        ready = example_gen.ended_ms
        steps = [stats]
        if stats.outputs:
            data.statistics_id = stats.outputs[0]
            ready = stats.ended_ms
            regenerate = data.schema_id is None or structure_change or drift > SCHEMA_REGENERATION_DRIFT
            schema_gen = rec.run("SchemaGen", "SchemaGen", run_name, ready, rec.cost("SchemaGen"),
                                 schema.COMPLETE if regenerate else schema.CACHED,
                                 [(data.statistics_id, "statistics", 0)], [Output("Schema", "schema", {})],
                                 reemit=None if regenerate else [(data.schema_id, "schema")])
            steps.append(schema_gen)
            if schema_gen.outputs:
                data.schema_id = schema_gen.outputs[0]
            ready = schema_gen.ended_ms
            if "ExampleValidator" in self.operators and data.schema_id is not None:
                validator = rec.run(
                    "ExampleValidator", "ExampleValidator", run_name, ready, rec.cost("ExampleValidator"),
                    schema.COMPLETE, [(data.statistics_id, "statistics", 0), (data.schema_id, "schema", 0)],
                    [Output("ExampleAnomalies", "anomalies", {"span": day, "split_names": '["train", "eval"]',
                                                              "anomaly_count": int(drift * 10 * rng.random())})])
                steps.append(validator)
                ready = max(ready, validator.ended_ms)
        inputs = [(examples, "examples", 0)] + ([(data.schema_id, "schema", 0)] if data.schema_id else [])
        if "Transform" in self.operators:
            transform = rec.run("Transform", "Transform", run_name, ready, rec.cost("Transform"),
                                rec.state(FAILURE["Transform"]), inputs,
                                [Output("TransformGraph", "transform_graph", {})],
                                {"module_file": f"transform_{self.transform_module[:16]}.py"})
            steps.append(transform)
            if transform.outputs:
                data.transform_graph = transform.outputs[0]
            ready = max(ready, transform.ended_ms)
        else:
            data.transform_graph = None
        if "Tuner" in self.operators:
            tune = structure_change or data.hyperparameters is None or day % TUNER_EVERY_DAYS == 0
            tuner_inputs = inputs + ([(data.transform_graph, "transform_graph", 0)] if data.transform_graph else [])
            # On the other days TFX finds the tuning cached and records a CACHED run re-emitting it.
            tuner = rec.run("Tuner", "Tuner", run_name, ready, rec.cost("Tuner") if tune else 0.0,
                            rec.state(FAILURE["Tuner"]) if tune else schema.CACHED,
                            tuner_inputs, [Output("HyperParameters", "best_hyperparameters", {})],
                            reemit=None if tune else [(data.hyperparameters, "best_hyperparameters")])
            steps.append(tuner)
            if tuner.outputs:
                data.hyperparameters = tuner.outputs[0]
            ready = max(ready, tuner.ended_ms)
        else:
            data.hyperparameters = None
        complete = all(step.state in (schema.COMPLETE, schema.CACHED) for step in steps)
        if complete:
            self.last_run_operators = toggled
        data.span_ready(day, example_gen.ended_ms)
        data.ready_ms = ready
        data.current = DerivedInputs(data.schema_id, data.transform_graph, data.hyperparameters,
                                     structure_change=structure_change and complete)

    def _train_day(self, day: int, alive_from: int, alive_to: int, run_name: str) -> None:
        if not self.trainers:
            return
        fraction = (alive_to - alive_from) / DAY_MS
        per_trainer = self.plan.training_rate * fraction / len(self.trainers)
        starts = []
        for trainer in self.trainers:
            for _ in range(_poisson(self.rng, per_trainer)):
                starts.append((self.rng.randint(alive_from, alive_to - 1), trainer.suffix))
        by_suffix = {t.suffix: t for t in self.trainers}
        for start_ms, suffix in sorted(starts):
            if start_ms < self.window_end_ms:
                self._train(by_suffix[suffix], day, start_ms, run_name)

    def _train(self, trainer: TrainerState, day: int, start_ms: int, run_name: str) -> None:
        data = self.data
        # Before today's schema, transform graph and hyperparameters exist, a Trainer uses yesterday's.
        current = (data.current if start_ms >= data.ready_ms else data.previous) or DerivedInputs(None, None, None)
        spans = data.spans_ready(start_ms)
        window = spans[-trainer.plan.window_spans:]
        if not window:
            return
        cause = train_and_deploy(self.recorder, trainer, start_ms, run_name,
                                 [data.examples[s] for s in window], window, data.drift[window[-1]],
                                 current, current.structure_change, self.operators)
        if cause is not None:
            self.causes.append(cause)
