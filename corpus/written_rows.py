"""What the graphlet oracle would read back from the store for one generated pipeline, taken from
the rows the store writer buffered for it instead of from the file.

`read_store_rows` on a pipeline's id ranges returns exactly what this builds (the generator's
tests hold the two to each other); reading the rows back cost as much as computing the graphlets
and could not start before the store was complete, while this lets the ground truth be computed
beside the simulation while the child process is still writing the store.
"""

from __future__ import annotations

from mlprov.corpus.oracle.store_rows import (
    ARTIFACT_PROPERTIES, CONTEXT_TYPES, EXECUTION_PROPERTIES, ArtifactRow, EventRow, StoreRows, artifact_property_value,
    assemble_store_rows,
)
from mlprov.corpus.store_writer import LAYOUT

_STRIDE = {table: len(columns) for table, columns in LAYOUT.items()}
_EXECUTION_PROPERTIES = frozenset(EXECUTION_PROPERTIES)
_ARTIFACT_PROPERTIES = frozenset(ARTIFACT_PROPERTIES)


class WrittenRows:
    """Collects one pipeline's buffered values (`StoreWriter`'s `observe`), then `take()` its StoreRows."""

    def __init__(self, type_names: dict[int, str]):
        self.type_names = type_names
        self._clear()

    def _clear(self) -> None:
        self._values: dict[str, list[list]] = {table: [] for table in LAYOUT}

    def observe(self, table: str, values: list, start: int) -> None:
        self._values[table].append(values[start:])

    def _columns(self, table: str, *names: str) -> list[tuple]:
        """The named columns of every unit of `table`, in order."""
        stride, layout = _STRIDE[table], LAYOUT[table]
        offsets = [layout.index(name) for name in names]
        out: list[tuple] = []
        for values in self._values[table]:
            out.extend(zip(*(values[offset::stride] for offset in offsets)))
        return out

    def take(self) -> StoreRows:
        """The pipeline's StoreRows, as `read_store_rows` reads them for its id ranges; start the next pipeline."""
        type_names = self.type_names
        executions = [(execution_id, type_names[type_id], state, created, updated) for execution_id, type_id, state, created, updated
                      in self._columns("Execution", "id", "type_id", "last_known_state", "create_time_since_epoch",
                                       "last_update_time_since_epoch")]
        properties: dict[int, dict[str, object]] = {}
        for execution_id, name, value in self._columns("ExecutionProperty", "execution_id", "name", "value"):
            if name in _EXECUTION_PROPERTIES:
                properties.setdefault(execution_id, {})[name] = value  # its one non-NULL column
        contexts = self._contexts()
        keys: dict[int, str] = {}
        for event_id, key in self._columns("EventPath", "event_id", "step_key"):
            keys.setdefault(event_id, key)  # the store's first key step of the event
        events = [EventRow(artifact_id, execution_id, event_type, keys.get(event_id))
                  for event_id, artifact_id, execution_id, event_type
                  in self._columns("Event", "id", "artifact_id", "execution_id", "type")]
        artifacts = {artifact_id: ArtifactRow(artifact_id, type_names[type_id])
                     for artifact_id, type_id in self._columns("Artifact", "id", "type_id")}
        for artifact_id, name, value in self._columns("ArtifactProperty", "artifact_id", "name", "value"):
            if name in _ARTIFACT_PROPERTIES and artifact_id in artifacts:
                artifacts[artifact_id].properties[name] = artifact_property_value(
                    value if type(value) is int else None, value if type(value) is str else None)
        self._clear()
        return assemble_store_rows(executions, properties, contexts, events, artifacts)

    def _contexts(self) -> dict[int, dict[str, str]]:
        """Each execution's pipeline and node context names (the lowest context id of each type)."""
        named = {context_id: (self.type_names[type_id], name)
                 for context_id, type_id, name in self._columns("Context", "id", "type_id", "name")}
        chosen: dict[tuple[int, str], tuple[int, str]] = {}
        for context_id, execution_id in self._columns("Association", "context_id", "execution_id"):
            type_name, name = named.get(context_id, (None, None))  # the store joins: no context, no name
            if type_name in CONTEXT_TYPES:
                earlier = chosen.get((execution_id, type_name))
                if earlier is None or context_id < earlier[0]:
                    chosen[(execution_id, type_name)] = (context_id, name)
        contexts: dict[int, dict[str, str]] = {}
        for (execution_id, type_name), (_, name) in chosen.items():
            contexts.setdefault(execution_id, {})[type_name] = name
        return contexts
