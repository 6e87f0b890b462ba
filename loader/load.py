"""Load one MLMD store into Neo4j online: check the store and its Source node, then pour the
store's graph stream (graph_stream) into the Neo4j batch sink (neo4j_sink).

A store is named by a location: a path, sqlite:///PATH or mysql://USER@HOST:PORT/DATABASE
(store_location.py). Writes are CREATEs (fast), made safe by the Source node: it says `loading`
until the last batch is in. Loading a store whose content is what the source already holds changes
nothing; a load that died half-way (still `loading`) is cleared and done again when the command is
re-run; a reload (`replace`) removes that source's nodes first and touches no other source. The
Source records the store's state (store_state.py: version, watermarks, identity), so that
`mlprov sync` can bring it up to date later.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import neo4j

from mlprov.core import queries, statistics
from mlprov.core.errors import BadInputError, ServerError
from mlprov.core.workers import alive, describe, heartbeat, this_worker
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import GraphStream
from mlprov.loader.neo4j_sink import Neo4jBatchSink
from mlprov.loader.operators import OperatorMap, default_map
from mlprov.loader.sinks import fill
from mlprov.loader.store_location import parse_location
from mlprov.loader.store_state import StoreState, read_state

log = logging.getLogger(__name__)
DEFAULT_BATCH_SIZE = 5000


@dataclass
class LoadResult:
    source: str
    location: str
    status: str  # loaded | unchanged
    nodes: int = 0
    relationships: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def default_source_name(location: str | Path) -> str:
    """The file's stem, or the database's name."""
    return parse_location(location).default_source_name


def apply_schema(driver: neo4j.Driver, database: str) -> None:
    queries.execute(driver, database, "schema.constraints")


def existing_source(driver: neo4j.Driver, database: str, source: str) -> dict | None:
    keys, rows = queries.execute(driver, database, "load.source_get", source=source)
    return dict(zip(keys, rows[0])) if rows else None


@dataclass
class Marking:
    """How far a load or a sync got in marking its source, for the message when Neo4j goes away."""
    doing: str  # loading | syncing: what the command does
    state: str = "untouched"  # untouched | marking | marked
    status: str = ""  # the status it marked the source with

    @contextmanager
    def marking(self, status: str) -> Iterator[None]:
        """Around the query that marks the source `status`: if the connection breaks during it, the
        mark may or may not have been committed."""
        self.state, self.status = "marking", status
        yield
        self.state = "marked"


@contextmanager
def neo4j_connection_kept(location: str, source: str, doing: str, command: str) -> Iterator[Marking]:
    """Turn a lost Neo4j connection into one line that says, truthfully, what state the source is in
    and how to finish the work (rules §13)."""
    marking = Marking(doing)
    try:
        yield marking
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
            neo4j.exceptions.TransientError) as exc:
        lost = f"{location}: lost the connection to Neo4j while {doing} source {source!r}"
        if marking.state == "untouched":
            state = "nothing was written for it"
        elif marking.state == "marking":
            state = (f"it is as it was or marked `{marking.status}` (the connection broke while marking it); "
                     "graphlet builds skip and exports refuse a source so marked")
        else:
            state = (f"the source is marked `{marking.status}`: graphlet builds skip it and exports refuse it "
                     "until it is finished")
        raise ServerError(f"{lost}; {state}: run the same {command} again to finish it") from exc


def load_store(
    location: str | Path,
    driver: neo4j.Driver,
    database: str,
    *,
    source_name: str | None = None,
    replace: bool = False,
    operators: OperatorMap | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    quiet: bool = False,
) -> LoadResult:
    """Load the MLMD store at `location`; raise BadInputError before writing anything if it is unusable."""
    started = datetime.now(timezone.utc)
    store = mlmd.open_store(location)
    try:
        source = source_name or store.identity.default_source_name
        with neo4j_connection_kept(store.identity.location, source, "loading", "load") as marking:
            return load_open_store(store, source, driver, database, replace=replace,
                                   operators=operators or default_map(), batch_size=batch_size, quiet=quiet,
                                   started=started, marking=marking)
    finally:
        store.close()


def load_open_store(store: mlmd.Store, source: str, driver: neo4j.Driver, database: str, *, replace: bool,
                    operators: OperatorMap, batch_size: int, quiet: bool, started: datetime,
                    state: StoreState | None = None, marking: Marking | None = None) -> LoadResult:
    """Load an open store as `source` (what `load_store` and a sync's full load do).

    The source is marked `loading` (with this worker and a heartbeat) before anything of it is
    deleted or written; an earlier load's nodes are then cleared in small transactions, and only then
    is the store written. A load cut off at any point leaves the source `loading`, never `loaded`
    with part of its nodes, and the next load finishes it (rules §13)."""
    where = store.identity.location
    state = state or read_state(store)
    apply_schema(driver, database)
    existing = existing_source(driver, database, source)
    refuse_if_in_progress(existing, where, source)
    if existing and not replace:
        if existing["status"] == "loaded" and _same_state(existing, state):
            log.info("%s: source %r is already loaded and unchanged", where, source)
            return LoadResult(source, where, "unchanged")
        if existing["status"] != "loading":
            raise BadInputError(
                f"{where}: source {source!r} is already loaded from {existing['location']} and differs from this "
                f"store; `mlprov sync {source}` brings it up to date with its store, --replace reloads it from "
                "this one, --source-name loads this one beside it")
        log.info("%s: the last load of source %r did not finish: loading it again", where, source)
    elif existing:
        log.info("%s: replacing source %r", where, source)
    if existing and existing["status"] == "loaded":
        # A replace reads the new store through before anything of the old source goes (rules §2 step 1):
        # a store refused half-way through would otherwise leave the source deleted.
        if not quiet:
            log.info("%s: reading the store through before replacing source %r", where, source)
        read_through(store, source, operators)
    if not quiet:
        log.info("loading %s as source %r (MLMD schema %d)", where, source, store.schema_version)
    with (marking or Marking("loading")).marking("loading"):
        queries.execute(driver, database, "load.source_begin", source=source, facts=state.facts(),
                        worker=this_worker())
    with heartbeat(driver, database, source):
        if existing:
            clear_source(driver, database, source, batch_size)
        with removed_if_refused(driver, database, source, where):
            written = fill(Neo4jBatchSink(driver, database, batch_size), GraphStream(store, source, operators),
                           quiet=quiet)
        finished = datetime.now(timezone.utc)
        result = LoadResult(source, where, "loaded", written.nodes, written.relationships, written.skipped,
                            (finished - started).total_seconds())
        finish_source(driver, database, result, finished)
    return result


def read_through(store: mlmd.Store, source: str, operators: OperatorMap) -> None:
    """Read every row of `store` through the decoding layer without writing anything: a row it
    refuses raises BadInputError now. The skipped rows' tally starts again for the pass that writes."""
    for _ in GraphStream(store, source, operators):
        pass
    store.skipped.clear()


def clear_source(driver: neo4j.Driver, database: str, source: str, batch_size: int) -> int:
    """Remove the nodes of a source marked `loading` (an earlier load's, or a replaced one's), in
    transactions of `batch_size` nodes: the server stops soon after the client does, and the next
    load resumes where this one stopped. Returns how many were removed."""
    removed = 0
    while True:
        _, rows = queries.execute(driver, database, "load.source_clear_batch", source=source, limit=batch_size)
        if not rows[0][0]:
            return removed
        removed += rows[0][0]


def refuse_if_in_progress(existing: dict | None, where: str, source: str) -> None:
    """Refuse to touch a source that another live process is loading or syncing (rules §13); a
    source whose load or sync died is taken over."""
    if existing and existing["status"] in ("loading", "syncing") and existing["worker"] != this_worker() \
            and alive(existing["worker"], existing["heartbeat_age_ms"]):
        raise BadInputError(f"{where}: source {source!r} is being {existing['status'][:-3]}ed by another "
                            f"process ({describe(existing['worker'])}); run this again when it has finished")


@contextmanager
def removed_if_refused(driver: neo4j.Driver, database: str, source: str, where: str) -> Iterator[None]:
    """A store refused after its first rows were written (a damaged row found half-way, rules §2
    step 1) leaves the graph as it was: the source's partial nodes and its Source node are removed
    before the refusal goes on, so no source is left `loading` by a store that will never load."""
    try:
        yield
    except (BadInputError, neo4j.exceptions.ClientError, neo4j.exceptions.DatabaseError) as exc:
        log.debug("%s: refused after writing started; removing the partial source %r", where, source)
        queries.execute(driver, database, "load.source_delete", source=source)
        if isinstance(exc, BadInputError):
            raise
        # Neo4j refusing a row is the store's doing (the decoding layer lets nothing through that
        # it knows Neo4j refuses); say so in one line, without the row's possibly huge value.
        message = (exc.message or str(exc)).splitlines()[0][:200]
        raise BadInputError(f"{where}: Neo4j refused a row of this store ({exc.code}: {message}); "
                            "nothing of it is loaded") from None


def _same_state(existing: dict, state: StoreState) -> bool:
    """The source holds this very store state (for a file, also these very bytes)."""
    # Watermarks first: a store that changed is told apart without waiting for its digest.
    return existing["watermarks"] == state.watermarks.to_json() and existing["version"] == state.version


def finish_source(driver: neo4j.Driver, database: str, result: LoadResult, finished: datetime) -> None:
    """Mark the source `loaded` with its counts, link it to its pipelines, report what was skipped."""
    queries.execute(driver, database, "load.source_finish", source=result.source, facts={
        "loaded_at": finished.isoformat(timespec="seconds"),
        "load_seconds": round(result.seconds, 3),
        **count_facts(result.nodes, result.relationships, result.skipped),
    })
    # What the load wrote is planned on from now on, not the empty indexes it started from.
    statistics.refresh(driver, database)
    for reason, n in result.skipped.items():
        log.warning("%s: skipped %d %s", result.location, n, reason)


def count_facts(nodes: int, relationships: int, skipped: dict[str, int]) -> dict:
    """The Source's counts of what the graph holds of its store and what the reader skipped."""
    return {
        "n_nodes": nodes, "n_relationships": relationships,
        "skipped": sum(skipped.values()),
        "skipped_reasons": [f"{reason}: {n}" for reason, n in sorted(skipped.items())],
    }
