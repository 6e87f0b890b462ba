"""Read an MLMD store (schema versions 4 to 10), a SQLite file or a MySQL/MariaDB database, with
plain SQL, as streams of rows.

Every stream is ordered by MLMD id. A stream reads its main table in chunks of `Store.chunk_rows`
rows (keyset pagination: WHERE id > last ORDER BY id LIMIT n, cheap on the primary key) and, for
each chunk, the side rows of that id range (properties, contexts, event paths, event times), merged
by id. Given `ids` (what `mlprov sync` re-reads), a stream reads only those rows, a chunk of ids at a
time (`WHERE id IN (...)`), and their side rows by the same id lists, never by a range that could
span the whole table. Every query is fetched whole before the next one is sent, so one connection is enough
(a MySQL connection carries one result at a time) and memory stays flat however large the store.
The whole read runs in one read-only transaction, so a store that a pipeline writes meanwhile is
seen at one instant. Columns that a schema version lacks come back as None.

Before any row is read, the store's structure is checked (the tables and columns its schema version
must have, their declared kinds, ids that are not a primary key), and every value goes through the
one decoding layer, mlmd_decode.py: a row the graph cannot hold is refused (BadInputError naming the
store and the row). Link rows that cannot be loaded (pointing at deleted or missing rows, UNKNOWN
events, repeats of an earlier link) are not yielded; they are counted in ``Store.skipped`` with the
reason, decided in SQL so that ``count_skipped`` counts them the same way (rules §2 step 1).

Engines: mlmd_sqlite.py and mlmd_mysql.py open the connection; the SQL here runs on both (backquoted
names, `?` parameters; names only from our own constants).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence

from mlprov.core.errors import BadInputError
from mlprov.loader.mlmd_decode import MAX_NAME_BYTES, Column, Decoder, check_structure, optional_int, schema_version
from mlprov.loader.store_location import Location, SqliteLocation, parse_location
from mlprov.loader.vocabulary import (
    ARTIFACT_STATES, EVENT_TYPES, EXECUTION_STATES, INPUT_EVENTS, LEGACY_STATES, OUTPUT_EVENTS, TYPE_KIND_CONTEXT,
)

SUPPORTED_SCHEMA_VERSIONS = range(4, 11)
REQUIRED_TABLES = {
    "Type", "Artifact", "ArtifactProperty", "Execution", "ExecutionProperty",
    "Event", "EventPath", "Context", "ContextProperty", "Association", "Attribution", "MLMDEnv",
}
# Tables whose rows are named by `id`: where it is not the primary key (a store rebuilt without its
# constraints), the ids are checked before anything is read.
ID_TABLES = ("Type", "Context", "Artifact", "Execution", "Event", "Attribution", "Association")

# Rows per query of a main table: big enough that per-query overhead vanishes, small enough that a
# chunk and its side rows are a few MB.
CHUNK_ROWS = 5000


class Database(Protocol):
    """One open connection to a store, as the reader uses it (mlmd_sqlite.py, mlmd_mysql.py)."""

    what: str  # "a SQLite file", "a MySQL database": for messages
    errors: tuple[type[Exception], ...]
    insertion_order: str | None  # a column that orders EventPath rows as written, if the engine has one
    connection: Any

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]: ...
    def catalogue(self) -> dict[str, dict[str, Column]]: ...
    def unique_key_columns(self, table: str) -> list[tuple[str, str]]: ...
    def not_an_integer(self, expression: str) -> str: ...
    def describe_error(self, exc: Exception) -> str: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class StoreIdentity:
    """What names a store on its Source node: never a password."""

    kind: str  # mlmd-sqlite | mlmd-mysql
    location: str  # the file path, or mysql://USER@HOST:PORT/DATABASE
    default_source_name: str  # the file's stem, or the database's name


@dataclass
class Store:
    """An open, validated MLMD store and what reading it skipped."""

    identity: StoreIdentity
    db: Database
    schema_version: int
    columns: dict[str, dict[str, Column]]
    type_names: dict[int, str]
    type_kinds: dict[int, int]
    path: Path | None = None  # the SQLite file; None for a database on a server
    skipped: Counter = field(default_factory=Counter)
    chunk_rows: int = CHUNK_ROWS
    location: Location | None = None  # where it was opened from
    decoder: Decoder = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    unique_keys: dict[str, list[set[str]]] = field(default_factory=dict)  # per table, read when first asked

    def __post_init__(self) -> None:
        if self.decoder is None:
            self.decoder = Decoder(self.identity.location)

    @property
    def conn(self) -> Any:
        """The underlying DB-API connection."""
        return self.db.connection

    def close(self) -> None:
        self.db.close()

    def has(self, table: str, column: str | None = None) -> bool:
        cols = self.columns.get(table)
        return cols is not None and (column is None or column in cols)

    def col(self, table: str, column: str, alias: str = "") -> str:
        """`column` when the table has it in this schema version, else NULL (names are our own)."""
        qualified = f"{alias}.{column}" if alias else column
        return qualified if self.has(table, column) else "NULL"

    def count(self, table: str) -> int:
        if not self.has(table):
            return 0
        return self.db.rows(f"SELECT count(*) FROM `{table}`")[0][0]

    def unique(self, table: str, columns: set[str]) -> bool:
        """Whether an index of `table` keeps `columns` unique (MLMD's own schema has such keys; a
        store rebuilt without them may hold repeats, which the reader must then find itself). A
        table's keys are read once per open store: every stream and recount asks again."""
        if table not in self.unique_keys:
            keys: dict[str, set[str]] = {}
            for index, column in self.db.unique_key_columns(table):
                keys.setdefault(index, set()).add(column)
            self.unique_keys[table] = list(keys.values())
        return set(columns) in self.unique_keys[table]

    def type_ids(self, kind: int, name: str) -> list[int]:
        return [i for i, n in self.type_names.items() if n == name and self.type_kinds[i] == kind]


