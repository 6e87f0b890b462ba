"""What a Source node remembers of its store, so that a later sync reads only what changed and
can tell that the store is still the same one (rules §10).

- Watermarks: per MLMD table, its highest id, its latest `last_update_time_since_epoch` (artifacts,
  executions, contexts) and its row count. A sync reads the rows after them.
- Identity: a digest of the Type rows (MLMD never renumbers or renames a registered type) and the
  first rows of Artifact, Execution and Context (id, type and create time, or name for a context):
  a different store at the same location differs there.
- Version: what changes whenever the store's content changes and is equal for equal content: the
  file's sha256 for a SQLite store (also kept as `sha256`), and for a database, which has no file,
  a sha256 of its schema version and watermarks (MLMD moves them with every write).

All of it is read in the store's one read transaction, so it describes exactly the rows that the
load or sync reading in the same transaction sees. A fresh load and a sync of the same store state
record the same values.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass

from mlprov.core.errors import BadInputError
from mlprov.loader import mlmd

ID_TABLES = ("Artifact", "Execution", "Context", "Event", "Attribution", "Association")
UPDATED_TABLES = ("Artifact", "Execution", "Context")
COUNTED_TABLES = (*ID_TABLES, "ParentContext")
# First rows kept per node table: enough to tell two stores apart, few enough to check in a blink.
FIRST_ROWS = 3


@dataclass(frozen=True)
class Watermarks:
    max_id: dict[str, int | None]
    max_update_ms: dict[str, int | None]  # None: the table is empty, or its schema has no update time
    count: dict[str, int]
    # The store's one pipeline name, when its `pipeline` contexts have exactly one: the pipeline of
    # executions without a pipeline context (rules §2). When it changes, every execution is re-read.
    single_pipeline: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Watermarks:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Identity:
    max_type_id: int | None
    types_digest: str  # of the types with ids up to max_type_id
    first_rows: dict[str, list[list]]  # table -> [[id, type_id, create time or context name], ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Identity:
        return cls(**json.loads(text))


def read_watermarks(store: mlmd.Store) -> Watermarks:
    max_id, max_update, count = {}, {}, {}
    for table in COUNTED_TABLES:
        present = store.has(table)
        count[table] = store.count(table) if present else 0
        if table in ID_TABLES:
            max_id[table] = store.db.rows(f"SELECT max(id) FROM `{table}`")[0][0] if present else None
        if table in UPDATED_TABLES:
            has_time = store.has(table, "last_update_time_since_epoch")
            max_update[table] = (store.db.rows(f"SELECT max(last_update_time_since_epoch) FROM `{table}`")[0][0]
                                 if has_time else None)
    pipeline_names = set(mlmd.pipeline_contexts(store))
    return Watermarks(max_id, max_update, count, pipeline_names.pop() if len(pipeline_names) == 1 else None)


def _types_digest(store: mlmd.Store, up_to: int | None) -> str:
    rows = store.db.rows("SELECT id, type_kind, name FROM Type WHERE id <= ? ORDER BY id",
                         (up_to if up_to is not None else -1,))
    return hashlib.sha256("".join(f"{i}\t{k}\t{n}\n" for i, k, n in rows).encode()).hexdigest()


def _row_identity_select(store: mlmd.Store, table: str) -> str:
    # A context is named for good (unique per type); artifacts and executions carry a create time.
    third = "name" if table == "Context" else store.col(table, "create_time_since_epoch")
    return f"SELECT id, type_id, {third} FROM `{table}`"


def read_identity(store: mlmd.Store) -> Identity:
    max_type_id = store.db.rows("SELECT max(id) FROM Type")[0][0]
    first_rows = {table: [list(row) for row in store.db.rows(
        f"{_row_identity_select(store, table)} ORDER BY id LIMIT ?", (FIRST_ROWS,))] for table in UPDATED_TABLES}
    return Identity(max_type_id, _types_digest(store, max_type_id), first_rows)


def check_same_store(store: mlmd.Store, recorded: Identity, source: str) -> None:
    """Refuse (BadInputError) a store whose past differs from what `source` recorded, in ways MLMD
    never changes a store: its types, or the first rows (present rows only: rows may leave)."""
    where = store.identity.location
    advice = f"pass --replace to reload source {source!r} from it in full"
    if _types_digest(store, recorded.max_type_id) != recorded.types_digest:
        raise BadInputError(f"{where}: its MLMD types are not those of source {source!r} (type ids renumbered, or "
                            f"another store at this location); {advice}")
    for table, rows in recorded.first_rows.items():
        for row in rows:
            found = store.db.rows(f"{_row_identity_select(store, table)} WHERE id = ?", (row[0],))
            if found and list(found[0]) != row:
                raise BadInputError(f"{where}: {table.lower()} {row[0]} is not the one source {source!r} holds "
                                    f"(another store at this location, or ids reused); {advice}")


@dataclass(frozen=True)
class StoreState:
    """Everything the Source node records about one store state."""

    kind: str
    location: str
    path: str | None
    # The store's sha256, being computed beside the read (`read_state`); `sha256` waits for it.
    digest: Future
    schema_version: int
    watermarks: Watermarks
    identity: Identity

    @property
    def sha256(self) -> str:
        return self.digest.result()

    @property
    def version(self) -> str:
        return self.sha256

    def facts(self) -> dict:
        """The Source node's properties for this store state (a file's `path` only for files)."""
        facts = {"kind": self.kind, "location": self.location, "sha256": self.sha256, "version": self.version,
                 "schema_version": self.schema_version, "watermarks": self.watermarks.to_json(),
                 "identity": self.identity.to_json()}
        if self.path is not None:
            facts["path"] = self.path
        return facts


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_state(store: mlmd.Store) -> StoreState:
    """The store's state as of its read transaction. A SQLite file cannot change under an open read
    transaction (a writer waits for it), so its bytes hashed now are the rows read now.

    A file is hashed in a thread of its own while the caller goes on reading the store in the same
    transaction (at L 2.5 GB: about 1.7 s of a day's sync, which hashlib and the file reads do
    without holding the GIL); the digest is waited for where it is used. Callers keep the store
    open until then, and compare watermarks before versions, so a store that changed is known to
    have changed without waiting."""
    watermarks = read_watermarks(store)
    digest: Future = Future()
    if store.path is not None:
        hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-sha256")
        digest = hashing.submit(file_sha256, store.path)
        hashing.shutdown(wait=False)
    else:
        content = json.dumps({"schema_version": store.schema_version, "watermarks": asdict(watermarks)}, sort_keys=True)
        digest.set_result(hashlib.sha256(content.encode()).hexdigest())
    return StoreState(
        kind=store.identity.kind,
        location=store.location.recorded if store.location is not None else store.identity.location,
        path=str(store.path) if store.path is not None else None,
        digest=digest,
        schema_version=store.schema_version,
        watermarks=watermarks,
        identity=read_identity(store),
    )
