"""Rows that left the store, and rows the change rules missed, found cheaply (rules §10).

Per MLMD table, the store's row count is compared with the graph's (for link tables, plus the rows
the reader skips: those are in the store but never in the graph). Only a table whose counts differ
is compared row by row: its keys, streamed in key order from the store (keyset chunks on a unique
index) and from the graph (one sorted query), are merged like two sorted files. Keys only in the
store are rows to read; keys only in the graph are rows to remove. Memory holds the differences,
never a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import neo4j

from mlprov.core import queries
from mlprov.loader import mlmd

NODE_TABLES = ("Artifact", "Execution", "Context")
LINK_TABLES = ("Event", "Attribution", "Association", "ParentContext")

# Per table: the store's key columns (a unique index, so keyset chunks are cheap) and what else a
# store row carries; the graph query giving the same keys in the same order, and how many of its
# leading columns are the key.
_STORE_KEYS = {
    "Artifact": ("SELECT id FROM Artifact", ("id",)),
    "Execution": ("SELECT id FROM Execution", ("id",)),
    "Context": ("SELECT id FROM Context", ("id",)),
    "Event": ("SELECT id, execution_id FROM Event", ("id",)),
    "Attribution": ("SELECT context_id, artifact_id, id FROM Attribution", ("context_id", "artifact_id")),
    "Association": ("SELECT context_id, execution_id, id FROM Association", ("context_id", "execution_id")),
    "ParentContext": ("SELECT context_id, parent_context_id FROM ParentContext", ("context_id", "parent_context_id")),
}
_GRAPH_KEYS = {
    "Artifact": "sync.artifact_ids",
    "Execution": "sync.execution_ids",
    "Context": "sync.context_ids",
    "Event": "sync.event_ids",
    "Attribution": "sync.attribution_pairs",
    "Association": "sync.association_pairs",
    "ParentContext": "sync.parent_pairs",
}


@dataclass
class TableDiff:
    """Rows of one table only in the store (`missing`: store rows as selected above) and only in
    the graph (`extra`: graph rows as the query returns them)."""

    table: str
    missing: list[tuple] = field(default_factory=list)
    extra: list[tuple] = field(default_factory=list)


def graph_counts(driver: neo4j.Driver, database: str, source: str) -> dict[str, int]:
    keys, rows = queries.execute(driver, database, "sync.graph_counts", source=source)
    return dict(zip(keys, rows[0]))


def skipped_by_table(skipped: dict[str, int]) -> dict[str, int]:
    """The reader's skip reasons, summed per table (the reasons name the table they come from)."""
    prefixes = {"event ": "Event", "attribution ": "Attribution", "association ": "Association",
                "parent context link ": "ParentContext"}
    per_table = dict.fromkeys(LINK_TABLES, 0)
    for reason, n in skipped.items():
        table = next(table for prefix, table in prefixes.items() if reason.startswith(prefix))
        per_table[table] += n
    return per_table


def tables_that_differ(tables: tuple[str, ...], store_counts: dict[str, int], in_graph: dict[str, int],
                       skipped: dict[str, int]) -> list[str]:
    per_table = skipped_by_table(skipped)
    return [table for table in tables if store_counts[table] != in_graph[table] + per_table.get(table, 0)]


def _merged(store_rows: Iterator[tuple], graph_rows: Iterator[tuple], width: int, diff: TableDiff) -> TableDiff:
    """Walk two streams sorted by their first `width` columns; note what only one of them has."""
    store_row, graph_row = next(store_rows, None), next(graph_rows, None)
    while store_row is not None or graph_row is not None:
        store_key = tuple(store_row[:width]) if store_row is not None else None
        graph_key = tuple(graph_row[:width]) if graph_row is not None else None
        if graph_key is None or (store_key is not None and store_key < graph_key):
            diff.missing.append(tuple(store_row))
            store_row = next(store_rows, None)
        elif store_key is None or graph_key < store_key:
            diff.extra.append(tuple(graph_row))
            graph_row = next(graph_rows, None)
        else:
            store_row, graph_row = next(store_rows, None), next(graph_rows, None)
    return diff


def diff_table(store: mlmd.Store, driver: neo4j.Driver, database: str, source: str, table: str) -> TableDiff:
    """The rows of `table` that the store and the graph do not share."""
    select, keys = _STORE_KEYS[table]
    store_rows = mlmd.sorted_rows(store, select, keys) if store.has(table) else iter(())
    graph_rows = (tuple(row) for row in queries.stream(driver, database, _GRAPH_KEYS[table], source=source))
    return _merged(store_rows, graph_rows, len(keys), TableDiff(table))
