"""One MLMD store as one ordered stream of graph rows: what every sink writes, in load order.

The order is contexts, artifacts, executions (each pipeline just before its first execution),
events, attributions, associations, parent contexts: every node comes before the relationships
that join it, so a sink may write rows as they come. Each MLMD table is read once; the events in
one pass, each yielded as an input or an output event by its direction. What the reader drops
(rows pointing at deleted rows) is counted once, in the reader's own tally `store.skipped`.

Pipeline nodes are decided here and nowhere else: one per pipeline context that owns an
execution, or one named after the source for a store without them (docs/rules.md, rules §2).

Given a `Selection` (what `mlprov sync` re-reads, rules §10), the stream holds only the chosen rows
of each table, as the same parts and rows, in the same order; the pipelines of the chosen
executions come before them as always.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from itertools import compress

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

# Rows that left the store, which a sync removes from the graph (store_diff.py finds them); they
# come after every part above. Only the upsert sink takes them.
DELETED_EVENTS = Part("deleted_events", None)
DELETED_ATTRIBUTIONS = Part("deleted_attributions", None)
DELETED_ASSOCIATIONS = Part("deleted_associations", None)
DELETED_PARENT_CONTEXTS = Part("deleted_parent_contexts", None)
DELETED_ARTIFACTS = Part("deleted_artifacts", None)
DELETED_EXECUTIONS = Part("deleted_executions", None)
DELETED_CONTEXTS = Part("deleted_contexts", None)
DELETIONS = (DELETED_EVENTS, DELETED_ATTRIBUTIONS, DELETED_ASSOCIATIONS, DELETED_PARENT_CONTEXTS,
             DELETED_ARTIFACTS, DELETED_EXECUTIONS, DELETED_CONTEXTS)


@dataclass(frozen=True)
class Selection:
    """The MLMD ids a stream reads, per table (what a sync re-reads); the parent-context links read
    are those with one of `parent_links_of` at either end."""

    contexts: Collection[int] = ()
    artifacts: Collection[int] = ()
    executions: Collection[int] = ()
    events: Collection[int] = ()
    attributions: Collection[int] = ()
    associations: Collection[int] = ()
    parent_links_of: Collection[int] = ()

    @property
    def rows(self) -> int:
        return (len(self.contexts) + len(self.artifacts) + len(self.executions) + len(self.events)
                + len(self.attributions) + len(self.associations))


# Each reading's label: the MLMD table it counts (None: events, counted by direction) and the
# Selection field that chooses its rows (None: parent contexts, chosen by their ends).
READING_TABLES: dict[str, tuple[str | None, str | None]] = {
    "contexts": ("Context", "contexts"),
    "artifacts": ("Artifact", "artifacts"),
    "executions": ("Execution", "executions"),
    "events": (None, "events"),
    "attributions": ("Attribution", "attributions"),
    "associations": ("Association", "associations"),
    "parent contexts": ("ParentContext", None),
}


@dataclass
class Reading:
    """The rows that one pass over one MLMD table gives, and how many to expect (for progress;
    rows the reader drops make the real number lower).

    The link tables' readings (events, attributions, associations: 25.6 M of the 29.9 M rows at L)
    also come as `batches`: a chunk of rows of one part at a time, as columns (equal-length lists
    named by the row's keys). Their `rows` are those batches row by row; read one or the other."""

    label: str
    expected: int
    rows: Iterator[tuple[Part, dict]]
    batches: Iterator[tuple[Part, dict[str, list]]] | None = None


class GraphStream:
    """The graph rows of one open store under one source name. Read it once: a second pass
    would count the skipped rows again."""

    def __init__(self, store: mlmd.Store, source: str, operators: OperatorMap, selection: Selection | None = None):
        self.store = store
        self.source = source
        self.operators = operators
        self.selection = selection
        self._pipeline_contexts: list[str] | None = None
        self._started = False

    def __iter__(self) -> Iterator[tuple[Part, dict]]:
        for reading in self.readings():
            yield from reading.rows

    def readings(self, only: Collection[str] | None = None) -> Iterator[Reading]:
        """One Reading per MLMD table, in load order (only those labelled in `only`, when given);
        each expected count is taken when its reading starts. Read each reading's rows before
        asking for the next. Executions need the contexts read first, in this stream or not at all."""
        if self._started:
            raise RuntimeError(f"the graph stream of {self.store.identity.location} was already read")
        self._started = True
        store, source, chosen = self.store, self.source, self.selection
        rows: dict[str, Callable[[], Iterator[tuple[Part, dict]]]] = {
            "contexts": self._contexts,
            "artifacts": lambda: ((ARTIFACTS, graph_rows.artifact_row(source, row))
                                  for row in mlmd.artifacts(store, chosen and chosen.artifacts)),
            "executions": self._executions,
            "parent contexts": lambda: ((PARENT_CONTEXTS, graph_rows.parent_row(source, row))
                                        for row in mlmd.parent_contexts(store, chosen and chosen.parent_links_of)),
        }
        batches: dict[str, Callable[[], Iterator[tuple[Part, dict[str, list]]]]] = {
            "events": self._event_batches,
            "attributions": lambda: ((ATTRIBUTIONS, graph_rows.link_columns(source, "a", batch))
                                     for batch in mlmd.link_batches(store, "Attribution", chosen and chosen.attributions)),
            "associations": lambda: ((ASSOCIATIONS, graph_rows.link_columns(source, "e", batch))
                                     for batch in mlmd.link_batches(store, "Association", chosen and chosen.associations)),
        }
        for label in READING_TABLES:
            if only is not None and label not in only:
                continue
            expected = self.expected(label)
            if label in batches:
                read = batches[label]()
                yield Reading(label, expected, _rows(read), read)
            else:
                yield Reading(label, expected, rows[label]())

    def expected(self, label: str) -> int:
        """Rows to expect of the reading `label`, for progress: its table's (events: those of a
        direction), or the chosen ids'."""
        table, chosen = READING_TABLES[label]
        if self.selection is not None:
            return len(getattr(self.selection, chosen)) if chosen else 0
        if table is None:
            return mlmd.count_events(self.store, "INPUT") + mlmd.count_events(self.store, "OUTPUT")
        return self.store.count(table)

    @property
    def skipped(self) -> dict[str, int]:
        """What the reader dropped so far, by reason."""
        return dict(sorted(self.store.skipped.items()))

    def _contexts(self) -> Iterator[tuple[Part, dict]]:
        if self.selection is not None:
            # Executions need every pipeline context of the store, not only the chosen ones.
            self._pipeline_contexts = mlmd.pipeline_contexts(self.store)
            for row in mlmd.contexts(self.store, self.selection.contexts):
                yield CONTEXTS, graph_rows.context_row(self.source, row)
            return
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
        for row in mlmd.executions(self.store, self.selection and self.selection.executions):
            execution = normaliser.row(row)
            if execution["pipeline_uid"] not in pipelines:
                pipelines.add(execution["pipeline_uid"])
                yield PIPELINES, graph_rows.pipeline_row(self.source, execution["node"]["pipeline"])
            yield EXECUTIONS, execution

    def _event_batches(self) -> Iterator[tuple[Part, dict[str, list]]]:
        """Each batch of events as its input events, then its output events."""
        for batch in mlmd.event_batches(self.store, self.selection and self.selection.events):
            columns = graph_rows.event_columns(self.source, batch)
            inputs = list(map("INPUT".__eq__, batch["direction"]))
            if all(inputs):
                yield INPUT_EVENTS, columns
            elif not any(inputs):
                yield OUTPUT_EVENTS, columns
            else:
                outputs = list(map(operator.not_, inputs))
                yield INPUT_EVENTS, {name: list(compress(column, inputs)) for name, column in columns.items()}
                yield OUTPUT_EVENTS, {name: list(compress(column, outputs)) for name, column in columns.items()}


def _rows(batches: Iterator[tuple[Part, dict[str, list]]]) -> Iterator[tuple[Part, dict]]:
    for part, columns in batches:
        for row in mlmd.rows_of(columns):
            yield part, row
