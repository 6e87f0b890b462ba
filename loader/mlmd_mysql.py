"""An MLMD store in MySQL or MariaDB (what Kubeflow Pipelines keeps): one read-only connection that
reads one consistent snapshot.

The password never comes from the location: MLPROV_MYSQL_PASSWORD if set, else the `password` of
the [client] group of the MySQL option file (MLPROV_MYSQL_OPTION_FILE, default ~/.my.cnf), read
with PyMySQL's own option-file parser. Only `password` (and `user`, when the location names none)
is taken from that file: where and how to connect (host, port, socket, TLS) is what the location
says, so a `socket=` line meant for the mysql client cannot divert the connection. The password is
handed to the driver and to nothing else: no log line, no error message.

Column types of ml-metadata's MySQL schema (v10, ml_metadata/util/metadata_source_query_config.cc;
checked with SHOW CREATE TABLE on a store ml-metadata 1.17.1 created in MariaDB 10.11) that the
reader depends on, and what PyMySQL hands back for them:
  *_property.string_value MEDIUMTEXT, uri/step_key TEXT, names VARCHAR(255)  -> str (utf8mb4)
  *_property.int_value INT, double_value DOUBLE                              -> int, float
  *_property.bool_value BOOLEAN = TINYINT(1), is_custom_property,
  EventPath.is_index_step TINYINT(1)                                         -> int 0/1, never bool
  create/last_update_time_since_epoch, Event.milliseconds_since_epoch BIGINT -> int
  byte_value/proto_value MEDIUMBLOB                                          -> not read
EventPath has no key at all (SQLite's rowid orders a path's steps there); MySQL gives them in the
order of its event_id index, which is the order they were written.
"""

from __future__ import annotations

import os
from configparser import Error as OptionFileError, RawConfigParser
from pathlib import Path
from typing import Sequence

import pymysql
from pymysql.constants import CR, ER
from pymysql.optionfile import Parser

from mlprov.core.errors import BadInputError
from mlprov.loader.mlmd_decode import Column
from mlprov.loader.store_location import MysqlLocation

PASSWORD_ENV = "MLPROV_MYSQL_PASSWORD"
OPTION_FILE_ENV = "MLPROV_MYSQL_OPTION_FILE"
DEFAULT_OPTION_FILE = "~/.my.cnf"
OPTION_GROUP = "client"
# An unreachable host should fail fast; a query that hangs longer than the read timeout means a
# dead server or network (each query reads one bounded chunk).
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 600
# The canonical MLMD table names, to find them on servers that fold table names to lower case
# (lower_case_table_names=1 on Windows and macOS).
MLMD_TABLES = (
    "Type", "TypeProperty", "ParentType", "Artifact", "ArtifactProperty", "Execution", "ExecutionProperty",
    "Event", "EventPath", "Context", "ContextProperty", "ParentContext", "Association", "Attribution", "MLMDEnv",
)
# A snapshot only holds under REPEATABLE READ: under READ COMMITTED, InnoDB ignores WITH CONSISTENT
# SNAPSHOT and every query would see the latest commit. The session is read-only too, so nothing
# this reader sends can write, even outside the transaction.
SNAPSHOT_STATEMENTS = (
    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
    "SET SESSION TRANSACTION READ ONLY",
    "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
)


class MysqlDatabase:
    """The open connection; every query is fetched whole before the next one is sent (a MySQL
    connection carries one result at a time), and the callers keep each one to a bounded chunk."""

    what = "a MySQL database"
    errors = (pymysql.err.Error,)
    insertion_order = None  # EventPath: see the module docstring

    def __init__(self, connection: pymysql.connections.Connection, location: MysqlLocation, secret: str | None):
        self.connection = connection
        self.location = location
        self._secret = secret

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        # Our SQL is written with SQLite's `?` marks and holds no literal `?` or `%`.
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), tuple(params) if params else None)
                return list(cursor.fetchall())
        except pymysql.err.Error as exc:
            message = f"{self.location.display}: {self.describe_error(exc)}"
            raise BadInputError(_redacted(message, self._secret)) from None

    def catalogue(self) -> dict[str, dict[str, Column]]:
        """Each table's columns (kind of value, sole primary key), under the canonical MLMD name where
        the server folded its case."""
        canonical = {name.lower(): name for name in MLMD_TABLES}
        columns: dict[str, dict[str, Column]] = {}
        rows = self.rows("SELECT table_name, column_name, data_type, column_key FROM information_schema.columns "
                         "WHERE table_schema = DATABASE()")
        primary = {}
        for table, column, _type, key in rows:
            if key == "PRI":
                primary.setdefault(table, []).append(column)
        for table, column, data_type, _key in rows:
            columns.setdefault(canonical.get(table.lower(), table), {})[column] = Column(
                _kind(data_type), primary.get(table) == [column])
        return columns

    def unique_key_columns(self, table: str) -> list[tuple[str, str]]:
        """(index, column) for each column of `table`'s unique indexes (its primary key included)."""
        return self.rows("SELECT index_name, column_name FROM information_schema.statistics "
                         "WHERE table_schema = DATABASE() AND lower(table_name) = lower(?) AND non_unique = 0", (table,))

    def not_an_integer(self, expression: str) -> str:
        # MySQL columns hold only their declared type: an integer column holds integers or NULL.
        return f"{expression} IS NULL"

    def describe_error(self, exc: Exception) -> str:
        return _redacted(_explain(exc, self.location), self._secret)

    def close(self) -> None:
        try:
            self.connection.close()
        except pymysql.err.Error:
            pass  # already gone; nothing was written, so nothing is lost