def store_identity(store: Store) -> StoreIdentity:
    """Kind, location and default source name of an open store, for its Source node."""
    return store.identity


def open_store(location: str | Path) -> Store:
    """Open the store at `location` (a path, sqlite:///PATH or mysql://USER@HOST:PORT/DATABASE)
    read-only and check it is an MLMD store we can read, else BadInputError."""
    where = parse_location(location)
    if isinstance(where, SqliteLocation):
        from mlprov.loader.mlmd_sqlite import open_sqlite
        db: Database = open_sqlite(where)
    else:
        # Imported here so that reading SQLite files never needs the MySQL driver.
        from mlprov.loader.mlmd_mysql import open_mysql
        db = open_mysql(where)
    try:
        return _checked_store(db, where)
    except BadInputError:
        db.close()
        raise
    except db.errors as exc:
        db.close()
        raise BadInputError(f"{where.display}: {db.describe_error(exc)}") from exc


def _checked_store(db: Database, where: Location) -> Store:
    """rules §2 step 1: the schema version, the structure it implies, the types, the ids."""
    columns = db.catalogue()
    missing = REQUIRED_TABLES - set(columns)
    if missing:
        raise BadInputError(
            f"{where.display}: {db.what} but not an MLMD store (missing tables: {', '.join(sorted(missing))})"
        )
    if "schema_version" not in columns["MLMDEnv"]:
        raise BadInputError(f"{where.display}: {db.what} whose MLMDEnv table has no schema_version column; "
                            "the store is damaged or not MLMD")
    version = schema_version(where.display, db.rows("SELECT schema_version FROM MLMDEnv"), SUPPORTED_SCHEMA_VERSIONS)
    check_structure(where.display, db.what, columns, version)
    _check_ids(db, where.display, columns)
    decoder = Decoder(where.display)
    types = [(decoder.integer(i, "a type id"), decoder.name(n, f"type {i}'s name"), k)
             for i, n, k in db.rows("SELECT id, name, type_kind FROM Type")]
    return Store(
        identity=StoreIdentity(where.kind, where.display, where.default_source_name),
        db=db,
        schema_version=version,
        columns=columns,
        type_names={i: n for i, n, _ in types},
        type_kinds={i: k for i, _, k in types},
        path=where.path if isinstance(where, SqliteLocation) else None,
        location=where,
        decoder=decoder,
    )


def _check_ids(db: Database, where: str, columns: dict[str, dict[str, Column]]) -> None:
    """Refuse ids that are NULL, not integers or repeated, in tables whose `id` is not the primary
    key (MLMD's own tables always have it; a store rebuilt without it may hold anything)."""
    for table in ID_TABLES:
        if columns[table]["id"].primary_key:
            continue
        bad = db.rows(f"SELECT count(*) FROM `{table}` WHERE {db.not_an_integer('id')}")[0][0]
        if bad:
            raise BadInputError(f"{where}: {table}.id holds {bad} value(s) that are not integer ids (NULL or text); "
                                "the store is damaged, nothing of it is loaded")
        repeated = db.rows(f"SELECT id, count(*) FROM `{table}` GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1")
        if repeated:
            raise BadInputError(f"{where}: {table}.id {repeated[0][0]} is used by {repeated[0][1]} rows; "
                                "the store is damaged, nothing of it is loaded")


