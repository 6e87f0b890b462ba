"""Which rows of a store changed since the watermarks of its last load or sync: what `mlprov sync`
re-reads (rules §10). Only ids are read here; the rows themselves go through the graph stream.

- Artifacts, executions, contexts: new by id (above the highest id seen), or changed by time
  (`last_update_time_since_epoch` at or after the latest one seen, minus the overlap window). The
  time catches both rows updated in place (RUNNING -> COMPLETE, new custom properties) and new
  rows that got an id below ones already seen: MLMD ids are not in creation order (a writer may
  commit late, the synthetic corpus writes one pipeline after another). A schema without update
  times (version 4) has every row re-read.
- Events have no update time: new by id, plus every event of a new or changed execution or
  artifact (an execution that ends gains its outputs; an event appears with its artifact).
- Associations: new by id, plus those of new or changed executions. Attributions: new by id, plus
  those of new or changed artifacts and of the artifacts the events above touch (an old artifact
  read by a new run is attributed to that run's contexts).
- Executions are also re-read when an event or association of theirs is (their times, state and
  pipeline come from those); parent-context links of new or changed contexts are re-read.

Whatever slips through these rules shows up in the per-table counts, which `store_diff.py` checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from mlprov.loader import mlmd
from mlprov.loader.graph_stream import Selection
from mlprov.loader.store_state import Watermarks

# Lookups by a column that has no index of its own (Attribution.artifact_id, Association.execution_id)
# scan the table once per group of ids: large groups keep that to a scan or two per sync. Within
# SQLite's smallest build limit on parameters (32,766).
SCAN_GROUP = 30_000


@dataclass
class Revisited:
    """A row already seen before (id at most the highest id seen) that changed: its id must still
    name the same row (MLMD never reuses an id), which the sync checks against the graph."""

    table: str
    id: int
    type_name: str
    third: object  # the create time (artifacts, executions) or the name (contexts), as store_state reads it


@dataclass
class Changes:
    selection: Selection
    revisited: list[Revisited] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.selection.rows


def _ids_over(store: mlmd.Store, sql: str, column_values: Iterable[int], group: int) -> list[tuple]:
    """The rows of `sql` (ending in `... IN `) for the values, a group at a time."""
    found: list[tuple] = []
    for values in mlmd.id_groups(column_values, group):
        found += store.db.rows(f"{sql} ({','.join('?' * len(values))})", values)
    return found


def _changed_nodes(store: mlmd.Store, table: str, since: Watermarks, overlap_ms: int,
                   revisited: list[Revisited]) -> set[int]:
    third = "name" if table == "Context" else store.col(table, "create_time_since_epoch")
    select = f"SELECT id, type_id, {third} FROM `{table}`"
    after_id = since.max_id.get(table)
    latest = since.max_update_ms.get(table)
    if not store.has(table, "last_update_time_since_epoch"):
        rows = store.db.rows(select)
    elif latest is None:
        rows = store.db.rows(f"{select} WHERE id > ?", (after_id if after_id is not None else -1,))
    else:
        # Two index ranges rather than an OR, which would scan the table.
        rows = store.db.rows(f"{select} WHERE id > ? UNION {select} WHERE last_update_time_since_epoch >= ?",
                             (after_id if after_id is not None else -1, latest - overlap_ms))
    for row_id, type_id, third_value in rows:
        if after_id is not None and row_id <= after_id:
            revisited.append(Revisited(table, row_id, store.type_names.get(type_id, f"unknown-type-{type_id}"),
                                       third_value))
    return {row[0] for row in rows}


def find_changes(store: mlmd.Store, since: Watermarks, overlap_ms: int) -> Changes:
    """The ids to re-read since `since` (the watermarks the Source recorded)."""
    revisited: list[Revisited] = []
    contexts = _changed_nodes(store, "Context", since, overlap_ms, revisited)
    artifacts = _changed_nodes(store, "Artifact", since, overlap_ms, revisited)
    executions = _changed_nodes(store, "Execution", since, overlap_ms, revisited)

    def after(table: str) -> int:
        value = since.max_id.get(table)
        return value if value is not None else -1

    event_select = "SELECT id, artifact_id, execution_id FROM Event WHERE"
    events = store.db.rows(f"{event_select} id > ?", (after("Event"),))
    events += _ids_over(store, f"{event_select} execution_id IN", executions, store.chunk_rows)
    events += _ids_over(store, f"{event_select} artifact_id IN", artifacts, store.chunk_rows)

    association_select = "SELECT id, execution_id FROM Association WHERE"
    associations = store.db.rows(f"{association_select} id > ?", (after("Association"),))
    associations += _ids_over(store, f"{association_select} execution_id IN", executions, SCAN_GROUP)

    touched_artifacts = {artifact for _, artifact, _ in events}
    attribution_select = "SELECT id FROM Attribution WHERE"
    attributions = store.db.rows(f"{attribution_select} id > ?", (after("Attribution"),))
    attributions += _ids_over(store, f"{attribution_select} artifact_id IN", artifacts | touched_artifacts,
                              SCAN_GROUP)

    executions |= {execution for _, _, execution in events} | {execution for _, execution in associations}
    selection = Selection(
        contexts=contexts, artifacts=artifacts, executions=executions,
        events={row[0] for row in events}, attributions={row[0] for row in attributions},
        associations={row[0] for row in associations}, parent_links_of=contexts,
    )
    return Changes(selection, revisited)