def _kind(data_type: str) -> str:
    """A MySQL column type as the SQLite affinity the structure check compares (mlmd_decode.py)."""
    data_type = data_type.lower()
    if data_type.endswith("int"):
        return "integer"
    if data_type.endswith("char") or data_type.endswith("text"):
        return "text"
    if data_type in ("double", "float", "decimal"):
        return "real"
    return "blob" if data_type.endswith("blob") or data_type.endswith("binary") else "numeric"


def open_mysql(location: MysqlLocation) -> MysqlDatabase:
    """Connect, make the session read-only and start one consistent snapshot, else BadInputError."""
    user, secret = _credentials(location)
    try:
        # PyMySQL's connect timeout covers only the TCP connect; the handshake that follows runs
        # under its read timeout, so that is short too until the server has answered (a host that
        # accepts and then says nothing would otherwise hold us for READ_TIMEOUT_S).
        connection = pymysql.connect(
            host=location.host, port=location.port, user=user, password=_encoded(secret),
            database=location.database, charset="utf8mb4", connect_timeout=CONNECT_TIMEOUT_S,
            # No implicit transactions: the one START TRANSACTION below is what holds the snapshot.
            autocommit=True,
            read_timeout=CONNECT_TIMEOUT_S, write_timeout=CONNECT_TIMEOUT_S, **location.tls,
        )
    except (pymysql.err.Error, OSError) as exc:
        message = f"{location.display}: {_explain(exc, location, connecting=True)}"
        raise BadInputError(_redacted(message, secret)) from None
    # Connected: queries get the long timeouts. PyMySQL reads these attributes before each packet
    # (tests/mysql/test_mysql_errors.py checks that a query longer than the connect timeout runs).
    connection._read_timeout = READ_TIMEOUT_S
    connection._write_timeout = READ_TIMEOUT_S
    database = MysqlDatabase(connection, location, secret)
    try:
        for statement in SNAPSHOT_STATEMENTS:
            database.rows(statement)
    except BadInputError:
        database.close()
        raise
    return database


def _credentials(location: MysqlLocation) -> tuple[str | None, str | None]:
    """(user, password): the environment first, then the option file; never the location."""
    options = _option_file(location)
    user = location.user or options.get("user")
    if PASSWORD_ENV in os.environ:
        return user, os.environ[PASSWORD_ENV]
    return user, options.get("password")


def _option_file(location: MysqlLocation) -> dict[str, str]:
    named = os.environ.get(OPTION_FILE_ENV)
    path = Path(named or DEFAULT_OPTION_FILE).expanduser()
    if not path.is_file():
        if named:
            raise BadInputError(f"{location.display}: the MySQL option file {path} named by {OPTION_FILE_ENV} "
                                "does not exist")
        return {}
    parser = Parser()
    try:
        parser.read(path, encoding="utf-8")
    except (OptionFileError, UnicodeDecodeError) as exc:
        # configparser's messages quote the offending line, which may hold the password: say where only.
        raise BadInputError(f"{location.display}: cannot parse the MySQL option file {path} "
                            f"({type(exc).__name__})") from None
    if not parser.has_section(OPTION_GROUP):
        return {}
    values = {}
    for key in ("user", "password"):
        # A bare `password` line (no value) is the mysql client's "ask me"; we cannot ask: no password.
        if parser.has_option(OPTION_GROUP, key) and RawConfigParser.get(parser, OPTION_GROUP, key) is not None:
            values[key] = parser.get(OPTION_GROUP, key)
    return values


def _encoded(secret: str | None) -> bytes:
    # PyMySQL would encode a str password as latin-1 and fail on anything else; servers compare bytes.
    return secret.encode("utf-8") if secret else b""


def _explain(exc: Exception, location: MysqlLocation, connecting: bool = False) -> str:
    """One line saying what went wrong, from a driver error; never with the password."""
    code = exc.args[0] if isinstance(exc, pymysql.err.Error) and exc.args and isinstance(exc.args[0], int) else None
    server_says = exc.args[1] if code is not None and len(exc.args) > 1 else str(exc)
    unreachable = (CR.CR_CONN_HOST_ERROR, CR.CR_UNKNOWN_HOST, CR.CR_CONNECTION_ERROR)
    if code in unreachable or (connecting and code in (CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST)):
        return (f"cannot reach the MySQL server at {location.host}:{location.port} ({_reason(server_says)}); "
                "is the host and port right and the server up?")
    if code == ER.ACCESS_DENIED_ERROR:
        return (f"access denied ({server_says}); check the user and the password in {PASSWORD_ENV} "
                f"or the [client] group of the option file ({OPTION_FILE_ENV}, default {DEFAULT_OPTION_FILE})")
    if code == ER.BAD_DB_ERROR:
        return f"database {location.database!r} does not exist on this server"
    if code in (ER.DBACCESS_DENIED_ERROR, ER.TABLEACCESS_DENIED_ERROR):
        return f"not allowed to read this database ({server_says}); grant the user SELECT on it"
    if code in (CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST):
        return f"lost the connection to the MySQL server ({server_says}); run the command again"
    if code is not None:
        return f"MySQL error {code}: {server_says}"
    return f"MySQL connection failed ({type(exc).__name__}: {server_says})"


def _reason(message: str) -> str:
    """The operating system's reason inside PyMySQL's "Can't connect to MySQL server on 'h' (reason)"."""
    start = message.find("(")
    return message[start + 1:-1] if start >= 0 and message.endswith(")") else message


def _redacted(message: str, secret: str | None) -> str:
    """A last guard: no message leaves here with the password in it, whatever a server echoed."""
    return message.replace(secret, "***") if secret else message
