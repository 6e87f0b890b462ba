"""Export every analysis table as CSV and Parquet into a folder, for BI tools and scheduled jobs.

- Incremental: a state file (`.mlprov-export.json`) keeps, per table, a fingerprint of what the
  table depends on: each source's load status, store sha256 and the sha256/settings its graphlets
  were built from (query `export.source_versions`), plus the query text. A table is rewritten only
  when its fingerprint changed, a format was added, or a file is missing.
- Atomic: each file is written by `mlprov.core.output` (temporary file in the same folder, fsync,
  rename over the old one), so a reader sees the old file or the new one, never half of one.
- One at a time: an exclusive `flock` on `.mlprov-export.lock` in the folder. A second export exits
  with ExportLockedError (exit code 3), or waits for the lock with `wait=True`.
- While a source is loading or syncing (status not `loaded`) or its graphlets are being built,
  nothing is written: GraphBusyError (exit code 4);
  if the sources change while tables are being written, the files written are complete but not
  recorded, so the next run refreshes them, and the run ends with GraphBusyError too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import neo4j

from mlprov.analytics.graphlets import built_settings
from mlprov.analytics.tables import Table, analysis_queries, run_table, stem
from mlprov.core import queries
from mlprov.core.errors import MlprovError
from mlprov.core.output import Format, atomic_write, write_frame
from mlprov.core.settings import GraphletSettings

log = logging.getLogger(__name__)

FORMATS = (Format.csv.value, Format.parquet.value)
STATE_FILE = ".mlprov-export.json"
LOCK_FILE = ".mlprov-export.lock"
EXIT_LOCKED = 3
EXIT_BUSY = 4


class ExportLockedError(MlprovError):
    """Another export holds the folder's lock."""

    exit_code = EXIT_LOCKED


class GraphBusyError(MlprovError):
    """A source is being loaded or synced, or changed during the export: run the export again later."""

    exit_code = EXIT_BUSY


@dataclass
class ExportResult:
    output: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def folder_lock(output: Path, wait: bool) -> Iterator[None]:
    """Hold the export lock of `output` (wait for it, or raise ExportLockedError)."""
    with open(output / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ExportLockedError(
                f"another export is writing to {output} (lock {output / LOCK_FILE}); "
                "try again later or pass --wait") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _source_versions(driver: neo4j.Driver, database: str) -> list[list]:
    _, rows = queries.execute(driver, database, "export.source_versions")
    return rows


def fingerprint(versions: list[list], query: queries.StoredQuery, settings: GraphletSettings) -> str:
    """What a table depends on: the sources' versions and the query's text and the parameter values
    it runs with."""
    defaults = query.defaults(settings)
    payload = json.dumps({"sources": versions, "query": query.body, "defaults": defaults}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _read_state(output: Path) -> dict:
    try:
        return json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"tables": {}}


def _write_state(output: Path, state: dict) -> None:
    atomic_write(output / STATE_FILE, lambda path: path.write_text(json.dumps(state, indent=1, sort_keys=True)))


def _remove_leftovers(output: Path) -> None:
    """Temporary files of an export that was killed mid-write (only ever removed under the lock)."""
    for leftover in output.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


# The status `export.source_versions` gives a source whose graphlet build failed (rules §12).
FAILED_BUILD = "graphlets failed"


def _busy_sources(versions: list[list]) -> list[str]:
    return [f"{source} ({status})" for source, status, *_ in versions if status != "loaded"]


def export(driver: neo4j.Driver, database: str, output: Path, only: Iterable[str] | None = None,
           formats: Iterable[str] = FORMATS, *, wait: bool = False, force: bool = False,
           tables: Mapping[str, Table] | None = None) -> ExportResult:
    """Export the analysis tables (all, or `only` these) into `output` as `<name>.<format>`.

    `tables`: analysis tables already run (the demo runs them once for the report and the export).
    A table whose fingerprint changed is written from there instead of being run again, when it
    ran with exactly the parameter values the export would use (every source, the built settings);
    any other is run here. Which tables are written, and the fingerprints, do not depend on it."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    with folder_lock(output, wait):
        return export_locked(driver, database, output, only, formats, force=force, tables=tables)


def export_locked(driver: neo4j.Driver, database: str, output: Path, only: Iterable[str] | None = None,
                  formats: Iterable[str] = FORMATS, *, force: bool = False,
                  tables: Mapping[str, Table] | None = None) -> ExportResult:
    """The export itself, for a caller that holds the folder's lock (`export`, `mlprov refresh`)."""
    started = time.perf_counter()
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise MlprovError(f"unknown export format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    selected = analysis_queries(only)
    result = ExportResult(output)
    _remove_leftovers(output)
    versions = _source_versions(driver, database)
    failed = [source for source, status, *_ in versions if status == FAILED_BUILD]
    if failed:  # rules §12: not in progress, so not exit code 4: it needs someone (exit code 1)
        raise MlprovError(f"not exporting: building the graphlets of source(s) {', '.join(failed)} failed; "
                          "`mlprov graphlets build` says why and rebuilds them")
    busy = _busy_sources(versions)
    if busy:
        raise GraphBusyError(f"not exporting while sources are loading or syncing or their graphlets are being "
                             f"built: {', '.join(busy)}; run again later")
    settings = built_settings(driver, database)
    state = _read_state(output)
    pending: dict[str, dict] = {}
    for query in selected:
        name, wanted = stem(query), fingerprint(versions, query, settings)
        files = [output / f"{name}.{fmt}" for fmt in formats]
        recorded = state["tables"].get(name, {})
        if not force and recorded.get("fingerprint") == wanted and all(f.exists() for f in files):
            result.unchanged.append(name)
            continue
        given = (tables or {}).get(name)
        if given is not None and given.query.body == query.body and given.params == query.bind({}, settings):
            frame = given.frame
        else:
            frame = run_table(driver, database, query, settings=settings).frame
        for path, fmt in zip(files, formats):
            write_frame(frame, fmt, path)
        result.written.append(name)
        result.files.extend(files)
        pending[name] = {"fingerprint": wanted, "rows": len(frame), "formats": formats,
                         "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        log.info("export: %s: %d rows", name, len(frame))
    if _source_versions(driver, database) != versions:
        raise GraphBusyError("the sources changed during the export; the tables written will be "
                             "refreshed by the next run")
    state["tables"].update(pending)
    _write_state(output, state)
    result.seconds = time.perf_counter() - started
    return result
