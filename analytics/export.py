"""Export every analysis table as CSV and Parquet into a folder, for BI tools and scheduled jobs.

- Incremental: a state file (`.mlprov-export.json`) keeps, per table, a fingerprint of what the
  table depends on: each source's load status, store sha256 and the sha256/settings its graphlets
  were built from (query `export.source_versions`), plus the query text. A table is rewritten only
  when its fingerprint changed, a format was added, or a file is missing.
- Only what changed: a table partitioned by pipeline (`// partition:` in its query) whose sources
  were only built further since the last export (same lineage of graphlet builds, query
  `export.source_revisions`) is rewritten from its last Parquet file and the rows of the pipelines
  those builds touched (`export.pipeline_revisions`), run again alone; a table whose rows are per
  graphlet (`// graphlet:`) runs again only the graphlets those builds touched in those pipelines
  (`export.graphlet_revisions`). The file equals what a run of the whole table writes. Anything
  else (a full build, a reload, a new query text or settings, no Parquet file) runs the whole table.
- Two at a time: the tables to run are run as the report runs them (`tables.PARALLEL`).
- Atomic: each file is written by `mlprov.core.output` (temporary file in the same folder, fsync,
  rename over the old one), so a reader sees the old file or the new one, never half of one.
- One at a time: an exclusive `flock` on `.mlprov-export.lock` in the folder. A second export exits
  with ExportLockedError (exit code 3), or waits for the lock with `wait=True`.
- While a source is loading or syncing (status not `loaded`) or its graphlets are being built,
  nothing is written: GraphBusyError (exit code 4) while that work is alive, SourceStuckError (exit
  code 5, naming the source and how to finish it) when the load or sync that marked it died
  (rules §13);
  if the sources change while tables are being written, the files written are complete but not
  recorded, so the next run refreshes them, and the run ends with GraphBusyError too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import neo4j
import pandas as pd

from mlprov.analytics.graphlets import built_settings
from mlprov.analytics.tables import PARALLEL, SLOW, Table, analysis_queries, run_table, stem
from mlprov.core import queries, workers
from mlprov.core.errors import MlprovError
from mlprov.core.output import Format, atomic_write, write_frame
from mlprov.core.settings import GraphletSettings

log = logging.getLogger(__name__)

FORMATS = (Format.csv.value, Format.parquet.value)
STATE_FILE = ".mlprov-export.json"
LOCK_FILE = ".mlprov-export.lock"
EXIT_LOCKED = 3
EXIT_BUSY = 4
EXIT_STUCK = 5


class ExportLockedError(MlprovError):
    """Another export holds the folder's lock."""

    exit_code = EXIT_LOCKED


class GraphBusyError(MlprovError):
    """A source is being loaded or synced, or changed during the export: run the export again later."""

    exit_code = EXIT_BUSY


class SourceStuckError(MlprovError):
    """A source is marked `loading` or `syncing` by work that died: no run resolves it by itself, so a
    scheduler must alert (rules §13)."""

    exit_code = EXIT_STUCK


# What finishes a source left in each state by work that died.
_FINISH = {"loading": "mlprov load {location} (or --replace)", "syncing": "mlprov sync {source}"}


def check_sources(driver: neo4j.Driver, database: str, versions: list[list], doing: str,
                  taken_over: Iterable[str] = ()) -> None:
    """Refuse to go on while a source is not `loaded` (rules §13): SourceStuckError (exit code 5)
    naming every source that work which died left `loading` or `syncing`, else GraphBusyError (exit
    code 4) while a load, sync or graphlet build is in progress. Sources in `taken_over` are the
    caller's to finish (a refresh's own sources)."""
    taken_over = set(taken_over)
    busy = [(source, status) for source, status, *_ in versions if status != "loaded" and source not in taken_over]
    if not busy:
        return
    _, rows = queries.execute(driver, database, "export.source_activity")
    activity = {row[0]: row for row in rows}
    stuck = []
    for source, status in busy:
        if status not in _FINISH or source not in activity:
            continue
        _, _, worker, age_ms, location = activity[source]
        dead = workers.why_dead(worker, age_ms)
        if dead:
            how = _FINISH[status].format(location=location or "STORE", source=source)
            stuck.append(f"{source} ({status}; {dead}): run `{how}`")
    if stuck:
        raise SourceStuckError(f"not {doing}: work on these sources died and left them unfinished: "
                               f"{'; '.join(stuck)}")
    raise GraphBusyError(f"not {doing} while sources are loading or syncing or their graphlets are being "
                         f"built: {', '.join(f'{source} ({status})' for source, status in busy)}; run again later")


