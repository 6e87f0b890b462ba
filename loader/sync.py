"""`mlprov sync`: bring a loaded source up to date with its store, reading only what changed
(rules §10).

1. Open the store (one read transaction: one instant) and read its state (store_state.py).
2. A source never loaded, still `loading`, asked to be replaced, or whose store changed schema
   version (an ml-metadata upgrade) is loaded in full (load.py). A loaded source whose store state
   is the one it recorded is `unchanged`: nothing is written.
3. Refuse, before writing anything, a store whose past differs from the source's in ways MLMD
   never changes a store (store_state.check_same_store; a changed row whose id names another row).
4. Mark the source `syncing`, write the changed rows (store_changes.py) through the graph stream
   into the upsert sink (neo4j_sink.py), then compare per-table counts and, where they differ, the
   keys (store_diff.py): rows that left the store are removed, rows the rules missed are read.
5. Record the new state, counts and skipped rows, and mark the source `loaded`.

Crash safety: the watermarks move only in step 5, and every write of step 4 can be done twice.
A sync killed at any point leaves the source `syncing` with its old watermarks; graphlet builds
and exports leave it alone, and the next sync reads from the old watermarks again (a superset of
what the killed one read) and ends with the graph a clean sync gives.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import neo4j

from mlprov.core import queries, statistics
from mlprov.core.errors import BadInputError
from mlprov.core.workers import heartbeat, this_worker
from mlprov.loader import mlmd
from mlprov.loader.graph_rows import uid
from mlprov.loader.graph_stream import (
    DELETED_ARTIFACTS, DELETED_ASSOCIATIONS, DELETED_ATTRIBUTIONS, DELETED_CONTEXTS, DELETED_EVENTS,
    DELETED_EXECUTIONS, DELETED_PARENT_CONTEXTS, GraphStream, Part, Selection,
)
from mlprov.loader.load import (
    DEFAULT_BATCH_SIZE, Marking, apply_schema, count_facts, existing_source, load_open_store, neo4j_connection_kept,
    refuse_if_in_progress,
)
from mlprov.loader.neo4j_sink import Neo4jBatchSink
from mlprov.loader.operators import OperatorMap, default_map
from mlprov.loader.sinks import fill
from mlprov.loader.store_changes import Changes, Revisited, find_changes
from mlprov.loader.store_diff import LINK_TABLES, NODE_TABLES, diff_table, graph_counts, tables_that_differ
from mlprov.loader.store_state import Identity, StoreState, Watermarks, check_same_store, read_state

log = logging.getLogger(__name__)

# How far before the latest update time seen a sync looks again: rows that a writer commits with
# an earlier time than rows already synced (its clock, or a long transaction) are still found.
DEFAULT_OVERLAP_MS = 5 * 60 * 1000

_UID_KINDS = {"Artifact": "a", "Execution": "e", "Context": "c"}
_NODE_DELETIONS = {"Artifact": DELETED_ARTIFACTS, "Execution": DELETED_EXECUTIONS, "Context": DELETED_CONTEXTS}


@dataclass
class SyncResult:
    source: str
    location: str
    status: str  # synced | unchanged | loaded (in full: never loaded before, replaced, schema upgraded)
    rows_read: int = 0  # MLMD rows read from the store
    deleted: dict[str, int] = field(default_factory=dict)  # rows removed from the graph, per MLMD table
    compared: list[str] = field(default_factory=list)  # tables whose counts differed, so keys were compared
    nodes: int = 0
    relationships: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def resolve(text: str | Path, driver: neo4j.Driver, database: str) -> tuple[str | Path, str | None]:
    """What a `mlprov sync` argument names: a store location (a path, sqlite:///PATH, mysql://...)
    with no source name, or the name of a loaded source with the location it recorded."""
    if isinstance(text, Path) or "://" in str(text) or Path(text).exists():
        return text, None
    existing = existing_source(driver, database, str(text))
    if existing is None or not existing["location"]:
        raise BadInputError(f"{text}: no such file, and no loaded source of that name")
    return existing["location"], str(text)


def sync_store(location: str | Path, driver: neo4j.Driver, database: str, *, source_name: str | None = None,
               replace: bool = False, operators: OperatorMap | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
               overlap_ms: int = DEFAULT_OVERLAP_MS, quiet: bool = False) -> SyncResult:
    """Bring the source of the store at `location` up to date; raise BadInputError before writing
    anything when the store cannot be synced."""
    started = datetime.now(timezone.utc)
    store = mlmd.open_store(location)
    try:
        source = source_name or store.identity.default_source_name
        with neo4j_connection_kept(store.identity.location, source, "syncing", "sync") as marking:
            return _sync_open_store(store, source, driver, database, replace, operators or default_map(),
                                    batch_size, overlap_ms, quiet, started, marking)
    finally:
        store.close()


def _sync_open_store(store: mlmd.Store, source: str, driver: neo4j.Driver, database: str, replace: bool,
                     operators: OperatorMap, batch_size: int, overlap_ms: int, quiet: bool,
                     started: datetime, marking: Marking | None = None) -> SyncResult:
    where = store.identity.location
    state = read_state(store)
    apply_schema(driver, database)
    existing = existing_source(driver, database, source)
    refuse_if_in_progress(existing, where, source)
    reload_because = _needs_full_load(existing, state, replace)
    if reload_because:
        log.info("%s: %s: loading source %r in full", where, reload_because, source)
        loaded = load_open_store(store, source, driver, database, replace=True, operators=operators,
                                 batch_size=batch_size, quiet=quiet, started=started, state=state,
                                 marking=marking)
        return SyncResult(source, where, "loaded", loaded.nodes + loaded.relationships, {}, [], loaded.nodes,
                          loaded.relationships, loaded.skipped, loaded.seconds)
    # Watermarks before the version: a store that changed is told apart without waiting for its digest.
    if existing["status"] == "loaded" and existing["watermarks"] == state.watermarks.to_json() \
            and existing["version"] == state.version:
        log.info("%s: source %r is up to date", where, source)
        skipped = _parse_skipped(existing["skipped_reasons"])
        return SyncResult(source, where, "unchanged", 0, {}, [], existing["n_nodes"] or 0,
                          existing["n_relationships"] or 0, skipped)
    if existing["location"] != state.location:
        log.info("%s: source %r was read from %s before", where, source, existing["location"])

    check_same_store(store, Identity.from_json(existing["identity"]), source)
    previous = Watermarks.from_json(existing["watermarks"])
    changes = find_changes(store, previous, overlap_ms)
    _check_ids_name_the_same_rows(changes.revisited, driver, database, source, where)
    if previous.single_pipeline != state.watermarks.single_pipeline:
        # Executions without a pipeline context change pipeline (rules §2): all are re-read.
        changes = _with_every_execution(store, changes)

    with (marking or Marking("syncing")).marking("syncing"):
        queries.execute(driver, database, "sync.mark_syncing", source=source, worker=this_worker())
    with heartbeat(driver, database, source):
        if not quiet:
            log.info("syncing %s into source %r: %d rows changed", where, source, changes.rows)
        skipped = _parse_skipped(existing["skipped_reasons"])
        _write(driver, database, batch_size, GraphStream(store, source, operators, changes.selection), [], quiet)
        repaired = _repair(store, source, driver, database, state, skipped, bool(store.skipped), operators, batch_size,
                           quiet)
        queries.execute(driver, database, "sync.remove_empty_pipelines", source=source)

        counts = repaired.counts
        nodes = sum(counts[table] for table in NODE_TABLES)
        relationships = sum(counts[table] for table in LINK_TABLES)
        finished = datetime.now(timezone.utc)
        seconds = (finished - started).total_seconds()
        queries.execute(driver, database, "sync.finish", source=source, facts={
            **state.facts(), **count_facts(nodes, relationships, repaired.skipped),
            "synced_at": finished.isoformat(timespec="seconds"), "sync_seconds": round(seconds, 3),
        })
        statistics.refresh(driver, database)  # a sync may double a small source
    if repaired.skipped != skipped:  # as a load says what it skipped, a sync says when that changed
        for reason, n in repaired.skipped.items():
            log.warning("%s: skipped %d %s", where, n, reason)
    deleted = {table: n for table, n in repaired.deleted.items() if n}
    if deleted:
        log.warning("%s: removed what left the store: %s", where,
                    ", ".join(f"{n} {table.lower()} row(s)" for table, n in deleted.items()))
    return SyncResult(source, where, "synced", changes.rows + repaired.rows_read, deleted, repaired.compared, nodes,
                      relationships, repaired.skipped, seconds)


def _needs_full_load(existing: dict | None, state: StoreState, replace: bool) -> str | None:
    if existing is None:
        return "never loaded"
    if replace:
        return "--replace"
    if existing["status"] == "loading":
        return "its last load did not finish"
    if not existing["watermarks"] or not existing["identity"]:
        return "loaded by a version of mlprov that kept no watermarks"
    if existing["schema_version"] != state.schema_version:
        return f"its MLMD schema went from version {existing['schema_version']} to {state.schema_version}"
    return None


def _check_ids_name_the_same_rows(revisited: list[Revisited], driver: neo4j.Driver, database: str, source: str,
                                  where: str) -> None:
    """Refuse a changed row whose id names another row than the graph holds under that id (MLMD
    never reuses an id): another type, another create time, or (contexts) another name."""
    by_uid = {uid(source, _UID_KINDS[row.table], row.id): row for row in revisited}
    uids = sorted(by_uid)
    for start in range(0, len(uids), 5000):
        _, found = queries.execute(driver, database, "sync.node_identities", uids=uids[start:start + 5000])
        for node_uid, type_name, created_at, name in found:
            row = by_uid[node_uid]
            if row.table == "Context":
                same = (type_name, name) == (row.type_name, row.third)
            else:
                created = row.third if isinstance(row.third, int) and row.third > 0 else created_at
                same = (type_name, created_at) == (row.type_name, created)
            if not same:
                raise BadInputError(
                    f"{where}: {row.table.lower()} {row.id} is not the row source {source!r} holds under that id "
                    "(MLMD never reuses an id: another store at this location, or one restored from an older "
                    f"copy); pass --replace to reload source {source!r} from it in full")


def _with_every_execution(store: mlmd.Store, changes: Changes) -> Changes:
    every = {row[0] for row in store.db.rows("SELECT id FROM Execution")}
    picked = changes.selection
    return Changes(Selection(picked.contexts, picked.artifacts, every, picked.events, picked.attributions,
                             picked.associations, picked.parent_links_of), changes.revisited)


def _parse_skipped(reasons: list[str] | None) -> dict[str, int]:
    """The Source's `skipped_reasons` ("reason: n") back as a tally."""
    tally = {}
    for line in reasons or []:
        reason, _, n = line.rpartition(": ")
        tally[reason] = int(n)
    return tally


def _write(driver: neo4j.Driver, database: str, batch_size: int, stream: GraphStream | None,
           deletions: list[tuple[Part, dict]], quiet: bool) -> None:
    """Upsert the stream's rows and remove the deleted ones (disjoint rows: the order does not matter)."""
    sink = Neo4jBatchSink(driver, database, batch_size, mode="upsert")
    for part, row in deletions:
        sink.write(part, row)
    if stream is None:
        sink.finish()
    else:
        fill(sink, stream, quiet=quiet)


@dataclass
class _Repaired:
    skipped: dict[str, int]
    deleted: Counter = field(default_factory=Counter)
    compared: list[str] = field(default_factory=list)
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # the graph's rows per MLMD table, at the end


@dataclass
class _Reread:
    """Ids to read again after a comparison, per table."""

    ids: dict[str, set[int]] = field(default_factory=lambda: {
        name: set() for name in ("contexts", "artifacts", "executions", "events", "attributions", "associations",
                                 "parent_links_of")})

    def selection(self) -> Selection:
        return Selection(**self.ids)

    @property
    def empty(self) -> bool:
        return not any(self.ids.values())


def _repair(store: mlmd.Store, source: str, driver: neo4j.Driver, database: str, state: StoreState,
            skipped: dict[str, int], delta_skipped: bool, operators: OperatorMap, batch_size: int,
            quiet: bool) -> _Repaired:
    """Compare the per-table counts of the store and the graph; where they differ, compare keys:
    remove what left the store, read what the change rules missed. Nodes first, then the links
    (removing a node can leave links in the store that now point nowhere, which the reader skips)."""
    store_counts = state.watermarks.count
    repaired = _Repaired(skipped)
    recounted = False

    def recount() -> None:
        nonlocal recounted
        repaired.skipped = dict(sorted(mlmd.count_skipped(store).items()))
        recounted = True

    if delta_skipped:
        # Rows the delta re-read were skipped: the previous tally may hold them already.
        recount()
    # Counting the graph walks the whole source: done again only after a repair wrote something.
    in_graph = graph_counts(driver, database, source)
    differing = tables_that_differ(NODE_TABLES, store_counts, in_graph, {})
    if differing:
        _apply_diffs(store, source, driver, database, differing, repaired, operators, batch_size, quiet)
        recount()
        in_graph = graph_counts(driver, database, source)
    differing = tables_that_differ(LINK_TABLES, store_counts, in_graph, repaired.skipped)
    if differing and not recounted:
        recount()
        differing = tables_that_differ(LINK_TABLES, store_counts, in_graph, repaired.skipped)
    if differing:
        _apply_diffs(store, source, driver, database, differing, repaired, operators, batch_size, quiet)
        recount()
        in_graph = graph_counts(driver, database, source)
    repaired.counts = in_graph
    return repaired


def _apply_diffs(store: mlmd.Store, source: str, driver: neo4j.Driver, database: str, tables: list[str],
                 repaired: _Repaired, operators: OperatorMap, batch_size: int, quiet: bool) -> None:
    reread = _Reread()
    deletions: list[tuple[Part, dict]] = []
    for table in tables:
        repaired.compared.append(table)
        diff = diff_table(store, driver, database, source, table)
        if not quiet:
            log.info("  %s: %d row(s) only in the store, %d only in the graph", table, len(diff.missing),
                     len(diff.extra))
        repaired.deleted[table] += len(diff.extra)
        if table in NODE_TABLES:
            reread.ids[table.lower() + "s"] |= {row[0] for row in diff.missing}
            deletions += [(_NODE_DELETIONS[table], {"uid": uid(source, _UID_KINDS[table], row[0])})
                          for row in diff.extra]
            if table == "Context" and diff.extra:
                # Their executions' pipeline or node may have come from them (rules §2).
                reread.ids["executions"] |= _executions_of_contexts(driver, database, source,
                                                                    [row[0] for row in diff.extra])
        elif table == "Event":
            reread.ids["events"] |= {event for event, _ in diff.missing}
            # An execution's times and state may come from its events (rules §2).
            reread.ids["executions"] |= {execution for _, execution in diff.missing}
            reread.ids["executions"] |= {execution for _, execution in diff.extra}
            deletions += [(DELETED_EVENTS, {"event_id": event, "execution": uid(source, "e", execution)})
                          for event, execution in diff.extra]
        elif table == "ParentContext":
            reread.ids["parent_links_of"] |= {child for child, _ in diff.missing}
            deletions += [(DELETED_PARENT_CONTEXTS,
                           {"child": uid(source, "c", child), "parent": uid(source, "c", parent)})
                          for child, parent in diff.extra]
        else:
            owner_kind, part = ("a", DELETED_ATTRIBUTIONS) if table == "Attribution" else ("e", DELETED_ASSOCIATIONS)
            reread.ids[table.lower() + "s"] |= {link_id for _, _, link_id in diff.missing}
            deletions += [(part, {"owner": uid(source, owner_kind, owner), "context": uid(source, "c", context)})
                          for context, owner in diff.extra]
            if table == "Association":
                reread.ids["executions"] |= {owner for _, owner, _ in diff.missing} | {owner for _, owner in diff.extra}
    if reread.empty and not deletions:
        return
    repaired.rows_read += reread.selection().rows
    stream = None if reread.empty else GraphStream(store, source, operators, reread.selection())
    _write(driver, database, batch_size, stream, deletions, quiet)


def _executions_of_contexts(driver: neo4j.Driver, database: str, source: str, context_ids: list[int]) -> set[int]:
    _, rows = queries.execute(driver, database, "sync.executions_of_contexts",
                              uids=[uid(source, "c", context) for context in context_ids])
    return {row[0] for row in rows}

