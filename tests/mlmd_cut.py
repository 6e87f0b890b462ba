"""Any MLMD SQLite store as it stood at an earlier instant, for growing it in tests.

The rules are those of the synthetic corpus's snapshots (corpus/delta.py), without what only the
generator knows (which properties a run writes at its end, when each link was written):

- types and MLMDEnv are all there from the start;
- an execution, an artifact or a context is there from its creation time on; one updated after
  the instant is as its writer first wrote it: its update time is its creation time and an
  execution is RUNNING, an artifact PENDING (its properties stay: which of them came later is not
  recorded in the store);
- an event is there once its own time and both its ends are; its path with it;
- associations, attributions and parent-context links are there once both their ends are;
- properties come with their owner.

Rows keep their ids; a row without a positive creation time is there at every instant. Cutting at
the latest time a store records gives the store itself, row for row.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from mlprov.loader.vocabulary import ARTIFACT_STATE_CODES, EXECUTION_STATE_CODES

RUNNING = EXECUTION_STATE_CODES["RUNNING"]
PENDING = ARTIFACT_STATE_CODES["PENDING"]

# Statements run in this order; each keeps only what the ones before left a reason to keep.
_CUT = (
    "DELETE FROM Execution WHERE create_time_since_epoch > :t",
    "DELETE FROM Artifact WHERE create_time_since_epoch > :t",
    "DELETE FROM Context WHERE create_time_since_epoch > :t",
    f"UPDATE Execution SET last_known_state = {RUNNING}, last_update_time_since_epoch = create_time_since_epoch "
    "WHERE last_update_time_since_epoch > :t",
    f"UPDATE Artifact SET state = {PENDING}, last_update_time_since_epoch = create_time_since_epoch "
    "WHERE last_update_time_since_epoch > :t",
    "UPDATE Context SET last_update_time_since_epoch = create_time_since_epoch WHERE last_update_time_since_epoch > :t",
    "DELETE FROM Event WHERE milliseconds_since_epoch > :t OR artifact_id NOT IN (SELECT id FROM Artifact) "
    "OR execution_id NOT IN (SELECT id FROM Execution)",
    "DELETE FROM EventPath WHERE event_id NOT IN (SELECT id FROM Event)",
    "DELETE FROM Association WHERE execution_id NOT IN (SELECT id FROM Execution) "
    "OR context_id NOT IN (SELECT id FROM Context)",
    "DELETE FROM Attribution WHERE artifact_id NOT IN (SELECT id FROM Artifact) "
    "OR context_id NOT IN (SELECT id FROM Context)",
    "DELETE FROM ParentContext WHERE context_id NOT IN (SELECT id FROM Context) "
    "OR parent_context_id NOT IN (SELECT id FROM Context)",
    "DELETE FROM ArtifactProperty WHERE artifact_id NOT IN (SELECT id FROM Artifact)",
    "DELETE FROM ExecutionProperty WHERE execution_id NOT IN (SELECT id FROM Execution)",
    "DELETE FROM ContextProperty WHERE context_id NOT IN (SELECT id FROM Context)",
)

_TIMES = """
SELECT create_time_since_epoch FROM Execution UNION SELECT last_update_time_since_epoch FROM Execution
UNION SELECT create_time_since_epoch FROM Artifact UNION SELECT last_update_time_since_epoch FROM Artifact
UNION SELECT create_time_since_epoch FROM Context UNION SELECT last_update_time_since_epoch FROM Context
UNION SELECT milliseconds_since_epoch FROM Event
"""


def instants(store: Path, cuts: int) -> list[int]:
    """`cuts` instants from the store's first recorded time to its last (the whole store), spread
    over the times it records so that each step adds something."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        times = sorted(t for (t,) in conn.execute(_TIMES) if t and t > 0)
    picked = [times[round(i * (len(times) - 1) / (cuts - 1))] for i in range(cuts)]
    return sorted(set(picked))


def cut(store: Path, at_ms: int, output: Path) -> Path:
    """Write `store` as it stood at `at_ms` to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(store, output)
    with sqlite3.connect(output) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for statement in _CUT:
            words = statement.split()
            if (words[1] if words[0] == "UPDATE" else words[2]) in tables:
                conn.execute(statement, {"t": at_ms})
    return output