def _chunks(store: Store, select: str, keys: tuple[str, ...]) -> Iterator[list[tuple]]:
    """The rows of `select` (a SELECT ... FROM ... without WHERE) in order of `keys` (one or two
    columns, which the select returns first), `store.chunk_rows` at a time."""
    order = ", ".join(keys)
    after: tuple | None = None
    while True:
        if after is None:
            where, params = "", ()
        elif len(keys) == 1:
            where, params = f" WHERE {keys[0]} > ?", after
        else:
            where, params = f" WHERE {keys[0]} > ? OR ({keys[0]} = ? AND {keys[1]} > ?)", (after[0], *after)
        chunk = store.db.rows(f"{select}{where} ORDER BY {order} LIMIT ?", (*params, store.chunk_rows))
        if chunk:
            yield chunk
        if len(chunk) < store.chunk_rows:
            return
        after = tuple(chunk[-1][:len(keys)])


def sorted_rows(store: Store, select: str, keys: tuple[str, ...]) -> Iterator[tuple]:
    """Every row of `select` in order of `keys` (one or two columns it returns first, the columns of
    a unique index), read a chunk at a time: flat memory for a table of any size."""
    for chunk in _chunks(store, select, keys):
        yield from chunk


@dataclass(frozen=True)
class _Owners:
    """The owner ids whose side rows a chunk needs: an id range (a whole-table read) or an id list
    (a read of chosen rows)."""

    first: int = 0
    last: int = -1
    ids: tuple[int, ...] | None = None

    def where(self, column: str) -> tuple[str, tuple]:
        if self.ids is None:
            return f"{column} BETWEEN ? AND ?", (self.first, self.last)
        return f"{column} IN ({','.join('?' * len(self.ids))})", self.ids

    def where_second(self, column: str) -> tuple[str, tuple]:
        """`where` for a column that is the second of the index the read goes through: the id list
        is bounded by its first and last id, which the index serves as a range, and checked
        without the index (`+column`). The database would otherwise probe the index once per
        leading value and id: at L, 3,000 pipeline contexts times 5,000 executions took 2.9 s
        per chunk of a sync against 0.01 s."""
        if self.ids is None:
            return self.where(column)
        condition, params = self.where(f"+{column}")
        return f"{column} BETWEEN ? AND ? AND {condition}", (self.ids[0], self.ids[-1], *params)


