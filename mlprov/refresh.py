"""`mlprov refresh`: the scheduled job. Sync the named sources, build their graphlets, export the
analysis tables, all under the export folder's one lock (the lock `mlprov export` takes), so that
a cron tick that starts while the last one still runs exits at once.

Exit codes are the export's: 0 done (or nothing to do), 1 failure, 2 usage, 3 another run holds
the lock, 4 a source is being loaded or synced elsewhere (nothing is written; the next tick tries
again). A refresh that is killed leaves a note in the folder (`.mlprov-refresh.json`) naming the
sources it was working on; the next refresh takes their unfinished state (`syncing`, a build that
did not finish) as its own and finishes it, where it would otherwise exit with 4.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import neo4j

from mlprov.analytics.export import FAILED_BUILD, FORMATS, ExportResult, GraphBusyError, export_locked, folder_lock
from mlprov.analytics.graphlets import BuildReport, build, built_settings
from mlprov.core import queries
from mlprov.core.output import atomic_write
from mlprov.loader.operators import OperatorMap
from mlprov.loader.load import DEFAULT_BATCH_SIZE
from mlprov.loader.store_location import parse_location
from mlprov.loader.sync import DEFAULT_OVERLAP_MS, SyncResult, resolve, sync_store

log = logging.getLogger(__name__)
NOTE_FILE = ".mlprov-refresh.json"


@dataclass
class RefreshResult:
    synced: list[SyncResult]
    build: BuildReport
    export: ExportResult


def refresh(stores: Iterable[str], driver: neo4j.Driver, database: str, output: Path, *, wait: bool = False,
            formats: Iterable[str] = FORMATS, operators: OperatorMap | None = None,
            batch_size: int = DEFAULT_BATCH_SIZE, overlap_ms: int = DEFAULT_OVERLAP_MS,
            quiet: bool = False) -> RefreshResult:
    """Sync `stores` (locations or loaded source names), build graphlets, export into `output`."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    with folder_lock(output, wait):
        named = [resolve(text, driver, database) for text in stores]
        sources = [name or parse_location(location).default_source_name for location, name in named]
        ours = set(_interrupted(output))
        busy = [f"{source} ({status})" for source, status, *_ in _statuses(driver, database)
                if status not in ("loaded", FAILED_BUILD) and source not in ours]  # a failed build is retried
        if busy:
            raise GraphBusyError(f"not refreshing while other work runs on sources {', '.join(busy)}; "
                                 "run again later")
        _note(output, sources)
        synced = [sync_store(location, driver, database, source_name=source, operators=operators,
                             batch_size=batch_size, overlap_ms=overlap_ms, quiet=quiet)
                  for (location, _), source in zip(named, sources)]
        built = build(driver, database, built_settings(driver, database), quiet=quiet)
        exported = export_locked(driver, database, output, formats=formats)
        _note(output, [])
    return RefreshResult(synced, built, exported)


def _statuses(driver: neo4j.Driver, database: str) -> list[list]:
    _, rows = queries.execute(driver, database, "export.source_versions")
    return rows


def _interrupted(output: Path) -> list[str]:
    """The sources a refresh of this folder was working on when it stopped, if it did not finish."""
    try:
        return json.loads((output / NOTE_FILE).read_text(encoding="utf-8"))["working_on"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return []


def _note(output: Path, sources: list[str]) -> None:
    atomic_write(output / NOTE_FILE,
                 lambda path: path.write_text(json.dumps({"working_on": sources}, indent=1), encoding="utf-8"))
