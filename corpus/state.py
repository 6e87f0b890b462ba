"""What a simulated pipeline remembers from day to day: its data, and each Trainer's state.

Kept apart from the simulation so that the training step (training.py) and the simulation
(simulate.py) both read it without importing each other.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from mlprov.corpus.plan import TrainerPlan


@dataclass(frozen=True)
class DerivedInputs:
    """The schema, transform graph and hyperparameters a Trainer starting now would read."""

    schema_id: int | None
    transform_graph: int | None
    hyperparameters: int | None
    structure_change: bool = False  # the run that made them changed its operator set


@dataclass
class TrainerState:
    plan: TrainerPlan
    suffix: str
    module_path: str = ""
    train_args: str = ""
    code_changed: bool = True
    last_model: tuple[int, int] | None = None  # (Model id, ModelRun id) of the latest success
    last_spans: frozenset[int] = frozenset()
    last_inputs: tuple = ()
    seen_hyperparameters: int | None = None
    baseline: tuple[int, int] | None = None  # (Model id, ModelBlessing id) of the last blessed model


@dataclass
class DataState:
    examples: dict[int, int] = field(default_factory=dict)  # span -> Examples id
    example_ready_ms: dict[int, int] = field(default_factory=dict)
    drift: dict[int, float] = field(default_factory=dict)  # span -> drift_score
    schema_id: int | None = None
    statistics_id: int | None = None
    transform_graph: int | None = None
    hyperparameters: int | None = None
    ready_ms: int = 0  # when the day's derived artifacts (schema, transform graph) are ready
    current: DerivedInputs | None = None
    previous: DerivedInputs | None = None
    _ready_spans: list[int] = field(default_factory=list)  # example_ready_ms's keys, in order
    _ready_times: list[int] | None = field(default_factory=list)  # and values, while they never decrease

    def span_ready(self, span: int, at_ms: int) -> None:
        """The span's examples exist from `at_ms` on (spans arrive in increasing order)."""
        self.example_ready_ms[span] = at_ms
        if self._ready_times is not None and (self._ready_times and at_ms < self._ready_times[-1]
                                              or self._ready_spans and span <= self._ready_spans[-1]):
            self._ready_times = None  # out of order: spans_ready scans the dict
        if self._ready_times is not None:
            self._ready_spans.append(span)
            self._ready_times.append(at_ms)

    def spans_ready(self, at_ms: int) -> list[int]:
        """The spans whose examples exist at `at_ms`, in increasing order."""
        if self._ready_times is None:
            return sorted(s for s, ready in self.example_ready_ms.items() if ready <= at_ms)
        return self._ready_spans[:bisect_right(self._ready_times, at_ms)]
