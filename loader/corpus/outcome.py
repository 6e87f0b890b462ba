"""The fixed outcome model: whether the Evaluator blesses a freshly trained model.

A push follows from the blessings (TFX's Pusher pushes only blessed models; without an Evaluator
it pushes everything), so this model is what makes graphlets waste. It reads only signals that the
store records (SPEC §5), so a classifier on the store can in principle learn it:

    logit = BASE
            - DRIFT * drift_score                 (ExampleStatistics `drift_score` of the newest span)
            - STRUCTURE * structure_change        (the pipeline's operator set changed that day)
            - CODE * code_change                  (Trainer `module_path` differs from the node's last run)
            - HYPERPARAMETERS * new_hyperparameters
            + MODEL_TYPE[model_type]              (Model `model_type`)
            - STALE * (no new span since the node's last training)
    P(blessed) = 1 / (1 + exp(-logit))

Drift and structure changes are the strong signals, model type and code the weak ones, as in the
paper. InfraValidator blesses with a fixed probability: serving problems are not data problems.
"""

from __future__ import annotations

import math

BASE = 2.1
DRIFT = 5.0
STRUCTURE = 2.6
CODE = 0.5
HYPERPARAMETERS = 0.3
STALE = 0.4
MODEL_TYPE = {"dnn": 0.0, "linear": 0.25, "boosted_trees": -0.2, "wide_and_deep": -0.35}
INFRA_BLESSED_PROBABILITY = 0.97


def blessing_probability(drift_score: float, structure_change: bool, code_change: bool,
                         new_hyperparameters: bool, model_type: str, new_spans: int) -> float:
    logit = (
        BASE
        - DRIFT * drift_score
        - STRUCTURE * structure_change
        - CODE * code_change
        - HYPERPARAMETERS * new_hyperparameters
        + MODEL_TYPE[model_type]
        - STALE * (new_spans == 0)
    )
    return 1.0 / (1.0 + math.exp(-logit))
