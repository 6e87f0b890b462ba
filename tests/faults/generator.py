"""A deterministic generator of bad MLMD inputs (rules §2 step 1).

`cases(base)` returns the same list of `Case`s every time for the same base store: each names its
kind and says how to make its input from a copy of `base` (a real v10 store). Every mutation is
seeded by the case's name, so a failing case is reproduced by its name alone:

    from tests.faults.generator import cases
    case = next(c for c in cases(base) if c.name == "flip-17")
    path = case.make(tmp_path)

Kinds: pages overwritten, bytes flipped, truncated files, tables dropped or renamed, columns missing
or extra, NULLs and text in id / name / foreign-key columns, BLOB and latin-1 names, duplicated rows
of each table (with a new id, and whole rows in a table rebuilt without its keys), dangling
references, 1 MB names, wrong / text / missing schema versions, and files that are no store at all
(empty, a directory, a FIFO, a foreign SQLite database, text, random bytes behind a SQLite header).
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PAGE = 4096
ONE_MB = 1 << 20

# The MLMD tables of a v10 store and the columns the reader takes from each (loader/mlmd_decode.py).
TABLES = ("Type", "Artifact", "ArtifactProperty", "Execution", "ExecutionProperty", "Context", "ContextProperty",
          "Event", "EventPath", "Association", "Attribution", "ParentContext", "MLMDEnv")
READ_COLUMNS = {
    "Type": ("id", "name", "type_kind"),
    "Artifact": ("id", "type_id", "uri", "state", "name", "create_time_since_epoch", "last_update_time_since_epoch"),
    "ArtifactProperty": ("artifact_id", "name", "is_custom_property", "int_value", "double_value", "string_value",
                         "bool_value"),
    "Execution": ("id", "type_id", "last_known_state", "name", "create_time_since_epoch",
                  "last_update_time_since_epoch"),
    "ExecutionProperty": ("execution_id", "name", "is_custom_property", "string_value"),
    "Context": ("id", "type_id", "name", "create_time_since_epoch"),
    "ContextProperty": ("context_id", "name", "string_value"),
    "Event": ("id", "artifact_id", "execution_id", "type", "milliseconds_since_epoch"),
    "EventPath": ("event_id", "is_index_step", "step_index", "step_key"),
    "Association": ("id", "context_id", "execution_id"),
    "Attribution": ("id", "context_id", "artifact_id"),
    "ParentContext": ("context_id", "parent_context_id"),
    "MLMDEnv": ("schema_version",),
}
# Columns holding an id or a reference, where NULL and text go; and the text columns for bad bytes.
KEY_COLUMNS = {
    "Type": ("id",), "Artifact": ("id", "type_id"), "Execution": ("id", "type_id"), "Context": ("id", "type_id"),
    "Event": ("id", "artifact_id", "execution_id", "type"), "Association": ("id", "context_id", "execution_id"),
    "Attribution": ("id", "context_id", "artifact_id"), "ParentContext": ("context_id", "parent_context_id"),
    "ArtifactProperty": ("artifact_id",), "ExecutionProperty": ("execution_id",), "ContextProperty": ("context_id",),
    "EventPath": ("event_id",),
}
NAME_COLUMNS = {
    "Type": ("name",), "Context": ("name",), "Artifact": ("name", "uri"), "Execution": ("name",),
    "ArtifactProperty": ("name", "string_value"), "ExecutionProperty": ("name", "string_value"),
    "ContextProperty": ("name", "string_value"), "EventPath": ("step_key",),
}


@dataclass(frozen=True)
class Case:
    name: str  # unique; also the file's stem, so the source's name
    kind: str
    build: Callable[[Path], None]  # writes the input at the given path (a copy of the base is there)
    copy_base: bool = True

    def make(self, folder: Path, base: Path) -> Path:
        path = folder / f"{self.name}.sqlite"
        if self.copy_base:
            shutil.copyfile(base, path)
        self.build(path)
        return path


def _rng(name: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))


def _sql(path: Path, *statements: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA legacy_alter_table = ON")  # renames leave the indexes' tables alone
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
    finally:
        conn.close()


def _without_keys(path: Path, table: str, columns: tuple[str, ...] | None = None) -> None:
    """Rebuild `table` without its constraints (no primary key, no NOT NULL, no UNIQUE), keeping the
    declared kinds, so that NULLs, text and repeated ids can go in; `columns` keeps only those."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        info = conn.execute(f"PRAGMA table_info(`{table}`)").fetchall()
        kept = [r for r in info if columns is None or r[1] in columns]
        declared = ", ".join(f"`{r[1]}` {r[2]}" for r in kept) or "`other` INTEGER"
        names = ", ".join(f"`{r[1]}`" for r in kept) or "NULL"
        conn.execute("BEGIN")
        conn.execute(f"CREATE TABLE `{table}__new` ({declared})")
        conn.execute(f"INSERT INTO `{table}__new` SELECT {names} FROM `{table}`")
        conn.execute(f"DROP TABLE `{table}`")
        conn.execute(f"ALTER TABLE `{table}__new` RENAME TO `{table}`")
        conn.execute("COMMIT")
    finally:
        conn.close()


