"""Any MLMD SQLite store as it stood at an earlier instant: the snapshot rules of corpus/delta.py,
for stores the corpus generator did not write (the real stores of tests/data/mlmd).

`cut_store(store, instant_ms, output)` writes a copy of `store` holding what it held at
`instant_ms`, by the times MLMD records:

- an execution, artifact or context is there from its `create_time_since_epoch` (a missing or zero
  time: from the start), with its properties;
- an execution that was last updated after the instant is as its launcher first wrote it:
  `RUNNING`, last updated when it was created;
- an event is there once both its ends are and its own time (when it has one) has come; event
  paths go with their events;
- an association, attribution or parent-context link is there once both its ends are;
- the types and MLMDEnv are all there.

Ids are the store's own, so growing cuts of one store are a live store growing, and a later cut
always holds an earlier one's rows (some of them changed). `instants(store)` picks instants at which
the store was mid-way through its runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mlprov.loader.vocabulary import EXECUTION_STATE_CODES

RUNNING = EXECUTION_STATE_CODES["RUNNING"]


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in con.execute(f"PRAGMA table_info(`{table}`)")}


def _tables(con: sqlite3.Connection) -> set[str]:
    return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _created(alias: str) -> str:
    return f"COALESCE(NULLIF({alias}.create_time_since_epoch, 0), -1)"


def cut_store(store: Path, instant_ms: int, output: Path) -> Path:
    """Write to `output` the store at `store` as it stood at `instant_ms` (see the module docstring)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    target = sqlite3.connect(output)
    try:
        source.backup(target)
    finally:
        source.close()
    try:
        tables = _tables(target)
        params = {"t": instant_ms, "running": RUNNING}
        with target:
            for table in ("Execution", "Artifact", "Context"):
                target.execute(f"DELETE FROM `{table}` WHERE {_created(table)} > :t", params)
            if "last_known_state" in _columns(target, "Execution"):
                target.execute("""
                    UPDATE Execution SET last_known_state = :running,
                                         last_update_time_since_epoch = create_time_since_epoch
                    WHERE last_update_time_since_epoch > :t""", params)
            else:
                target.execute("""UPDATE Execution SET last_update_time_since_epoch = create_time_since_epoch
                                  WHERE last_update_time_since_epoch > :t""", params)
            target.execute("""
                DELETE FROM Event WHERE execution_id NOT IN (SELECT id FROM Execution)
                   OR artifact_id NOT IN (SELECT id FROM Artifact)
                   OR COALESCE(milliseconds_since_epoch, 0) > :t""", params)
            if "EventPath" in tables:
                target.execute("DELETE FROM EventPath WHERE event_id NOT IN (SELECT id FROM Event)")
            target.execute("""DELETE FROM Association WHERE execution_id NOT IN (SELECT id FROM Execution)
                              OR context_id NOT IN (SELECT id FROM Context)""")
            target.execute("""DELETE FROM Attribution WHERE artifact_id NOT IN (SELECT id FROM Artifact)
                              OR context_id NOT IN (SELECT id FROM Context)""")
            target.execute("""DELETE FROM ParentContext WHERE context_id NOT IN (SELECT id FROM Context)
                              OR parent_context_id NOT IN (SELECT id FROM Context)""")
            for table, owner, key in (("ExecutionProperty", "Execution", "execution_id"),
                                      ("ArtifactProperty", "Artifact", "artifact_id"),
                                      ("ContextProperty", "Context", "context_id")):
                target.execute(f"DELETE FROM `{table}` WHERE `{key}` NOT IN (SELECT id FROM `{owner}`)")
    finally:
        target.close()
    return output


def instants(store: Path, count: int = 3) -> list[int]:
    """Up to `count` instants, ascending, spread over the store's executions: each just after one
    execution was created (it is running then, its outputs not written yet)."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        created = [row[0] for row in con.execute(
            "SELECT DISTINCT create_time_since_epoch FROM Execution WHERE create_time_since_epoch > 0 ORDER BY 1")]
    finally:
        con.close()
    if not created:
        return []
    picks = sorted({round(i * (len(created) - 1) / max(1, count)) for i in range(count)})
    return [created[i] + 1 for i in picks]
