"""The fixed outcome model: whether the Evaluator blesses a freshly trained model.

A push follows from the blessings (TFX's Pusher pushes only blessed models; without an Evaluator
it pushes everything), so this model is what makes graphlets waste. It reads only signals that the
store records (rules §5), so a classifier on the store can in principle learn it:

    logit = BASE
            - DRIFT * drift_score                 (ExampleStatistics `drift_score` of the newest span)
            - STRUCTURE * structure_change        (the pre-training run it trains on changed its operator set)
            - CODE * code_change                  (Trainer `module_path` differs from the node's last run)
            - HYPERPARAMETERS * new_hyperparameters
            + MODEL_TYPE[model_type]              (Model `model_type`)
            - STALE * (no new span since the node's last training)
    P(blessed) = 1 / (1 + exp(-logit))

Drift and structure changes are the strong signals, model type and code the weak ones, as in the
paper. InfraValidator blesses with a fixed probability: serving problems are not data problems.

Calibration: with BASE 2.1, DRIFT 5, STRUCTURE 2.6 a model trained in calm conditions failed its
blessing 11% of the time for no recorded reason, so most waste was noise that no decision-point
classifier can foresee (even the true blessing probability removed only ~36% of waste at 5% of
pushes lost on M). The paper's claim is that drift and structure changes explain most waste, so
calm models now bless about 96% of the time and drift and structure weigh more; drift events are
more frequent (simulate.DRIFT_EVENT_PER_DAY) to keep the pushed share at 60-70% (65.1% at M).
"""

from __future__ import annotations

import math

BASE = 3.5
DRIFT = 10.0
STRUCTURE = 5.0
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
