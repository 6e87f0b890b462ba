"""One MLMD store as one ordered stream of graph rows: what every sink writes, in load order.

The order is contexts, artifacts, executions (each pipeline just before its first execution),
events, attributions, associations, parent contexts: every node comes before the relationships
that join it, so a sink may write rows as they come. Each MLMD table is read once; the events in
one pass, each yielded as an input or an output event by its direction. What the reader drops
(rows pointing at deleted rows) is counted once, in the reader's own tally `store.skipped`.

Pipeline nodes are decided here and nowhere else: one per pipeline context that owns an
execution, or one named after the source for a store without them (docs/rules.md, rules §2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mlprov.loader import graph_rows, mlmd
from mlprov.loader.operators import OperatorMap


@dataclass(frozen=True)
class Part:
    """One kind of graph row. Sinks choose by part what to write; `counts_as` is what the Source
    node counts its rows as (None for pipelines: they are derived, not MLMD rows)."""

    name: str
    counts_as: str | None


CONTEXTS = Part("contexts", "nodes")
ARTIFACTS = Part("artifacts", "nodes")
PIPELINES = Part("pipelines", None)
EXECUTIONS = Part("executions", "nodes")
INPUT_EVENTS = Part("input_events", "relationships")
OUTPUT_EVENTS = Part("output_events", "relationships")
ATTRIBUTIONS = Part("attributions", "relationships")
ASSOCIATIONS = Part("associations", "relationships")
PARENT_CONTEXTS = Part("parent_contexts", "relationships")
# Load order: a row of a part may refer to rows of the parts before it, never after.
PARTS = (CONTEXTS, ARTIFACTS, PIPELINES, EXECUTIONS, INPUT_EVENTS, OUTPUT_EVENTS, ATTRIBUTIONS, ASSOCIATIONS,
         PARENT_CONTEXTS)


@dataclass
class Reading:
    """The rows that one pass over one MLMD table gives, and how many to expect (for progress;
    rows the reader drops make the real number lower)."""

    label: str
    expected: int
    rows: Iterator[tuple[Part, dict]]


class GraphStream:
    """The graph rows of one open store under one source name. Read it once: a second pass
    would count the skipped rows again."""

    def __init__(self, store: mlmd.Store, source: str, operators: OperatorMap):
        self.store = store
        self.source = source
        self.operators = operators
        self._pipeline_contexts: list[str] | None = None
        self._started = False

    def __iter__(self) -> Iterator[tuple[Part, dict]]:
        for reading in self.readings():
            yield from reading.rows

    def readings(self) -> Iterator[Reading]:
        """One Reading per MLMD table, in load order; each expected count is taken when its
        reading starts. Read each reading's rows before asking for the next."""
        if self._started:
            raise RuntimeError(f"the graph stream of {self.store.path} was already read")
        self._started = True
        store, source = self.store, self.source
        yield Reading("contexts", store.count("Context"), self._contexts())
        yield Reading("artifacts", store.count("Artifact"),
                      ((ARTIFACTS, graph_rows.artifact_row(source, row)) for row in mlmd.artifacts(store)))
        yield Reading("executions", store.count("Execution"), self._executions())
        yield Reading("events", mlmd.count_events(store, "INPUT") + mlmd.count_events(store, "OUTPUT"),
                      self._events())
        yield Reading("attributions", store.count("Attribution"),
                      ((ATTRIBUTIONS, graph_rows.link_row(source, "a", row)) for row in mlmd.attributions(store)))
        yield Reading("associations", store.count("Association"),
                      ((ASSOCIATIONS, graph_rows.link_row(source, "e", row)) for row in mlmd.associations(store)))
        yield Reading("parent contexts", store.count("ParentContext"),
                      ((PARENT_CONTEXTS, graph_rows.parent_row(source, row)) for row in mlmd.parent_contexts(store)))

    @property
    def skipped(self) -> dict[str, int]:
        """What the reader dropped so far, by reason."""
        return dict(sorted(self.store.skipped.items()))

    def _contexts(self) -> Iterator[tuple[Part, dict]]:
        # The pipeline contexts are noted on the way, so executions need no second read of Context.
        pipeline_contexts = []
        for row in mlmd.contexts(self.store):
            if row["type"] == "pipeline":
                pipeline_contexts.append(row["name"])
            yield CONTEXTS, graph_rows.context_row(self.source, row)
        self._pipeline_contexts = pipeline_contexts

    def _executions(self) -> Iterator[tuple[Part, dict]]:
        if self._pipeline_contexts is None:
            raise RuntimeError("the contexts must be read before the executions: they name the pipelines")
        normaliser = graph_rows.ExecutionNormaliser(self.source, self._pipeline_contexts, self.operators)
        pipelines: set[str] = set()  # one entry per pipeline: small whatever the store's size
        for row in mlmd.executions(self.store):
            execution = normaliser.row(row)
            if execution["pipeline_uid"] not in pipelines:
                pipelines.add(execution["pipeline_uid"])
                yield PIPELINES, graph_rows.pipeline_row(self.source, execution["node"]["pipeline"])
            yield EXECUTIONS, execution

    def _events(self) -> Iterator[tuple[Part, dict]]:
        for event in mlmd.events(self.store):
            part = INPUT_EVENTS if event["direction"] == "INPUT" else OUTPUT_EVENTS
            yield part, graph_rows.event_row(self.source, event)