def id_groups(ids: Iterable[int], size: int) -> Iterator[tuple[int, ...]]:
    """`ids` sorted and without repeats, `size` at a time (the id lists of IN (...) queries)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield tuple(ordered[start:start + size])


def _main_chunks(store: Store, select: str, key: str,
                 ids: Iterable[int] | None) -> Iterator[tuple[list[tuple], _Owners]]:
    """The rows of `select` (which returns `key` first) in `key` order, a chunk at a time, each with
    the owners its side rows are read for: every row when `ids` is None, else only those ids."""
    if ids is None:
        for chunk in _chunks(store, select, (key,)):
            yield chunk, _Owners(chunk[0][0], chunk[-1][0])
        return
    for group in id_groups(ids, store.chunk_rows):
        owners = _Owners(ids=group)
        condition, params = owners.where(key)
        chunk = store.db.rows(f"{select} WHERE {condition} ORDER BY {key}", params)
        if chunk:
            yield chunk, owners


def _grouped(rows: Iterable[tuple]) -> Iterator[tuple[int, list[tuple]]]:
    """Group rows sorted by their first column: yields (id, [rest of each row])."""
    current, bucket = None, []
    for row in rows:
        if row[0] != current:
            if bucket:
                yield current, bucket
            current, bucket = row[0], []
        bucket.append(row[1:])
    if bucket:
        yield current, bucket


class _SortedSide:
    """A sorted (id, value) stream that a main stream, sorted by the same id, looks up in order."""

    def __init__(self, grouped: Iterable[tuple[int, Any]]):
        self._it = iter(grouped)
        self._head = next(self._it, None)

    def take(self, key: int, default: Any = None) -> Any:
        while self._head is not None and self._head[0] < key:
            self._head = next(self._it, None)
        if self._head is not None and self._head[0] == key:
            return self._head[1]
        return default


def _property_value(int_v, double_v, string_v, bool_v) -> Any:
    for value in (int_v, double_v, string_v):
        if value is not None:
            return value
    return None if bool_v is None else bool(bool_v)


def _custom_first(prop: tuple) -> tuple:
    """Custom properties first, then by name: sorted here, not in SQL, because MySQL collations
    order names differently from SQLite (and from one another)."""
    name, is_custom = prop[0], prop[1]
    return (not is_custom, name)


def _properties(store: Store, table: str, id_column: str, owners: _Owners) -> _SortedSide:
    """Property maps of the owners."""
    bool_col = store.col(table, "bool_value")
    condition, params = owners.where(id_column)
    rows = store.db.rows(
        f"SELECT {id_column}, name, is_custom_property, int_value, double_value, string_value, {bool_col} "
        f"FROM `{table}` WHERE {condition} ORDER BY {id_column}",
        params,
    )

    decoder = store.decoder
    what = table[:-len("Property")].lower()

    def merged() -> Iterator[tuple[int, dict]]:
        # Plain names and values (ASCII text, short enough for a name) need no decoding: only the
        # others go through the decoder, whose message is then built.
        for owner, props in _grouped(rows):
            values: dict[str, Any] = {}
            decoded = [(name if type(name) is str and name.isascii() and len(name) <= MAX_NAME_BYTES
                        else decoder.name(name, f"a property name of {what} {owner}"), bool(is_custom), i, d, s, b)
                       for name, is_custom, i, d, s, b in props]
            # Custom properties come first, so a non-custom one of the same name wins.
            for name, _is_custom, i, d, s, b in sorted(decoded, key=_custom_first):
                value = _property_value(i, d, s, b)
                if value is None:
                    continue
                if type(value) is str and value.isascii():
                    values[name] = value
                    continue
                value = decoder.value(value, f"property {name!r} of {what} {owner}")
                if value is not None:
                    values[name] = value
            if "component_id" in values:
                # It names the Trainer's chain when there is no node context (rules §2): a key.
                decoder.name(str(values["component_id"]), f"property 'component_id' of {what} {owner}")
            yield owner, values

    return _SortedSide(merged())


def _context_names(store: Store, owner_table: str, owner_column: str, context_type: str,
                   owners: _Owners) -> _SortedSide:
    """For each owner, the name of the first (lowest id) context of `context_type` it belongs to."""
    type_ids = store.type_ids(TYPE_KIND_CONTEXT, context_type)
    if not type_ids:
        return _SortedSide(())
    marks = ",".join("?" * len(type_ids))
    condition, params = owners.where_second(f"o.{owner_column}")
    # The (context_id, owner) unique index serves this: a short range per context of the type.
    rows = store.db.rows(
        f"SELECT o.{owner_column}, c.name FROM `{owner_table}` o JOIN Context c ON c.id = o.context_id "
        f"WHERE c.type_id IN ({marks}) AND {condition} ORDER BY o.{owner_column}, c.id",
        (*type_ids, *params),
    )
    return _SortedSide((owner, store.decoder.name(names[0][0], f"the name of a {context_type} context"))
                       for owner, names in _grouped(rows))


# Chunks of a whole-table read whose owners' context names one query reads (see _ContextNames).
CONTEXT_NAME_WINDOW = 10


# Where a window of executions ends: the id CONTEXT_NAME_WINDOW chunks on (the primary key serves it).
_EXECUTION_WINDOW_END = "SELECT max(id) FROM (SELECT id FROM Execution WHERE id >= ? ORDER BY id LIMIT ?) AS w"


class _ContextNames:
    """The names of the contexts of one type that executions (read in id order, a chunk at a time)
    belong to. Each query probes the (context_id, execution) index once per context of the type,
    whatever the width of its id range, so a whole-table read asks for the names of
    CONTEXT_NAME_WINDOW chunks' executions at once: at L (28,681 node contexts, 2 million
    executions) 7.3 s of queries against 1.6 s. The names of a window stay in memory (a few MB at
    most). A read of chosen ids asks chunk by chunk, for those ids only."""

    def __init__(self, store: Store, context_type: str):
        self.store = store
        self.context_type = context_type
        self._side: _SortedSide | None = None
        self._until: Any = None

    def of(self, owners: _Owners) -> _SortedSide:
        if owners.ids is not None:
            return self._read(owners)
        if self._side is None or owners.last > self._until:
            # A window ends at a row's id, so sparse ids widen it rather than leave it with few rows.
            (end,), = self.store.db.rows(_EXECUTION_WINDOW_END,
                                         (owners.first, self.store.chunk_rows * CONTEXT_NAME_WINDOW))
            self._until = owners.last if end is None else max(owners.last, end)
            self._side = self._read(_Owners(owners.first, self._until))
        return self._side

    def _read(self, owners: _Owners) -> _SortedSide:
        return _context_names(self.store, "Association", "execution_id", self.context_type, owners)


def _event_times(store: Store, owners: _Owners) -> _SortedSide:
    """Per execution: (first event ms, last event ms, has an output-like event)."""
    output_codes = ",".join(str(code) for code, name in EVENT_TYPES.items() if name in OUTPUT_EVENTS)
    condition, params = owners.where("execution_id")
    rows = store.db.rows(
        "SELECT execution_id, min(milliseconds_since_epoch), max(milliseconds_since_epoch), "
        f"max(type IN ({output_codes})) FROM Event WHERE {condition} "
        "GROUP BY execution_id ORDER BY execution_id",
        params,
    )
    return _SortedSide((r[0], (optional_int(r[1]), optional_int(r[2]), bool(r[3]))) for r in rows)


def _event_paths(store: Store, owners: _Owners) -> dict[int, list]:
    """Per event with a path: [the key of its first key step that has one, the index of its first
    index step that has one] (steps in the order they were written). Every step's key is decoded, so
    a key the graph cannot hold is refused wherever it is in the path."""
    written = f", {store.db.insertion_order}" if store.db.insertion_order else ""
    condition, params = owners.where("event_id")
    rows = store.db.rows(
        "SELECT event_id, is_index_step, step_index, step_key FROM EventPath "
        f"WHERE {condition} ORDER BY event_id{written}",
        params,
    )
    decoder = store.decoder
    first: dict[int, list] = {}  # event -> [key, index]
    for event, is_index, index, key in rows:
        found = first.get(event)
        if found is None:
            found = first[event] = [None, None]
        if is_index:
            if found[1] is None:
                found[1] = optional_int(index)
        else:
            if key is not None and not (type(key) is str and key.isascii()):
                key = decoder.text(key, f"a path key of event {event}")
            if found[0] is None:
                found[0] = key
    return first


def _positive(value: Any) -> int | None:
    value = optional_int(value)
    return value if value is not None and value > 0 else None


def artifacts(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    select = (
        f"SELECT id, type_id, uri, {store.col('Artifact', 'state')}, {store.col('Artifact', 'name')}, "
        f"{store.col('Artifact', 'create_time_since_epoch')}, {store.col('Artifact', 'last_update_time_since_epoch')} "
        "FROM Artifact"
    )
    for chunk, owners in _main_chunks(store, select, "id", ids):
        props = _properties(store, "ArtifactProperty", "artifact_id", owners)
        decode = store.decoder
        for art_id, type_id, uri, state, name, created, updated in chunk:
            art_id = decode.integer(art_id, "an artifact id")
            yield {
                "mlmd_id": art_id,
                "type": _type_name(store, type_id, f"artifact {art_id}"),
                "uri": decode.text(uri, f"the uri of artifact {art_id}"),
                "state": ARTIFACT_STATES.get(optional_int(state)) if state is not None else None,
                "name": decode.text(name, f"the name of artifact {art_id}"),
                "created_at": _positive(created),
                "updated_at": _positive(updated),
                "properties": props.take(art_id, {}),
            }


def executions(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    select = (
        f"SELECT id, type_id, {store.col('Execution', 'last_known_state')}, {store.col('Execution', 'name')}, "
        f"{store.col('Execution', 'create_time_since_epoch')}, {store.col('Execution', 'last_update_time_since_epoch')} "
        "FROM Execution"
    )
    pipeline_names = _ContextNames(store, "pipeline")
    node_names = _ContextNames(store, "node")
    for chunk, owners in _main_chunks(store, select, "id", ids):
        props = _properties(store, "ExecutionProperty", "execution_id", owners)
        pipelines = pipeline_names.of(owners)
        nodes = node_names.of(owners)
        times = _event_times(store, owners)
        decode = store.decoder
        for ex_id, type_id, state, name, created, updated in chunk:
            ex_id = decode.integer(ex_id, "an execution id")
            first_event, last_event, has_output = times.take(ex_id, (None, None, False))
            yield {
                "mlmd_id": ex_id,
                "type": _type_name(store, type_id, f"execution {ex_id}"),
                "state_code": optional_int(state),
                "name": decode.text(name, f"the name of execution {ex_id}"),
                "created_at": _positive(created) or first_event,
                "ended_at": _positive(updated) or last_event,
                "has_output": has_output,
                "pipeline_context": pipelines.take(ex_id),
                "node_context": nodes.take(ex_id),
                "properties": props.take(ex_id, {}),
            }


def _type_name(store: Store, type_id: Any, what: str) -> str:
    """The row's type name; a type id that names no type (a deleted type) is kept as such."""
    type_id = store.decoder.integer(type_id, f"the type id of {what}")
    return store.type_names.get(type_id, f"unknown-type-{type_id}")