def _first_row(table: str) -> str:
    return f"rowid = (SELECT min(rowid) FROM `{table}`)"


# --- byte-level damage ---------------------------------------------------------------------------

def _overwrite_page(page: int, pattern: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        size = path.stat().st_size
        rng = _rng(f"page-{page}-{pattern}")
        data = bytes(PAGE) if pattern == "zeros" else bytes(rng.randrange(256) for _ in range(PAGE))
        with path.open("r+b") as fh:
            fh.seek((page % (size // PAGE)) * PAGE)
            fh.write(data)
    return build


def _flip(seed: int, count: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        rng = _rng(f"flip-{seed}-{count}")
        raw = bytearray(path.read_bytes())
        for _ in range(count):
            # Past the 100-byte header, where the pages are (the header alone is checked on open).
            at = rng.randrange(100, len(raw))
            raw[at] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(raw))
    return build


def _truncate(keep: Callable[[int], int]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        raw = path.read_bytes()
        path.write_bytes(raw[:keep(len(raw))])
    return build


# --- files that are no store ---------------------------------------------------------------------

def _directory(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _text(path: Path) -> None:
    path.write_text("id,name\n1,penguin\n", encoding="utf-8")


def _random_after_header(path: Path) -> None:
    rng = _rng("random-after-header")
    path.write_bytes(b"SQLite format 3\x00" + bytes(rng.randrange(256) for _ in range(PAGE * 4 - 16)))


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE penguins (id INTEGER PRIMARY KEY, species TEXT, bill_mm REAL)")
        conn.executemany("INSERT INTO penguins (species, bill_mm) VALUES (?, ?)", [("Adelie", 39.1), ("Gentoo", 47.5)])
    conn.close()


def _mlmd_shaped_foreign(path: Path) -> None:
    """Every MLMD table name, none of MLMD's columns."""
    conn = sqlite3.connect(path)
    with conn:
        for table in TABLES:
            conn.execute(f"CREATE TABLE `{table}` (x TEXT)")
    conn.close()


def _missing(path: Path) -> None:
    pass  # nothing is written: the path does not exist


# --- cases ---------------------------------------------------------------------------------------

def cases() -> list[Case]:
    found: list[Case] = []

    def add(name: str, kind: str, build: Callable[[Path], None], copy_base: bool = True) -> None:
        found.append(Case(name, kind, build, copy_base))

    # Pages overwritten (random bytes, zeros) and bytes flipped: SQLite finds the damage when a query
    # reaches it, maybe half-way through a load.
    for page in range(1, 61, 2):
        add(f"page-random-{page}", "page overwritten", _overwrite_page(page, "random"))
    for page in range(2, 61, 6):
        add(f"page-zeros-{page}", "page overwritten", _overwrite_page(page, "zeros"))
    for seed in range(30):
        add(f"flip-{seed}", "bytes flipped", _flip(seed, 1 + seed % 5 * 8))
    for label, keep in (("zero", lambda n: 0), ("header", lambda n: 50), ("first-page", lambda n: PAGE),
                        ("half", lambda n: n // 2), ("minus-page", lambda n: n - PAGE), ("minus-one", lambda n: n - 1),
                        ("100", lambda n: 100), ("three-pages", lambda n: 3 * PAGE)):
        add(f"truncated-{label}", "truncated file", _truncate(keep))

    # Files that are no MLMD store.
    add("empty-file", "not a store", _empty, copy_base=False)
    add("a-directory", "not a store", _directory, copy_base=False)
    add("a-fifo", "not a store", _fifo, copy_base=False)
    add("text-file", "not a store", _text, copy_base=False)
    add("random-after-header", "not a store", _random_after_header, copy_base=False)
    add("foreign-sqlite", "not a store", _foreign_sqlite, copy_base=False)
    add("mlmd-names-foreign-columns", "not a store", _mlmd_shaped_foreign, copy_base=False)
    add("no-such-file", "not a store", _missing, copy_base=False)

    # Tables dropped or renamed.
    for table in TABLES:
        add(f"drop-{table}", "table dropped", lambda p, t=table: _sql(p, f"DROP TABLE `{t}`"))
        add(f"rename-{table}", "table renamed", lambda p, t=table: _sql(p, f"ALTER TABLE `{t}` RENAME TO `{t}_old`"))

    # Columns missing (the table rebuilt without one the reader takes) or extra.
    for table, columns in READ_COLUMNS.items():
        for column in columns:
            def drop_column(p: Path, t=table, c=column) -> None:
                info = sqlite3.connect(p).execute(f"PRAGMA table_info(`{t}`)").fetchall()
                _without_keys(p, t, tuple(r[1] for r in info if r[1] != c))
            add(f"no-column-{table}.{column}", "column missing", drop_column)
        add(f"extra-column-{table}", "column extra",
            lambda p, t=table: _sql(p, f"ALTER TABLE `{t}` ADD COLUMN `surprise` TEXT DEFAULT 'x'"))

    # NULLs and text in id and reference columns (the table rebuilt without its constraints).
    for table, columns in KEY_COLUMNS.items():
        for column in columns:
            add(f"null-{table}.{column}", "NULL in id/FK",
                lambda p, t=table, c=column: (_without_keys(p, t), _sql(p, f"UPDATE `{t}` SET `{c}` = NULL WHERE {_first_row(t)}")))
            add(f"text-{table}.{column}", "text in id/FK",
                lambda p, t=table, c=column: (_without_keys(p, t), _sql(p, f"UPDATE `{t}` SET `{c}` = 'abc' WHERE {_first_row(t)}")))
    for table in ("Type", "Context", "ArtifactProperty"):
        add(f"null-{table}.name", "NULL in name",
            lambda p, t=table: (_without_keys(p, t), _sql(p, f"UPDATE `{t}` SET name = NULL WHERE {_first_row(t)}")))

    # BLOB and latin-1 bytes in text columns.
    for table, columns in NAME_COLUMNS.items():
        for column in columns:
            where = f"{_first_row(table)}" if column != "string_value" else \
                f"rowid = (SELECT min(rowid) FROM `{table}` WHERE string_value IS NOT NULL)"
            add(f"blob-{table}.{column}", "BLOB / latin-1 text",
                lambda p, t=table, c=column, w=where: _sql(p, f"UPDATE `{t}` SET `{c}` = X'00ff10fe' WHERE {w}"))
            add(f"latin1-{table}.{column}", "BLOB / latin-1 text",
                lambda p, t=table, c=column, w=where: _sql(p, f"UPDATE `{t}` SET `{c}` = CAST(X'50696e67fc696e' AS TEXT) WHERE {w}"))

    # Duplicated rows: with a new id (what a writer without MLMD's unique indexes leaves), and whole
    # rows, ids included, in a table rebuilt without its keys.
    for table in ("Event", "Attribution", "Association"):
        def duplicate_new_id(p: Path, t=table) -> None:
            others = ", ".join(c for c in READ_COLUMNS[t] if c != "id")
            _without_keys(p, t)
            _sql(p, f"INSERT INTO `{t}` (id, {others}) SELECT id + 100000, {others} FROM `{t}` WHERE {_first_row(t)}")
        add(f"duplicate-new-id-{table}", "duplicated rows", duplicate_new_id)
        add(f"duplicate-all-new-ids-{table}", "duplicated rows",
            lambda p, t=table: (_without_keys(p, t), _sql(p, f"INSERT INTO `{t}` SELECT * FROM `{t}`"),
                                _sql(p, f"UPDATE `{t}` SET id = id + 100000 WHERE rowid > (SELECT count(*) / 2 FROM `{t}`)")))
    for table in ("Type", "Artifact", "Execution", "Context", "Event", "Attribution", "Association",
                  "ArtifactProperty", "ExecutionProperty", "ContextProperty", "EventPath", "ParentContext", "MLMDEnv"):
        add(f"duplicate-whole-row-{table}", "duplicated rows",
            lambda p, t=table: (_without_keys(p, t), _sql(p, f"INSERT INTO `{t}` SELECT * FROM `{t}` WHERE {_first_row(t)}")))
    add("duplicate-whole-table-ParentContext", "duplicated rows",
        lambda p: (_without_keys(p, "ParentContext"), _sql(p, "INSERT INTO ParentContext SELECT * FROM ParentContext")))

    # Dangling references: the rows they point at deleted.
    add("dangling-artifact", "dangling reference", lambda p: _sql(p, "DELETE FROM Artifact WHERE id = 3"))
    add("dangling-execution", "dangling reference", lambda p: _sql(p, "DELETE FROM Execution WHERE id = 4"))
    add("dangling-context", "dangling reference", lambda p: _sql(p, "DELETE FROM Context WHERE id = 1"))
    add("dangling-type", "dangling reference",
        lambda p: _sql(p, "DELETE FROM Type WHERE id = (SELECT type_id FROM Artifact ORDER BY id LIMIT 1)"))
    add("dangling-everything", "dangling reference",
        lambda p: _sql(p, "DELETE FROM Artifact", "DELETE FROM Execution", "DELETE FROM Context"))
    add("dangling-property-owner", "dangling reference",
        lambda p: _sql(p, "UPDATE ArtifactProperty SET artifact_id = 999999 WHERE " + _first_row("ArtifactProperty")))
    add("event-type-unknown", "dangling reference", lambda p: _sql(p, "UPDATE Event SET type = 0 WHERE id = 1"))
    add("event-type-out-of-range", "dangling reference", lambda p: _sql(p, "UPDATE Event SET type = 99 WHERE id = 2"))

    # 1 MB values.
    big = "x" * ONE_MB
    for table, column in (("Type", "name"), ("Context", "name"), ("Artifact", "name"), ("Artifact", "uri"),
                          ("Execution", "name"), ("ArtifactProperty", "string_value"), ("EventPath", "step_key")):
        add(f"huge-{table}.{column}", "1 MB value",
            lambda p, t=table, c=column: _sql(p, f"UPDATE `{t}` SET `{c}` = ? WHERE {_first_row(t)}", params=(big,)))
    add("huge-component_id", "1 MB value", lambda p: _sql(
        p, "INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, string_value) "
           "VALUES ((SELECT min(id) FROM Execution), 'component_id', 0, ?)", params=(big,)))
    add("huge-node-context", "1 MB value", lambda p: _sql(
        p, "UPDATE Context SET name = ? WHERE type_id IN (SELECT id FROM Type WHERE name = 'node') "
           "AND id = (SELECT min(c.id) FROM Context c JOIN Type t ON t.id = c.type_id WHERE t.name = 'node')",
        params=(big,)))

    # Schema versions: wrong, text, missing, several.
    for label, value in (("3", "3"), ("11", "11"), ("0", "0"), ("minus-1", "-1"), ("999", "999"),
                         ("text-10", "'10'"), ("text-space-9", "' 9'"), ("text-ten", "'ten'"), ("null", "NULL"),
                         ("real-10", "10.0"), ("blob-10", "X'3130'")):
        # Declared without a type, so text stays text (an INTEGER column would convert '10').
        add(f"schema-version-{label}", "schema version",
            lambda p, v=value: _sql(p, "DROP TABLE MLMDEnv", "CREATE TABLE MLMDEnv (schema_version)",
                                    f"INSERT INTO MLMDEnv VALUES ({v})"))
    add("schema-version-missing", "schema version", lambda p: _sql(p, "DELETE FROM MLMDEnv"))
    add("schema-version-two-rows", "schema version", lambda p: _sql(p, "INSERT INTO MLMDEnv VALUES (9)"))
    add("schema-version-4-with-v10-tables", "schema version", lambda p: _sql(p, "UPDATE MLMDEnv SET schema_version = 4"))
    add("schema-version-10-without-v5-columns", "schema version",
        lambda p: _without_keys(p, "Execution", ("id", "type_id")))

    names = [case.name for case in found]
    assert len(names) == len(set(names)), "case names must be unique"
    return found
