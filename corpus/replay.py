"""`replay`: grow one corpus store in place, day by day, as a running orchestrator would.

The store (made by `write_snapshot` or an earlier replay) is brought to the end of a later day:
each day's delta (`delta.py`: new rows, executions that ended, contexts touched again) is applied
in one transaction, with the full store's ids. Where to start is read from the store itself (its
latest recorded instant, `delta_writer.latest_time`), so a store made at any instant can be grown,
and replaying to a day the store has already reached changes nothing. A store that holds rows
after the requested day is refused: a store only grows.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mlprov.core.errors import BadInputError
from mlprov.corpus.as_of import day_end_ms, days_after_start, iso
from mlprov.corpus.delta import read_delta
from mlprov.corpus.delta_writer import apply_delta, latest_time
from mlprov.corpus.full_cache import cached_corpus
from mlprov.corpus.generate import DEFAULT_DAYS, pipeline_count
from mlprov.corpus.sqlite_target import PARAMSTYLE, open_store
from mlprov.corpus.timeline import open_source


@dataclass
class Replayed:
    store: Path
    from_ms: int | None  # the store's latest instant before the replay (None: only its types)
    through_ms: int
    days_applied: int
    inserted: int = 0
    updated: int = 0


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def replay(store: str | Path, through_day: int, pipelines: int | None = None, scale: str | None = None,
           days: int = DEFAULT_DAYS, seed: int = 0, cache_dir: Path | None = None,
           progress: Callable[[str], None] | None = _stderr_progress) -> Replayed:
    """Bring `store`, a snapshot of corpus (scale or pipelines, days, seed), to the end of `through_day`."""
    store = Path(store)
    pipelines = pipeline_count(pipelines, scale, days)
    through_ms = day_end_ms(through_day)
    report = progress or (lambda message: None)
    target = open_store(store)
    try:
        start_ms = latest_time(target)
        if start_ms is not None and start_ms > through_ms:
            raise BadInputError(f"{store} already holds rows of {iso(start_ms)} (day {days_after_start(start_ms):.2f}), "
                                f"after day {through_day}: a store only grows")
        corpus = cached_corpus(pipelines, days, seed, cache_dir, report)
        source = open_source(corpus.store, corpus.timeline)
        try:
            _check_same_corpus(target, source, start_ms, f"{store} is not the corpus of {pipelines} pipelines, "
                               f"{days} days, seed {seed}")
            result = Replayed(store, start_ms, through_ms, 0)
            since = start_ms
            # Nothing happens after the window's end, so the days past it need no transaction.
            for day in range(1, min(through_day, days) + 1):
                until = day_end_ms(day)
                if since is not None and until <= since:
                    continue
                applied = apply_delta(target, read_delta(source, since, until), PARAMSTYLE)
                result.days_applied += 1
                result.inserted += applied.inserted
                result.updated += applied.updated
                report(f"day {day}: {applied.inserted} rows inserted, {applied.updated} updated")
                since = until
        finally:
            source.close()
    finally:
        target.close()
    return result


def _check_same_corpus(target: Any, source: sqlite3.Connection, at_ms: int | None, refusal: str) -> None:
    """Refuse a store whose types or rows so far are not the corpus's as of `at_ms`: replaying
    another corpus's days onto it would mix two corpora."""
    cursor = target.cursor()
    try:
        cursor.execute("SELECT id, name, type_kind FROM `Type` ORDER BY id")
        types = [tuple(row) for row in cursor.fetchall()]
        cursor.execute("SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM(create_time_since_epoch), 0) FROM `Execution`")
        executions = tuple(cursor.fetchone())
        cursor.execute("SELECT COUNT(*) FROM `Artifact`")
        artifacts = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM `Event`")
        events = cursor.fetchone()[0]
    finally:
        cursor.close()
    at = -(2 ** 62) if at_ms is None else at_ms
    if types != source.execute("SELECT id, name, type_kind FROM Type ORDER BY id").fetchall():
        raise BadInputError(f"{refusal}: its types differ")
    expected = source.execute("SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM(create_time_since_epoch), 0) "
                              "FROM Execution WHERE create_time_since_epoch <= ?", (at,)).fetchone()
    if executions != expected:
        raise BadInputError(f"{refusal}: it has {executions[0]} executions, the corpus {expected[0]} at its "
                            "latest time (pass the --scale or --pipelines, --days and --seed it was made with)")
    expected_artifacts = source.execute("SELECT COUNT(*) FROM Artifact WHERE create_time_since_epoch <= ?", (at,)).fetchone()[0]
    expected_events = source.execute("SELECT COUNT(*) FROM timeline.event_at WHERE at <= ?", (at,)).fetchone()[0]
    if (artifacts, events) != (expected_artifacts, expected_events):
        raise BadInputError(f"{refusal}: it has {artifacts} artifacts and {events} events, the corpus "
                            f"{expected_artifacts} and {expected_events} at its latest time")