def execution_state(row: dict) -> str:
    """rules §2: legacy string `state`, else `last_known_state`, else inferred from events."""
    legacy = row["properties"].get("state")
    if isinstance(legacy, str) and legacy.lower() in LEGACY_STATES:
        return LEGACY_STATES[legacy.lower()]
    if row["state_code"] is not None:
        return EXECUTION_STATES.get(row["state_code"], "UNKNOWN")
    return "COMPLETE" if row["has_output"] else "UNKNOWN"


def contexts(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    select = f"SELECT id, type_id, name, {store.col('Context', 'create_time_since_epoch')} FROM Context"
    for chunk, owners in _main_chunks(store, select, "id", ids):
        props = _properties(store, "ContextProperty", "context_id", owners)
        decode = store.decoder
        for ctx_id, type_id, name, created in chunk:
            ctx_id = decode.integer(ctx_id, "a context id")
            yield {
                "mlmd_id": ctx_id,
                "type": _type_name(store, type_id, f"context {ctx_id}"),
                "name": decode.name(name, f"the name of context {ctx_id}"),
                "created_at": _positive(created),
                "properties": props.take(ctx_id, {}),
            }


def count_events(store: Store, direction: str) -> int:
    """Events of one direction (INPUT or OUTPUT), for progress totals."""
    names = INPUT_EVENTS if direction == "INPUT" else OUTPUT_EVENTS
    codes = ",".join(str(code) for code, name in EVENT_TYPES.items() if name in names)
    return store.db.rows(f"SELECT count(*) FROM Event WHERE type IN ({codes})")[0][0]


def pipeline_contexts(store: Store) -> list[str]:
    """Names of the store's `pipeline` contexts (few: one per pipeline or notebook session)."""
    type_ids = store.type_ids(TYPE_KIND_CONTEXT, "pipeline")
    if not type_ids:
        return []
    marks = ",".join("?" * len(type_ids))
    return [store.decoder.name(name, f"the name of context {ctx_id}") for ctx_id, name in store.db.rows(
        f"SELECT id, name FROM Context WHERE type_id IN ({marks}) ORDER BY id", type_ids)]


# An event repeats an earlier one when an event of lower id joins the same artifact and execution
# with the same type (MLMD's unique index; a store without it may hold repeats): it is skipped,
# not loaded as a second relationship. Links likewise, on their two ends.
# Where MLMD's unique key holds, no event repeats another, and the check (a probe of that key per
# event: at L half the time of the events' query) is the constant 0.
_EVENT_REPEATS = ("EXISTS (SELECT 1 FROM Event f WHERE f.artifact_id = ev.artifact_id AND "
                  "f.execution_id = ev.execution_id AND f.type = ev.type AND f.id < ev.id)")


def _event_repeats(store: Store) -> str:
    return "0" if store.unique("Event", {"artifact_id", "execution_id", "type"}) else _EVENT_REPEATS
EVENT_REPEATED = "event repeating an earlier event (same artifact, execution and type)"


# The fields of an event, as `events` yields them and `event_batches` names its columns.
EVENT_FIELDS = ("event_id", "artifact_id", "execution_id", "event_type", "direction", "key", "index", "at")
_DIRECTIONS = {name: "INPUT" if name in INPUT_EVENTS else "OUTPUT" for name in EVENT_TYPES.values() if name != "UNKNOWN"}
_NO_PATH = (None, None)


def event_batches(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict[str, list]]:
    """Events with their first path key and index, a chunk at a time as columns named EVENT_FIELDS
    (in event id order); dangling, repeated and UNKNOWN events are counted as skipped."""
    # The ends are read from the joined rows, so they are the ids of real rows (never NULL or text).
    select = (
        "SELECT ev.id, a.id, x.id, ev.type, ev.milliseconds_since_epoch, "
        f"a.id IS NOT NULL, x.id IS NOT NULL, {_event_repeats(store)} FROM Event ev "
        "LEFT JOIN Artifact a ON a.id = ev.artifact_id LEFT JOIN Execution x ON x.id = ev.execution_id"
    )
    for chunk, owners in _main_chunks(store, select, "ev.id", ids):
        paths = _event_paths(store, owners)
        ev_ids, art_ids, ex_ids, codes, times, art_ok, ex_ok, repeats = zip(*chunk)
        # A code that is not a known event type's (text, bytes, UNKNOWN) names no type here.
        names = [EVENT_TYPES.get(code) if not isinstance(code, bytes) else None for code in codes]
        if not (all(art_ok) and all(ex_ok) and not any(repeats) and None not in names and "UNKNOWN" not in names):
            kept = _kept(store, (_event_skip_reason(bool(a), bool(x), n not in (None, "UNKNOWN"), bool(r))
                                 for a, x, n, r in zip(art_ok, ex_ok, names, repeats)))
            if not kept:
                continue
            ev_ids, art_ids, ex_ids, names, times = ([column[i] for i in kept]
                                                     for column in (ev_ids, art_ids, ex_ids, names, times))
        keys, indexes = zip(*map(paths.get, ev_ids, [_NO_PATH] * len(ev_ids)))
        yield dict(zip(EVENT_FIELDS, (list(ev_ids), list(art_ids), list(ex_ids), names,
                                      list(map(_DIRECTIONS.__getitem__, names)), list(keys), list(indexes),
                                      list(map(_positive, times)))))


def _kept(store: Store, reasons: Iterable[str | None]) -> list[int]:
    """The positions of a chunk's rows that are loaded, from each row's skip reason (None: loaded);
    the others' reasons are counted as skipped."""
    kept = []
    for i, reason in enumerate(reasons):
        if reason:
            store.skipped[reason] += 1
        else:
            kept.append(i)
    return kept


def rows_of(columns: dict[str, list]) -> Iterator[dict]:
    """The rows that a batch's columns (equal-length lists) hold, one dict each."""
    names = tuple(columns)
    for values in zip(*columns.values()):
        yield dict(zip(names, values))


def events(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Events as `event_batches` reads them, one dict of EVENT_FIELDS each."""
    for batch in event_batches(store, ids):
        yield from rows_of(batch)


# The links, by table: (owner table, owner column, what a skip reason calls the link).
LINK_TABLES = {
    "Attribution": ("Artifact", "artifact_id", "attribution"),
    "Association": ("Execution", "execution_id", "association"),
}
PARENT_LINK_SKIPPED = "parent context link pointing at a deleted context"
PARENT_LINK_REPEATED = "parent context link repeating an earlier one"


def _event_skip_reason(artifact_ok: bool, execution_ok: bool, directed: bool, repeats: bool = False) -> str | None:
    """Why an event is not loaded (None: it is), for the reader and the recount alike."""
    if not artifact_ok or not execution_ok:
        return f"event pointing at a deleted {'artifact' if not artifact_ok else 'execution'}"
    if not directed:
        return "event of type UNKNOWN (no direction)"
    return EVENT_REPEATED if repeats else None


def _link_skip_reason(table: str, context_ok: bool, owner_ok: bool, repeats: bool = False) -> str | None:
    owner_table, _, what = LINK_TABLES[table]
    if context_ok and owner_ok:
        return f"{what} repeating an earlier one (same context and {owner_table.lower()})" if repeats else None
    return f"{what} pointing at a deleted {'context' if not context_ok else owner_table.lower()}"


def _link_repeats(store: Store, table: str, owner_column: str) -> str:
    """Whether a link repeats an earlier one: the constant 0 where MLMD's unique key holds."""
    if store.unique(table, {"context_id", owner_column}):
        return "0"
    return (f"EXISTS (SELECT 1 FROM `{table}` f WHERE f.context_id = l.context_id AND "
            f"f.{owner_column} = l.{owner_column} AND f.id < l.id)")


# The fields of a link (an attribution or association), as `link_batches` names its columns.
LINK_FIELDS = ("context_id", "owner_id")


def link_batches(store: Store, table: str, ids: Iterable[int] | None = None) -> Iterator[dict[str, list]]:
    """The links of `table` (Attribution or Association) a chunk at a time, as columns named
    LINK_FIELDS, in link id order; links pointing at deleted rows or repeating an earlier one are
    counted as skipped."""
    owner_table, owner_column, _ = LINK_TABLES[table]
    # Ordered by the link's id: in SQLite that is its rowid, the order the links were written.
    select = (
        f"SELECT l.id, c.id, o.id, c.id IS NOT NULL, o.id IS NOT NULL, {_link_repeats(store, table, owner_column)} "
        f"FROM `{table}` l "
        f"LEFT JOIN Context c ON c.id = l.context_id LEFT JOIN `{owner_table}` o ON o.id = l.{owner_column}"
    )
    for chunk, _owners in _main_chunks(store, select, "l.id", ids):
        _link_ids, ctx_ids, owner_ids, ctx_ok, owner_ok, repeats = zip(*chunk)
        if not (all(ctx_ok) and all(owner_ok) and not any(repeats)):
            kept = _kept(store, (_link_skip_reason(table, bool(c), bool(o), bool(r))
                                 for c, o, r in zip(ctx_ok, owner_ok, repeats)))
            if not kept:
                continue
            ctx_ids, owner_ids = ([column[i] for i in kept] for column in (ctx_ids, owner_ids))
        yield {"context_id": list(ctx_ids), "owner_id": list(owner_ids)}


def _links(store: Store, table: str, ids: Iterable[int] | None) -> Iterator[dict]:
    for batch in link_batches(store, table, ids):
        yield from rows_of(batch)


def attributions(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    return _links(store, "Attribution", ids)


def associations(store: Store, ids: Iterable[int] | None = None) -> Iterator[dict]:
    return _links(store, "Association", ids)


# One row per (child, parent) pair, with how many rows hold it (more than one only in a store
# rebuilt without ParentContext's primary key: the repeats are skipped).
_PARENT_SELECT = (
    "SELECT * FROM (SELECT p.context_id AS child, p.parent_context_id AS parent, max(c.id) AS child_id, "
    "max(q.id) AS parent_id, count(*) AS n FROM ParentContext p "
    "LEFT JOIN Context c ON c.id = p.context_id LEFT JOIN Context q ON q.id = p.parent_context_id "
    "WHERE p.context_id IS NOT NULL AND p.parent_context_id IS NOT NULL "
    "GROUP BY p.context_id, p.parent_context_id) links"
)


def parent_contexts(store: Store, context_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Parent-context links, by (child, parent); given `context_ids`, only the links with one of
    those contexts at either end."""
    if not store.has("ParentContext"):
        return
    if context_ids is None:
        chunks: Iterable[list[tuple]] = _chunks(store, _PARENT_SELECT, ("child", "parent"))
    else:
        chunks = [_parent_links_of(store, context_ids)]
    for chunk in chunks:
        for _child, _parent, child_id, parent_id, n in chunk:
            if n > 1:
                store.skipped[PARENT_LINK_REPEATED] += n - 1
            if child_id is None or parent_id is None:
                store.skipped[PARENT_LINK_SKIPPED] += 1
                continue
            yield {"child_id": child_id, "parent_id": parent_id}
    if context_ids is None:
        # NULL ends are never grouped with the others: each such row points at no context.
        nulls = _parent_null_links(store)
        if nulls:
            store.skipped[PARENT_LINK_SKIPPED] += nulls


def _parent_null_links(store: Store) -> int:
    return store.db.rows("SELECT count(*) FROM ParentContext WHERE context_id IS NULL OR parent_context_id IS NULL")[0][0]


def _parent_links_of(store: Store, context_ids: Iterable[int]) -> list[tuple]:
    # A link can have both ends among the ids, in two groups: collected once, in (child, parent)
    # order. Contexts have few parent links, so this stays small.
    found: dict[tuple[int, int], tuple] = {}
    for group in id_groups(context_ids, store.chunk_rows):
        marks = ",".join("?" * len(group))
        for row in store.db.rows(
                f"{_PARENT_SELECT} WHERE child IN ({marks}) OR parent IN ({marks})",
                (*group, *group)):
            found[(row[0], row[1])] = row
    return [found[key] for key in sorted(found)]


def count_skipped(store: Store) -> Counter:
    """What a read of the whole store would skip, by reason, counted in SQL without reading the rows
    (a sync recounts it when rows changed under it). The reasons are the reader's own."""
    directed = ",".join(str(code) for code, name in EVENT_TYPES.items() if name != "UNKNOWN")
    skipped: Counter = Counter()
    event_repeats = _event_repeats(store)
    for art_ok, ex_ok, is_directed, repeats, n in store.db.rows(
            f"SELECT a.id IS NOT NULL, x.id IS NOT NULL, coalesce(ev.type IN ({directed}), 0), {event_repeats}, "
            "count(*) FROM Event ev "
            "LEFT JOIN Artifact a ON a.id = ev.artifact_id LEFT JOIN Execution x ON x.id = ev.execution_id "
            f"WHERE a.id IS NULL OR x.id IS NULL OR ev.type IS NULL OR ev.type NOT IN ({directed}) OR {event_repeats} "
            "GROUP BY 1, 2, 3, 4"):
        skipped[_event_skip_reason(bool(art_ok), bool(ex_ok), bool(is_directed), bool(repeats))] += n
    for table, (owner_table, owner_column, _) in LINK_TABLES.items():
        repeats = _link_repeats(store, table, owner_column)
        for ctx_ok, owner_ok, repeated, n in store.db.rows(
                f"SELECT c.id IS NOT NULL, o.id IS NOT NULL, {repeats}, count(*) FROM `{table}` l "
                f"LEFT JOIN Context c ON c.id = l.context_id LEFT JOIN `{owner_table}` o ON o.id = l.{owner_column} "
                f"WHERE c.id IS NULL OR o.id IS NULL OR {repeats} GROUP BY 1, 2, 3"):
            skipped[_link_skip_reason(table, bool(ctx_ok), bool(owner_ok), bool(repeated))] += n
    if store.has("ParentContext"):
        dangling, repeated = store.db.rows(
            f"SELECT coalesce(sum(child_id IS NULL OR parent_id IS NULL), 0), coalesce(sum(n - 1), 0) "
            f"FROM ({_PARENT_SELECT}) grouped")[0]
        dangling += _parent_null_links(store)
        if dangling:
            skipped[PARENT_LINK_SKIPPED] += int(dangling)
        if repeated:
            skipped[PARENT_LINK_REPEATED] += int(repeated)
    return skipped
