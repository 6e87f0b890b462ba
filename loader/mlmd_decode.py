"""The one decoding layer between an MLMD store's raw values and the reader (rules §2 step 1).

Every value the reader takes from a store, SQLite file or MySQL database, passes through here
before it can reach the graph. Two outcomes for what is not what MLMD writes:

- a refusal (`BadInputError`, one line naming the store and the row) for what the graph cannot hold
  or would hold wrongly: a node row (type, context, artifact, execution) without an integer id or
  type, text that is not UTF-8 (BLOB or latin-1 bytes), a NULL name, a name longer than an MLMD
  name can be (it would become a key too large for a Neo4j index);
- a skip, counted by reason on the Source node, for a link row (event, attribution, association,
  parent context) that cannot be loaded: those are decided in SQL by the reader (mlmd.py), so that
  `count_skipped` counts exactly what the reader skips.

Structure comes first (`check_structure`): the tables and columns the store's schema version must
have, with the kinds of values they declare, before any row is read.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from mlprov.core.errors import BadInputError

# MLMD keeps type and context names in VARCHAR(255) columns (its MySQL schema); a longer one in a
# SQLite file is damage, and would become a key (pipeline uid, Trainer node, type index) beyond
# what a Neo4j index takes (about 8 kB per entry). 1024 bytes leaves room for any real name.
MAX_NAME_BYTES = 1024


class Column(NamedTuple):
    """A column as a store's catalogue declares it."""

    kind: str  # integer | text | real | blob | numeric (SQLite affinities; MySQL types mapped onto them)
    primary_key: bool  # the table's primary key is this column alone


# The tables and columns each schema version must have, and the kind their values must be declared
# as (rules §2 step 1). Version 4 is the base; later versions add columns (what ml-metadata's
# downgrade_schema removes, tests/integration/test_schema_versions.py). Only what the reader reads.
_BASE_COLUMNS: dict[str, dict[str, str]] = {
    "Type": {"id": "integer", "name": "text", "type_kind": "integer"},
    "Artifact": {"id": "integer", "type_id": "integer", "uri": "text"},
    "ArtifactProperty": {"artifact_id": "integer", "name": "text", "is_custom_property": "integer",
                         "int_value": "integer", "double_value": "any", "string_value": "text"},
    "Execution": {"id": "integer", "type_id": "integer"},
    "ExecutionProperty": {"execution_id": "integer", "name": "text", "is_custom_property": "integer",
                          "int_value": "integer", "double_value": "any", "string_value": "text"},
    "Context": {"id": "integer", "type_id": "integer", "name": "text"},
    "ContextProperty": {"context_id": "integer", "name": "text", "is_custom_property": "integer",
                        "int_value": "integer", "double_value": "any", "string_value": "text"},
    "Event": {"id": "integer", "artifact_id": "integer", "execution_id": "integer", "type": "integer",
              "milliseconds_since_epoch": "integer"},
    "EventPath": {"event_id": "integer", "is_index_step": "integer", "step_index": "integer", "step_key": "text"},
    "Association": {"id": "integer", "context_id": "integer", "execution_id": "integer"},
    "Attribution": {"id": "integer", "context_id": "integer", "artifact_id": "integer"},
    "MLMDEnv": {"schema_version": "any"},
}
_ADDED_IN: dict[int, dict[str, dict[str, str]]] = {
    5: {"Artifact": {"state": "integer", "name": "text", "create_time_since_epoch": "integer",
                     "last_update_time_since_epoch": "integer"},
        "Execution": {"last_known_state": "integer", "name": "text", "create_time_since_epoch": "integer",
                      "last_update_time_since_epoch": "integer"},
        "Context": {"create_time_since_epoch": "integer", "last_update_time_since_epoch": "integer"}},
    6: {"ParentContext": {"context_id": "integer", "parent_context_id": "integer"}},
    10: {"ArtifactProperty": {"bool_value": "integer"}, "ExecutionProperty": {"bool_value": "integer"},
         "ContextProperty": {"bool_value": "integer"}},
}
# A declared kind that holds the values of another without loss (SQLite's NUMERIC affinity keeps
# integers as integers).
_COMPATIBLE = {"integer": {"integer", "numeric"}, "text": {"text"}}


