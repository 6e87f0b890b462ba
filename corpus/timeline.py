"""When each event, association and attribution of a full corpus store was written.

MLMD records a time on executions, artifacts, contexts and events, but not on the link rows, and
an event's own time is not always when it could be written. This side database (built once per
cached corpus, next to its store, which stays untouched) holds the instant each such row appears:

- an event appears at the latest of its own time, its execution's creation and its artifact's
  creation. The simulation sometimes records an event before its artifact exists (about 1% of
  events at S: a warm start's `base_model`, a cache hit re-emitting the model of a Trainer still
  running, a Resolver's or Evaluator's baseline), because it hands a Trainer's model on as soon as
  it has simulated that Trainer; the full store keeps those times, and a snapshot holds such an
  event only from when both of its ends exist, so it never points at a missing row;
- an association appears with its execution (TFX links an execution to its contexts at launch);
- an attribution appears with the first event that ties its artifact to an execution of its
  context (the recorder attributes an execution's inputs and outputs to its contexts when it
  records those events), and never before its artifact and its context.

Indexed by time, so a day's rows are a range scan.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mlprov.corpus import schema

_DDL = """
CREATE TABLE event_at (id INTEGER PRIMARY KEY, at INT NOT NULL);
CREATE TABLE association_at (id INTEGER PRIMARY KEY, context_id INT NOT NULL, at INT NOT NULL);
CREATE TABLE attribution_at (id INTEGER PRIMARY KEY, at INT NOT NULL);
"""
_INDEXES = """
CREATE INDEX event_at_at ON event_at (at);
CREATE INDEX association_at_at ON association_at (at);
CREATE INDEX association_at_context ON association_at (context_id, at);
CREATE INDEX attribution_at_at ON attribution_at (at);
"""

_EVENTS = """
INSERT INTO timeline.event_at (id, at)
SELECT ev.id, MAX(COALESCE(ev.milliseconds_since_epoch, 0), a.create_time_since_epoch, e.create_time_since_epoch)
FROM Event ev JOIN Artifact a ON a.id = ev.artifact_id JOIN Execution e ON e.id = ev.execution_id
"""
_ASSOCIATIONS = """
INSERT INTO timeline.association_at (id, context_id, at)
SELECT s.id, s.context_id, e.create_time_since_epoch FROM Association s JOIN Execution e ON e.id = s.execution_id
"""
# Only INPUT and OUTPUT events attribute (a Resolver's INTERNAL_OUTPUT picks do not).
_ATTRIBUTIONS = f"""
INSERT INTO timeline.attribution_at (id, at)
SELECT t.id, MAX(a.create_time_since_epoch, c.create_time_since_epoch, COALESCE((
    SELECT MIN(x.at) FROM Event ev
    JOIN timeline.event_at x ON x.id = ev.id
    JOIN Association s ON s.execution_id = ev.execution_id AND s.context_id = t.context_id
    WHERE ev.artifact_id = t.artifact_id AND ev.type IN ({schema.INPUT}, {schema.OUTPUT})), 0))
FROM Attribution t JOIN Artifact a ON a.id = t.artifact_id JOIN Context c ON c.id = t.context_id
"""


def build_timeline(store: Path, timeline: Path) -> None:
    """Write the side database `timeline` for the full store `store` (read only)."""
    timeline.unlink(missing_ok=True)
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True, isolation_level=None)
    try:
        con.execute("ATTACH DATABASE ? AS timeline", (str(timeline),))
        con.execute("PRAGMA timeline.journal_mode=OFF")
        con.executescript("".join(f"{line.replace('CREATE TABLE ', 'CREATE TABLE timeline.')}\n"
                                  for line in _DDL.strip().splitlines()))
        con.execute("BEGIN")
        for statement in (_EVENTS, _ASSOCIATIONS):
            con.execute(statement)
        con.execute(_ATTRIBUTIONS)
        con.execute("COMMIT")
        con.executescript("".join(f"{line.replace('CREATE INDEX ', 'CREATE INDEX timeline.')}\n"
                                  for line in _INDEXES.strip().splitlines()))
    finally:
        con.close()


def open_source(store: Path, timeline: Path) -> sqlite3.Connection:
    """The full store (read only) with its timeline attached as `timeline`: what deltas are read from."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    con.execute("ATTACH DATABASE ? AS timeline", (f"file:{timeline}?mode=ro",))
    return con
