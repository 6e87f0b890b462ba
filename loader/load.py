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

from mlprov.core import queries
from mlprov.core.errors import BadInputError, ServerError
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


@contextmanager
def neo4j_connection_kept(location: str, source: str, doing: str, command: str) -> Iterator[None]:
    """Turn a lost Neo4j connection into one line that says how to finish the work."""
    try:
        yield
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
            neo4j.exceptions.TransientError) as exc:
        raise ServerError(
            f"{location}: lost the connection to Neo4j while {doing} source {source!r}; the source "
            f"is marked `{doing}` and graphlets skip it: run the same {command} again to finish it"
        ) from exc


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
        with neo4j_connection_kept(store.identity.location, source, "loading", "load"):
            return load_open_store(store, source, driver, database, replace=replace,
                                   operators=operators or default_map(), batch_size=batch_size, quiet=quiet,
                                   started=started)
    finally:
        store.close()


def load_open_store(store: mlmd.Store, source: str, driver: neo4j.Driver, database: str, *, replace: bool,
                    operators: OperatorMap, batch_size: int, quiet: bool, started: datetime,
                    state: StoreState | None = None) -> LoadResult:
    """Load an open store as `source` (what `load_store` and a sync's full load do)."""
    where = store.identity.location
    state = state or read_state(store)
    apply_schema(driver, database)
    existing = existing_source(driver, database, source)
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
    if existing:
        queries.execute(driver, database, "load.source_delete", source=source)

    if not quiet:
        log.info("loading %s as source %r (MLMD schema %d)", where, source, store.schema_version)
    queries.execute(driver, database, "load.source_begin", source=source, facts=state.facts())
    written = fill(Neo4jBatchSink(driver, database, batch_size), GraphStream(store, source, operators), quiet=quiet)
    finished = datetime.now(timezone.utc)
    result = LoadResult(source, where, "loaded", written.nodes, written.relationships, written.skipped,
                        (finished - started).total_seconds())
    finish_source(driver, database, result, finished)
    return result


def _same_state(existing: dict, state: StoreState) -> bool:
    """The source holds this very store state (for a file, also these very bytes)."""
    return existing["version"] == state.version and existing["watermarks"] == state.watermarks.to_json()


def finish_source(driver: neo4j.Driver, database: str, result: LoadResult, finished: datetime) -> None:
    """Mark the source `loaded` with its counts, link it to its pipelines, report what was skipped."""
    queries.execute(driver, database, "load.source_finish", source=result.source, facts={
        "loaded_at": finished.isoformat(timespec="seconds"),
        "load_seconds": round(result.seconds, 3),
        **count_facts(result.nodes, result.relationships, result.skipped),
    })
    for reason, n in result.skipped.items():
        log.warning("%s: skipped %d %s", result.location, n, reason)


def count_facts(nodes: int, relationships: int, skipped: dict[str, int]) -> dict:
    """The Source's counts of what the graph holds of its store and what the reader skipped."""
    return {
        "n_nodes": nodes, "n_relationships": relationships,
        "skipped": sum(skipped.values()),
        "skipped_reasons": [f"{reason}: {n}" for reason, n in sorted(skipped.items())],
    }
