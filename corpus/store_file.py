"""The SQLite side of the corpus store writer, run as a process of its own beside the simulation.

SQLite's own work is about as much CPU time as the simulation, so `store_writer.StoreWriter`
starts this file as a child process (`python store_file.py STORE`) and streams it the rows; the
two then share the machine's cores. It imports nothing of mlprov (its start costs no imports):
everything it needs comes through stdin as marshalled messages, each preceded by its length
(8 bytes, little-endian):

    ("open", ddl, registration)          create the store: PRAGMAs, DDL, then one transaction of
                                         (sql, rows) pairs run with `executemany`
    ("rows", [(table, flat values)...])  one transaction: each table's rows, in that order
    ("close",)                           close the store and exit 0

"rows" needs the tables' statements, sent once after "open":

    ("statements", {table: (prefix, unit, suffix, params_per_unit, rows_per_unit)})

where `unit` is the VALUES text of one unit of rows, with a `?` for each of its parameters (a unit
is one row, or rows written together: an event's two EventPath rows), and a statement is `prefix`,
units joined by commas, `suffix`.

Rows are inserted in the order they were buffered, as `executemany` would: the file's bytes
depend on it. A failure ends the process with a non-zero status and the traceback on stderr.
"""

from __future__ import annotations

import marshal
import sqlite3
import sys

ROWS_PER_STATEMENT = 1000  # past a thousand rows a statement only grows, it does not get faster


class _Table:
    def __init__(self, prefix: str, unit: str, suffix: str, params_per_unit: int, rows_per_unit: int,
                 max_variables: int):
        self.prefix, self.unit, self.suffix = prefix, unit, suffix
        self.params = params_per_unit
        self.units_per_statement = max(1, min(ROWS_PER_STATEMENT // rows_per_unit, max_variables // params_per_unit))
        self.full = self.statement(self.units_per_statement)

    def statement(self, units: int) -> str:
        return f"{self.prefix}{','.join([self.unit] * units)}{self.suffix}"

    def insert(self, con: sqlite3.Connection, flat: list) -> None:
        step = self.units_per_statement * self.params
        whole = len(flat) - len(flat) % step
        full = self.full
        for start in range(0, whole, step):
            con.execute(full, flat[start:start + step])
        if whole < len(flat):
            con.execute(self.statement((len(flat) - whole) // self.params), flat[whole:])


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the store writer's input ended before it was closed")
    return data


def main(path: str) -> None:
    stream = sys.stdin.buffer
    con: sqlite3.Connection | None = None
    tables: dict[str, _Table] = {}
    while True:
        size = int.from_bytes(_read_exactly(stream, 8), "little")
        message = marshal.loads(_read_exactly(stream, size))
        kind = message[0]
        if kind == "rows":
            con.execute("BEGIN")
            for table, flat in message[1]:
                tables[table].insert(con, flat)
            con.execute("COMMIT")
        elif kind == "open":
            _, ddl, registration = message
            con = sqlite3.connect(path, isolation_level=None)
            # No journal: the file is written to a temporary name and renamed only when complete.
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.executescript(ddl)
            con.execute("BEGIN")
            for sql, rows in registration:
                con.executemany(sql, rows)
            con.execute("COMMIT")
        elif kind == "statements":
            max_variables = con.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            tables = {table: _Table(*spec, max_variables) for table, spec in message[1].items()}
        elif kind == "close":
            con.close()
            return
        else:
            raise ValueError(f"unknown message {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1])
