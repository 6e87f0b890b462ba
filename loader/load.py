"""Load one MLMD store into Neo4j: validate, then stream batches, nodes before relationships.

Writes are plain CREATEs (fast), made safe by the Source node: it says `loading` until the last
batch is in. Loading a store that is already `loaded` from the same file changes nothing; a load
that died half-way (still `loading`) is cleared and done again when the command is re-run; a
reload (`replace`) removes that source's nodes first and touches no other source.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import neo4j

from mlprov.core import queries
from mlprov.core.errors import BadInputError, ServerError
from mlprov.loader import graph_rows, mlmd
from mlprov.loader.operators import OperatorMap, default_map
from mlprov.core.progress import Progress

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


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


class _Writer:
    """Runs the load queries batch by batch and counts what it wrote."""

    def __init__(self, driver: neo4j.Driver, database: str, batch_size: int, quiet: bool):
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self.quiet = quiet

    def write(self, query: str, rows: Iterable[dict], label: str, total: int) -> int:
        progress = Progress(f"  {label}", total, quiet=self.quiet)
        written = 0
        for batch in _batches(rows, self.batch_size):
            queries.execute(self.driver, self.database, f"load.{query}", rows=batch)
            written += len(batch)
            progress.advance(len(batch))
        progress.close()
        return written


def _split_events(source: str, events: Iterator[dict], direction: str) -> Iterator[dict]:
    for event in events:
        if event["direction"] == direction:
            yield graph_rows.event_row(source, event)


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
    writer = _Writer(driver, database, batch_size, quiet)
    normaliser = graph_rows.ExecutionNormaliser(source, mlmd.pipeline_contexts(store), operators)
    nodes = 0
    nodes += writer.write("contexts", (graph_rows.context_row(source, r) for r in mlmd.contexts(store)),
                          "contexts", store.count("Context"))
    nodes += writer.write("artifacts", (graph_rows.artifact_row(source, r) for r in mlmd.artifacts(store)),
                          "artifacts", store.count("Artifact"))
    nodes += writer.write("executions", (normaliser.row(r) for r in mlmd.executions(store)),
                          "executions", store.count("Execution"))
    rels = writer.write("input_events", _split_events(source, mlmd.events(store), "INPUT"),
                        "input events", mlmd.count_events(store, "INPUT"))
    # The second pass over events re-counts skipped ones; keep the first pass's tally.
    skipped_after_inputs = store.skipped.copy()
    rels += writer.write("output_events", _split_events(source, mlmd.events(store), "OUTPUT"),
                         "output events", mlmd.count_events(store, "OUTPUT"))
    store.skipped = skipped_after_inputs
    rels += writer.write("attributions", (graph_rows.link_row(source, "a", r) for r in mlmd.attributions(store)),
                         "attributions", store.count("Attribution"))
    rels += writer.write("associations", (graph_rows.link_row(source, "e", r) for r in mlmd.associations(store)),
                         "associations", store.count("Association"))
    rels += writer.write("parent_contexts", (graph_rows.parent_row(source, r) for r in mlmd.parent_contexts(store)),
                         "parent contexts", store.count("ParentContext"))
    finished = datetime.now(timezone.utc)
    result = LoadResult(source, store.path, "loaded", nodes, rels, dict(sorted(store.skipped.items())),
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