@dataclass
class ExportResult:
    output: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # Tables partitioned by pipeline rewritten from their last rows: how many pipelines were run
    # again (None when a whole source was).
    refreshed: dict[str, int | None] = field(default_factory=dict)
    # Of those, the tables whose rows are per graphlet: how many graphlets of those pipelines were run
    # again (the others kept their rows).
    refreshed_graphlets: dict[str, int] = field(default_factory=dict)
    table_seconds: dict[str, float] = field(default_factory=dict)  # running (or refreshing) each table
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


def static_key(query: queries.StoredQuery, settings: GraphletSettings) -> str:
    """What a table depends on besides the graph: the query's text and its parameter values."""
    payload = json.dumps({"query": query.body, "defaults": query.defaults(settings)}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Partial:
    """What a table partitioned by pipeline needs run again: whole sources, and some pipelines of
    others; rows of sources that are gone are dropped."""

    whole: list[str] = field(default_factory=list)
    pipelines: dict[str, list[str]] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    # Per source, the revision the table was written at (for a table whose rows are per graphlet).
    since: dict[str, int] = field(default_factory=dict)


def _revisions(driver: neo4j.Driver, database: str) -> dict[str, dict]:
    _, rows = queries.execute(driver, database, "export.source_revisions")
    return {source: {"lineage": lineage, "revision": revision} if current else None
            for source, lineage, revision, current in rows}


def _partial(driver: neo4j.Driver, database: str, recorded: dict, revisions: dict[str, dict | None],
             old: pd.DataFrame, pipeline_revisions: dict[str, list]) -> Partial:
    """What to run again of a partitioned table exported with `recorded` (rules §13)."""
    # unique() in Arrow: a set() of the column's 440,000 values took 0.6 s a call at L.
    partial = Partial(gone=sorted(set(old["source"].unique()) - set(revisions)))
    for source, now in revisions.items():
        then = recorded.get(source)
        if now is None or then is None or then["lineage"] != now["lineage"] or now["revision"] < then["revision"]:
            partial.whole.append(source)
            continue
        if now["revision"] == then["revision"]:
            continue
        if source not in pipeline_revisions:
            _, pipeline_revisions[source] = queries.execute(driver, database, "export.pipeline_revisions",
                                                           source=source)
        current = {name: revision for name, revision in pipeline_revisions[source]}
        exported = set(old.loc[old["source"] == source, "pipeline"].unique())
        changed = {name for name, revision in current.items() if revision is None or revision > then["revision"]}
        partial.pipelines[source] = sorted(changed | (exported - set(current)))
        partial.since[source] = then["revision"]
    return partial


@dataclass
class _GraphletRevisions:
    """Of the graphlets in some pipelines of a source: the uids of those a build changed after a
    revision, and the Trainer ids of the others, whose rows stay (rules §13). Asked once per export
    for every table whose rows are per graphlet (they run two at a time)."""

    driver: neo4j.Driver
    database: str
    found: dict[tuple, tuple[list[str], set[int]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, source: str, pipelines: list[str], since: int, facts: bool) -> tuple[list[str], set[int]]:
        key = (source, tuple(pipelines), since, facts)
        with self.lock:
            if key not in self.found:
                _, rows = queries.execute(self.driver, self.database, "export.graphlet_revisions", source=source,
                                          pipelines=pipelines, since=since, facts=facts)
                self.found[key] = (sorted(uid for _, changed, _ in rows for uid in changed),
                                   {trainer for _, _, kept in rows for trainer in kept})
            return self.found[key]


def _refreshed(driver: neo4j.Driver, database: str, query: queries.StoredQuery, settings: GraphletSettings,
               old: pd.DataFrame, partial: Partial, graphlets: _GraphletRevisions) -> tuple[pd.DataFrame, int]:
    """The table from its last rows and the rows of what changed, run again (rules §13); and how
    many graphlets were run again, for a table whose rows are per graphlet."""
    stale = old["source"].isin(partial.whole + partial.gone)
    parts = []
    graphlets_run = 0
    for source in partial.whole:
        parts.append(queries.run_df(driver, database, query.name, settings, source=source))
    for source, names in partial.pipelines.items():
        if not names:
            continue
        in_pipelines = (old["source"] == source) & old["pipeline"].isin(names)
        if query.graphlet is None:
            stale |= in_pipelines
            parts.append(queries.run_df(driver, database, query.name, settings, source=source, pipelines=names))
            continue
        # Rows of a graphlet gone or changed go; the changed ones are run again.
        changed, kept = graphlets.get(source, names, partial.since[source], query.graphlet_facts)
        stale |= in_pipelines & ~old[query.graphlet].isin(kept)
        graphlets_run += len(changed)
        if changed:
            parts.append(queries.run_df(driver, database, query.name, settings, source=source, pipelines=names,
                                        graphlets=changed))
    frames = [old[~stale]] + [part for part in parts if len(part)]
    merged = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    # Stable: within one pipeline the rows keep the query's order (they all come from one frame, except
    # in a table by graphlet, whose partition columns order a pipeline's rows completely).
    merged = merged.sort_values([column for column, _ in query.partition],
                                ascending=[not descending for _, descending in query.partition],
                                kind="stable", ignore_index=True)
    # Column types as a whole run infers them from the values (an empty part, or rows read back from
    # an empty file, leave text columns untyped), so the files are the same.
    return merged.infer_objects(), graphlets_run


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
    check_sources(driver, database, versions, "exporting")
    settings = built_settings(driver, database)
    state = _read_state(output)
    revisions = _revisions(driver, database)
    pipeline_revisions: dict[str, list] = {}
    graphlet_revisions = _GraphletRevisions(driver, database)
    work: dict[str, tuple] = {}
    for query in selected:
        name, wanted = stem(query), fingerprint(versions, query, settings)
        files = [output / f"{name}.{fmt}" for fmt in formats]
        recorded = state["tables"].get(name, {})
        if not force and recorded.get("fingerprint") == wanted and all(f.exists() for f in files):
            result.unchanged.append(name)
            continue
        given = (tables or {}).get(name)
        if given is not None and given.query.body == query.body and given.params == query.bind({}, settings):
            work[name] = (query, files, wanted, given.frame, None)
            continue
        partial, old = None, None
        parquet = output / f"{name}.{Format.parquet.value}"
        if (not force and query.partition and "partition" in recorded and recorded.get("static") == static_key(query, settings)
                and Format.parquet.value in recorded.get("formats", ()) and parquet.exists()
                and all(f.exists() for f in files)):
            old = pd.read_parquet(parquet)
            partial = _partial(driver, database, recorded["partition"], revisions, old, pipeline_revisions)
        work[name] = (query, files, wanted, old, partial)

    def run(name: str) -> tuple[pd.DataFrame, str, float]:
        query, _, _, frame, partial = work[name]
        started_table = time.perf_counter()
        if partial is not None:
            frame, graphlets_run = _refreshed(driver, database, query, settings, frame, partial, graphlet_revisions)
            how = "refreshed"
            if query.graphlet is not None:
                result.refreshed_graphlets[name] = graphlets_run
        elif frame is not None:
            how = "given"
        else:
            frame, how = run_table(driver, database, query, settings=settings).frame, "run"
        return frame, how, time.perf_counter() - started_table

    pending: dict[str, dict] = {}
    by_cost = sorted(work, key=lambda name: (work[name][4] is not None, -SLOW.get(name, 0), name))
    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="export") as pool:
        futures = {name: pool.submit(run, name) for name in by_cost}
        for name in work:  # in name order, as before
            query, files, wanted, _, partial = work[name]
            frame, how, result.table_seconds[name] = futures[name].result()
            for path, fmt in zip(files, formats):
                write_frame(frame, fmt, path)
            result.written.append(name)
            result.files.extend(files)
            if how == "refreshed":
                result.refreshed[name] = sum(map(len, partial.pipelines.values())) if not partial.whole else None
            entry = {"fingerprint": wanted, "rows": len(frame), "formats": formats,
                     "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            if query.partition:
                entry["static"] = static_key(query, settings)
                entry["partition"] = revisions
            pending[name] = entry
            again = ""
            if how == "refreshed" and result.refreshed[name] is not None:
                again = f" ({how}: {result.refreshed[name]} pipelines run again"
                if name in result.refreshed_graphlets:
                    again += f", of them only {result.refreshed_graphlets[name]} graphlets"
                again += ")"
            log.info("export: %s: %d rows%s", name, len(frame), again)
    if _source_versions(driver, database) != versions:
        raise GraphBusyError("the sources changed during the export; the tables written will be "
                             "refreshed by the next run")
    if pending:  # an export with nothing to do writes nothing, its manifest included (rules §13)
        state["tables"].update(pending)
        _write_state(output, state)
    result.seconds = time.perf_counter() - started
    return result
