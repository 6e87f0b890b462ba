"""Load one MLMD store into Neo4j online: check the store and its Source node, then pour the
store's graph stream (graph_stream) into the Neo4j batch sink (neo4j_sink).

Writes are CREATEs (fast), made safe by the Source node: it says `loading` until the last
batch is in. Loading a store that is already `loaded` from the same file changes nothing; a load
that died half-way (still `loading`) is cleared and done again when the command is re-run; a
reload (`replace`) removes that source's nodes first and touches no other source.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import neo4j

from mlprov.core import queries
from mlprov.core.errors import BadInputError, ServerError
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import GraphStream
from mlprov.loader.neo4j_sink import Neo4jBatchSink
from mlprov.loader.operators import OperatorMap, default_map
from mlprov.loader.sinks import fill

log = logging.getLogger(__name__)
DEFAULT_BATCH_SIZE = 5000


@dataclass
class LoadResult:
    source: str
    path: Path
    status: str  # loaded | unchanged
    nodes: int = 0
    relationships: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_source_name(path: Path) -> str:
    return Path(path).stem


def apply_schema(driver: neo4j.Driver, database: str) -> None:
    queries.execute(driver, database, "schema.constraints")


def _existing_source(driver: neo4j.Driver, database: str, source: str) -> dict | None:
    keys, rows = queries.execute(driver, database, "load.source_get", source=source)
    return dict(zip(keys, rows[0])) if rows else None


def load_store(
    path: Path,
    driver: neo4j.Driver,
    database: str,
    *,
    source_name: str | None = None,
    replace: bool = False,
    operators: OperatorMap | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    quiet: bool = False,
) -> LoadResult:
    """Load the MLMD store at `path`; raise BadInputError before writing anything if it is unusable."""
    started = datetime.now(timezone.utc)
    path = Path(path)
    store = mlmd.open_store(path)
    try:
        source = source_name or default_source_name(path)
        sha256 = file_sha256(path)
        try:
            return _load_open_store(store, source, sha256, driver, database, replace,
                                    operators or default_map(), batch_size, quiet, started)
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                neo4j.exceptions.TransientError) as exc:
            raise ServerError(
                f"{path}: lost the connection to Neo4j while loading source {source!r}; the source "
                "is marked `loading` and graphlets skip it: run the same load again to finish it"
            ) from exc
    finally:
        store.close()


def _load_open_store(store, source, sha256, driver, database, replace, operators, batch_size, quiet, started):
    apply_schema(driver, database)
    existing = _existing_source(driver, database, source)
    if existing and not replace:
        if existing["sha256"] != sha256:
            raise BadInputError(
                f"{store.path}: source {source!r} is already loaded from a different file "
                f"({existing['path']}); pass --replace to reload it, or --source-name to load it beside"
            )
        if existing["status"] == "loaded":
            log.info("%s: source %r is already loaded and unchanged", store.path, source)
            return LoadResult(source, store.path, "unchanged")
        log.info("%s: the last load of source %r did not finish: loading it again", store.path, source)
    elif existing:
        log.info("%s: replacing source %r", store.path, source)
    if existing:
        queries.execute(driver, database, "load.source_delete", source=source)

    if not quiet:
        log.info("loading %s as source %r (MLMD schema %d)", store.path, source, store.schema_version)
    queries.execute(driver, database, "load.source_begin", source=source, facts=source_facts(store, sha256))
    written = fill(Neo4jBatchSink(driver, database, batch_size), GraphStream(store, source, operators), quiet=quiet)
    finished = datetime.now(timezone.utc)
    result = LoadResult(source, store.path, "loaded", written.nodes, written.relationships, written.skipped,
                        (finished - started).total_seconds())
    finish_source(driver, database, result, finished)
    return result


def source_facts(store: mlmd.Store, sha256: str) -> dict:
    """What the Source node says about its store from the start of a load."""
    return {"kind": "mlmd-sqlite", "path": str(store.path), "sha256": sha256, "schema_version": store.schema_version}


def finish_source(driver: neo4j.Driver, database: str, result: LoadResult, finished: datetime) -> None:
    """Mark the source `loaded` with its counts, link it to its pipelines, report what was skipped."""
    queries.execute(driver, database, "load.source_finish", source=result.source, facts={
        "loaded_at": finished.isoformat(timespec="seconds"),
        "load_seconds": round(result.seconds, 3),
        "n_nodes": result.nodes, "n_relationships": result.relationships,
        "skipped": sum(result.skipped.values()),
        "skipped_reasons": [f"{reason}: {n}" for reason, n in result.skipped.items()],
    })
    for reason, n in result.skipped.items():
        log.warning("%s: skipped %d %s", result.path, n, reason)