def expected_columns(version: int) -> dict[str, dict[str, str]]:
    """Table -> column -> kind that a store of this schema version must have."""
    expected = {table: dict(columns) for table, columns in _BASE_COLUMNS.items()}
    for since, tables in sorted(_ADDED_IN.items()):
        if version >= since:
            for table, columns in tables.items():
                expected.setdefault(table, {}).update(columns)
    return expected


def check_structure(where: str, what: str, catalogue: dict[str, dict[str, Column]], version: int) -> None:
    """Refuse a store whose tables or columns are not those its schema version has."""
    expected = expected_columns(version)
    missing_tables = sorted(set(expected) - set(catalogue))
    if missing_tables:
        raise BadInputError(f"{where}: {what} of MLMD schema version {version} without the tables it must have "
                            f"({', '.join(missing_tables)}); the store is damaged or not MLMD")
    problems = []
    for table, columns in expected.items():
        for column, kind in columns.items():
            found = catalogue[table].get(column)
            if found is None:
                problems.append(f"{table}.{column} is missing")
            elif kind in _COMPATIBLE and found.kind not in _COMPATIBLE[kind]:
                problems.append(f"{table}.{column} is declared {found.kind}, not {kind}")
    if problems:
        raise BadInputError(f"{where}: {what} of MLMD schema version {version} whose tables are not MLMD's "
                            f"({'; '.join(problems[:3])}{'; ...' if len(problems) > 3 else ''})")


def schema_version(where: str, found: list[tuple], supported: range) -> int:
    """The one row of MLMDEnv as a number (a version stored as text, '10', is read as 10)."""
    values = [row[0] for row in found]
    value = values[0] if len(values) == 1 else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in supported:
        return value
    shown = ("NULL" if value is None else value) if len(values) == 1 else values
    raise BadInputError(f"{where}: MLMD schema version {shown} is not supported "
                        f"(supported: {supported.start}..{supported.stop - 1})")


class Decoder:
    """Decodes one store's values; refusals name the store."""

    def __init__(self, where: str):
        self.where = where

    def refuse(self, what: str, problem: str) -> BadInputError:
        return BadInputError(f"{self.where}: {what} {problem}; the store is damaged, nothing of it is loaded")

    def integer(self, value: Any, what: str) -> int:
        """A required integer (an id, a type id)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.refuse(what, f"is {_shown(value)}, not an integer id")

    def text(self, value: Any, what: str) -> str | None:
        """Optional text: None stays None; anything else must be UTF-8 text."""
        if value is None:
            return None
        if type(value) is str and value.isascii():
            return value  # most text: nothing to check (no lone surrogates), without encoding a copy
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise self.refuse(what, "is bytes that are not UTF-8 text (a BLOB, or another encoding)") from None
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                # The SQLite connection hands bytes that are not UTF-8 back as lone surrogates.
                raise self.refuse(what, "is not UTF-8 text (latin-1 or other bytes)") from None
            return value
        return str(value)  # a number in a text column: SQLite keeps what it was given

    def name(self, value: Any, what: str) -> str:
        """A required name that becomes a key (type and context names): UTF-8 text, at most MAX_NAME_BYTES."""
        decoded = self.text(value, what)
        if decoded is None:
            raise self.refuse(what, "is NULL")
        size = len(decoded) if decoded.isascii() else len(decoded.encode("utf-8"))
        if size > MAX_NAME_BYTES:
            raise self.refuse(what, f"is {size} bytes long, more than the {MAX_NAME_BYTES} an MLMD name can be")
        return decoded

    def value(self, value: Any, what: str) -> Any:
        """A property value of any kind: text is decoded, numbers kept."""
        if isinstance(value, (bytes, str)):
            return self.text(value, what)
        return value


def optional_int(value: Any) -> int | None:
    """An integer column that may be empty (a state, a time): anything but an integer is absent."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
