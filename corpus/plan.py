"""Pipeline plans: who lives when, how often it trains, and which operators it starts with.

Calibrated to rules §6: ≈150 Trainer executions per pipeline, ≈7 trainings per active day with a
heavy tail (≈1.1% of pipelines above 100 a day), a mean active span of ≈21 days made of many
short-lived pipelines and some that live through the whole window. The rare classes (hot and
long-lived pipelines) are assigned by quota, not by coin flip, so a small corpus still has its
share and a large one does not swing with the seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

HOT_SHARE = 0.011  # pipelines training more than 100 times per active day
HOT_RATE_RANGE = (110.0, 220.0)
LONG_LIVED_SHARE = 0.08  # pipelines alive for (nearly) the whole window
SHORT_LIFESPAN_MEDIAN_DAYS = 7.5
SHORT_LIFESPAN_SIGMA = 1.0
BASE_RATE_MEDIAN = 4.0  # trainings per day of an ordinary pipeline (lognormal)
BASE_RATE_SIGMA = 0.9
BASE_RATE_CAP = 95.0

TRAINER_COUNT_WEIGHTS = {1: 0.80, 2: 0.15, 3: 0.05}
WINDOW_SPANS_WEIGHTS = {1: 0.25, 7: 0.30, 14: 0.20, 30: 0.15, 60: 0.10}
WARM_START_PROBABILITY = 0.35
MODEL_TYPES = ("dnn", "linear", "boosted_trees", "wide_and_deep")

# Probability that a pipeline starts with each optional operator (structure changes toggle them).
OPTIONAL_OPERATORS = {
    "ExampleValidator": 0.75,
    "Transform": 0.60,
    "Tuner": 0.20,
    "Evaluator": 0.85,
    "InfraValidator": 0.30,
    "Pusher": 0.95,
}
NO_TRAINER_PROBABILITY = 0.02


@dataclass
class TrainerPlan:
    node_id: str  # `Trainer`, `Trainer_2`, ...
    window_spans: int
    warm_start: bool
    model_type: str


@dataclass
class PipelinePlan:
    index: int
    name: str
    birth_day: float  # days after the window start
    death_day: float
    training_rate: float  # Trainer executions per day, over all of the pipeline's Trainers
    trainers: list[TrainerPlan]
    operators: set[str] = field(default_factory=set)  # optional operators present at birth


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _quota_flags(rng: random.Random, count: int, share: float) -> list[bool]:
    """Exactly round(count*share) flags set (at least one in a corpus of 30+), in random order."""
    flagged = round(count * share)
    if flagged == 0 and count >= 30 and share > 0:
        flagged = 1
    flags = [i < flagged for i in range(count)]
    rng.shuffle(flags)
    return flags


def plan_pipelines(count: int, days: int, seed: int) -> list[PipelinePlan]:
    rng = random.Random(f"plan:{seed}")
    hot = _quota_flags(rng, count, HOT_SHARE)
    long_lived = _quota_flags(rng, count, LONG_LIVED_SHARE)
    plans = []
    for index in range(count):
        if long_lived[index]:
            lifespan = rng.uniform(0.85, 1.0) * days
        else:
            lifespan = min(days * 0.8, rng.lognormvariate(math.log(SHORT_LIFESPAN_MEDIAN_DAYS), SHORT_LIFESPAN_SIGMA))
        lifespan = max(lifespan, 0.5)
        birth = rng.uniform(0.0, days - lifespan)
        if hot[index]:
            rate = math.exp(rng.uniform(*map(math.log, HOT_RATE_RANGE)))
        else:
            rate = min(BASE_RATE_CAP, rng.lognormvariate(math.log(BASE_RATE_MEDIAN), BASE_RATE_SIGMA))
        trainer_count = 0 if rng.random() < NO_TRAINER_PROBABILITY else _weighted(rng, TRAINER_COUNT_WEIGHTS)
        trainers = [
            TrainerPlan(
                node_id="Trainer" if number == 1 else f"Trainer_{number}",
                window_spans=_weighted(rng, WINDOW_SPANS_WEIGHTS),
                warm_start=rng.random() < WARM_START_PROBABILITY,
                model_type=rng.choice(MODEL_TYPES),
            )
            for number in range(1, trainer_count + 1)
        ]
        operators = {op for op, probability in OPTIONAL_OPERATORS.items() if rng.random() < probability}
        plans.append(PipelinePlan(index, f"pipeline_{index:05d}", birth, birth + lifespan, rate, trainers, operators))
    return plans
