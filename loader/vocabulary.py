"""MLMD's vocabulary, defined once: type kinds, execution and artifact states, event types.

The numbers are those of ml-metadata's metadata_store.proto (and so of every MLMD store, SQLite
or MySQL); the legacy `state` strings are what notebook and Beam-era TFX stores wrote as an
execution property before `last_known_state` existed. The reader, the corpus generator and the
docs take them from here; only the graphlet oracle keeps a copy of its own, on purpose (a test
checks that the two agree).
"""

from __future__ import annotations

TYPE_KIND_EXECUTION, TYPE_KIND_ARTIFACT, TYPE_KIND_CONTEXT = 0, 1, 2

EXECUTION_STATES = {0: "UNKNOWN", 1: "NEW", 2: "RUNNING", 3: "COMPLETE", 4: "FAILED", 5: "CACHED", 6: "CANCELED"}
LEGACY_STATES = {"complete": "COMPLETE", "cached": "CACHED", "failed": "FAILED", "running": "RUNNING",
                 "new": "NEW", "canceled": "CANCELED", "cancelled": "CANCELED"}
ARTIFACT_STATES = {0: "UNKNOWN", 1: "PENDING", 2: "LIVE", 3: "MARKED_FOR_DELETION", 4: "DELETED",
                   5: "ABANDONED", 6: "REFERENCE"}
EVENT_TYPES = {0: "UNKNOWN", 1: "DECLARED_OUTPUT", 2: "DECLARED_INPUT", 3: "INPUT", 4: "OUTPUT",
               5: "INTERNAL_INPUT", 6: "INTERNAL_OUTPUT", 7: "PENDING_OUTPUT"}
INPUT_EVENTS = {"DECLARED_INPUT", "INPUT", "INTERNAL_INPUT"}
OUTPUT_EVENTS = {"DECLARED_OUTPUT", "OUTPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT"}

# The same numbers by name, for what writes stores (the corpus generator).
EXECUTION_STATE_CODES = {name: code for code, name in EXECUTION_STATES.items()}
ARTIFACT_STATE_CODES = {name: code for code, name in ARTIFACT_STATES.items()}
EVENT_TYPE_CODES = {name: code for code, name in EVENT_TYPES.items()}
