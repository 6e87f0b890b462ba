"""One training and what follows it: Trainer, then Resolver, Evaluator, InfraValidator, Pusher.

Returns the generator's causes for the graphlet the Trainer starts (None for a cache hit, which
starts no graphlet). The causes are what the outcome model saw, so analyses can be checked
against them; they are all recorded in the store too.
"""

from __future__ import annotations

import json
from functools import cache

from mlprov.corpus import outcome, schema
from mlprov.corpus.recorder import Output, PipelineRecorder
from mlprov.corpus.state import DerivedInputs, TrainerState

FAILURE = {"Trainer": 0.04, "Evaluator": 0.02, "InfraValidator": 0.01, "Pusher": 0.005}
TRAINER_CANCEL = 0.005
CACHED_TRAINER = 0.08  # chance that a Trainer whose inputs did not change is a cache hit
REFERENCE_WINDOW_SPANS = 7  # Trainer cost grows with the square root of its window


def train_and_deploy(rec: PipelineRecorder, trainer: TrainerState, start_ms: int, run_name: str,
                     examples: list[int], spans: list[int], drift: float, derived: DerivedInputs,
                     structure_change: bool, operators: set[str]) -> dict | None:
    node = trainer.plan.node_id
    inputs = [(artifact, "examples", index) for index, artifact in enumerate(examples)]
    for artifact, key in ((derived.schema_id, "schema"), (derived.transform_graph, "transform_graph"),
                          (derived.hyperparameters, "hyperparameters")):
        if artifact is not None:
            inputs.append((artifact, key, 0))
    signature = (tuple(inputs), trainer.module_path)
    if trainer.last_model and signature == trainer.last_inputs and rec.rng.random() < CACHED_TRAINER:
        model, model_run = trainer.last_model
        rec.run("Trainer", node, run_name, start_ms, 0.0, schema.CACHED, inputs, [],
                _trainer_properties(trainer), reemit=[(model, "model"), (model_run, "model_run")])
        return None
    trainer.last_inputs = signature
    if trainer.plan.warm_start and trainer.last_model:
        inputs.append((trainer.last_model[0], "base_model", 0))
    new_spans = len(set(spans) - trainer.last_spans)
    new_hyperparameters = derived.hyperparameters is not None and derived.hyperparameters != trainer.seen_hyperparameters
    cause = {
        "new_spans": new_spans,
        "window_spans": len(spans),
        "drift": drift,
        "structure_change": structure_change,
        "code_change": trainer.code_changed,
        "hyperparameter_change": new_hyperparameters,
        "model_type": trainer.plan.model_type,
    }
    trainer.last_spans = frozenset(spans)
    trainer.seen_hyperparameters = derived.hyperparameters
    trainer.code_changed = False
    cost = rec.cost("Trainer", (len(spans) / REFERENCE_WINDOW_SPANS) ** 0.5)
    trained = rec.run("Trainer", node, run_name, start_ms, cost, rec.state(FAILURE["Trainer"], TRAINER_CANCEL),
                      inputs, [Output("Model", "model", {"model_type": trainer.plan.model_type}),
                               Output("ModelRun", "model_run", {})],
                      _trainer_properties(trainer))
    cause["trainer_id"] = trained.execution_id
    if not trained.outputs:
        return cause
    model, model_run = trained.outputs
    trainer.last_model = (model, model_run)
    blessing_probability = outcome.blessing_probability(
        drift, structure_change, cause["code_change"], new_hyperparameters, trainer.plan.model_type, new_spans)
    _deploy(rec, trainer, model, examples[-1], trained.ended_ms, run_name, operators, blessing_probability)
    return cause


_EVAL_ARGS = json.dumps({"num_steps": 100})


@cache
def _custom_config(window_spans: int) -> str:
    return json.dumps({"window_spans": window_spans})


def _trainer_properties(trainer: TrainerState) -> dict[str, object]:
    return {
        "module_path": trainer.module_path,
        "train_args": trainer.train_args,
        "eval_args": _EVAL_ARGS,
        "custom_config": _custom_config(trainer.plan.window_spans),
    }


def _deploy(rec: PipelineRecorder, trainer: TrainerState, model: int, latest_examples: int, at_ms: int,
            run_name: str, operators: set[str], blessing_probability: float) -> None:
    """The model's way to serving. A step starting after the window's end has not happened yet."""
    suffix = trainer.suffix
    blessings: list[tuple[int, str, int]] = []  # (artifact id, Pusher input key, blessed)
    if "Evaluator" in operators:
        resolver = rec.run("Resolver", f"latest_blessed_model_resolver{suffix}", run_name, at_ms, rec.cost("Resolver"),
                           schema.COMPLETE, [], [],
                           internal_outputs=[(trainer.baseline[0], "model"), (trainer.baseline[1], "model_blessing")]
                           if trainer.baseline else None)
        at_ms = resolver.ended_ms
        if at_ms >= rec.window_end_ms:
            return
        evaluator_inputs = [(model, "model", 0), (latest_examples, "examples", 0)]
        if trainer.baseline:
            evaluator_inputs.append((trainer.baseline[0], "baseline_model", 0))
        blessed = int(rec.rng.random() < blessing_probability)
        evaluation = rec.run("Evaluator", f"Evaluator{suffix}", run_name, at_ms, rec.cost("Evaluator"),
                             rec.state(FAILURE["Evaluator"]), evaluator_inputs,
                             [Output("ModelEvaluation", "evaluation", {}),
                              Output("ModelBlessing", "blessing", {"blessed": blessed, "current_model_id": model})])
        if not evaluation.outputs:
            return
        blessings.append((evaluation.outputs[1], "model_blessing", blessed))
        at_ms = evaluation.ended_ms
        if blessed:
            trainer.baseline = (model, evaluation.outputs[1])
    if "InfraValidator" in operators and at_ms < rec.window_end_ms:
        infra_blessed = int(rec.rng.random() < outcome.INFRA_BLESSED_PROBABILITY)
        validation = rec.run("InfraValidator", f"InfraValidator{suffix}", run_name, at_ms, rec.cost("InfraValidator"),
                             rec.state(FAILURE["InfraValidator"]), [(model, "model", 0), (latest_examples, "examples", 0)],
                             [Output("InfraBlessing", "blessing", {"blessed": infra_blessed})])
        if not validation.outputs:
            return
        blessings.append((validation.outputs[0], "infra_blessing", infra_blessed))
        at_ms = validation.ended_ms
    if "Pusher" in operators and at_ms < rec.window_end_ms:
        # TFX's Pusher pushes only a model every validator blessed (and anything when none ran).
        pushed = int(all(blessed for _, _, blessed in blessings))
        rec.run("Pusher", f"Pusher{suffix}", run_name, at_ms, rec.cost("Pusher"), rec.state(FAILURE["Pusher"]),
                [(model, "model", 0)] + [(artifact, key, 0) for artifact, key, _ in blessings],
                [Output("PushedModel", "pushed_model", {"pushed": pushed})])
