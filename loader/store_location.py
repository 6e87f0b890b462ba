"""Where an MLMD store lives: a SQLite file or a MySQL/MariaDB database, parsed from what a user typed.

Accepted forms:
  PATH                      a SQLite file (as before)
  sqlite:///PATH            the same; SQLAlchemy's convention, so sqlite:////abs/path is absolute
  mysql://USER@HOST[:PORT]/DATABASE[?OPTION=VALUE&...]
                            a MySQL or MariaDB database (port 3306 unless given); the options are
                            the TLS settings in TLS_OPTIONS, passed to the driver

A MySQL password is never part of a location: locations end up in shell history, process lists,
logs and the Source node. A URL that carries one is refused (the password comes from
MLPROV_MYSQL_PASSWORD or the [client] group of the MySQL option file, see mlmd_mysql.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from mlprov.core.errors import BadInputError

MYSQL_DEFAULT_PORT = 3306
# Query options a mysql:// location may carry: PyMySQL's own argument names, so they pass through
# unchanged. Only TLS settings: anything that is a secret (ssl_key_password) stays out of URLs.
TLS_PATH_OPTIONS = ("ssl_ca", "ssl_cert", "ssl_key")
TLS_FLAG_OPTIONS = ("ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")
TLS_OPTIONS = TLS_PATH_OPTIONS + TLS_FLAG_OPTIONS
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class SqliteLocation:
    path: Path

    kind = "mlmd-sqlite"

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def default_source_name(self) -> str:
        return self.path.stem

    @property
    def recorded(self) -> str:
        """What a Source node keeps, to find the store again from any folder: the absolute path."""
        return str(self.path.resolve())


@dataclass(frozen=True)
class MysqlLocation:
    host: str
    port: int
    database: str
    user: str | None = None
    tls: dict[str, str | bool] = field(default_factory=dict)

    kind = "mlmd-mysql"

    @property
    def display(self) -> str:
        """The location as a URL, without any password (there never is one) and without options."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        return f"mysql://{user}{host}:{self.port}/{self.database}"

    @property
    def default_source_name(self) -> str:
        return self.database

    @property
    def recorded(self) -> str:
        """What a Source node keeps, to find the store again: the URL with its TLS options (file
        paths and flags, no secret; never a password, which a location cannot hold)."""
        if not self.tls:
            return self.display
        options = "&".join(f"{key}={int(value) if isinstance(value, bool) else quote(str(value), safe='/')}"
                           for key, value in sorted(self.tls.items()))
        return f"{self.display}?{options}"


Location = SqliteLocation | MysqlLocation


def parse_location(location: str | Path) -> Location:
    """What `location` names, or BadInputError saying what is wrong with it."""
    if isinstance(location, Path):
        return SqliteLocation(location)
    text = str(location)
    scheme = _SCHEME.match(text)
    if not scheme:
        return SqliteLocation(Path(text))
    name = scheme.group(1).lower()
    if name == "sqlite":
        if not text.lower().startswith("sqlite:///") or len(text) == len("sqlite:///"):
            raise BadInputError(f"{text}: a SQLite location is sqlite:///PATH (sqlite:////PATH for an absolute path)")
        return SqliteLocation(Path(text[len("sqlite:///"):]))
    if name == "mysql":
        return _mysql_location(text)
    raise BadInputError(f"{_without_userinfo(text)}: unsupported location (use a file path, sqlite:///PATH "
                        "or mysql://USER@HOST:PORT/DATABASE)")


def _mysql_location(text: str) -> MysqlLocation:
    parts = urlsplit(text)
    shown = _without_userinfo(text)
    if parts.password is not None:
        raise BadInputError(
            f"{shown}: a password in the location is refused (it would end up in shell history, process "
            "lists and logs); set MLPROV_MYSQL_PASSWORD or put it in the [client] group of ~/.my.cnf "
            "(or the option file named by MLPROV_MYSQL_OPTION_FILE)")
    try:
        port = parts.port or MYSQL_DEFAULT_PORT
    except ValueError:
        raise BadInputError(f"{shown}: the port is not a number between 0 and 65535") from None
    if not parts.hostname:
        raise BadInputError(f"{shown}: no host; a MySQL location is mysql://USER@HOST:PORT/DATABASE")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise BadInputError(f"{shown}: name one database; a MySQL location is mysql://USER@HOST:PORT/DATABASE")
    user = unquote(parts.username) if parts.username else None
    return MysqlLocation(parts.hostname, port, database, user, _tls_options(shown, parts.query))


def _tls_options(shown: str, query: str) -> dict[str, str | bool]:
    options: dict[str, str | bool] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise BadInputError(f"{shown}: options after '?' are NAME=VALUE pairs joined by '&'") from None
    for key, value in pairs:
        if key not in TLS_OPTIONS:
            raise BadInputError(f"{shown}: unknown option {key!r} (known: {', '.join(TLS_OPTIONS)})")
        if key in options:
            raise BadInputError(f"{shown}: option {key!r} is given twice")
        if key in TLS_FLAG_OPTIONS:
            if value.lower() not in _TRUE | _FALSE:
                raise BadInputError(f"{shown}: option {key!r} takes 1 or 0, not {value!r}")
            options[key] = value.lower() in _TRUE
        else:
            if not value:
                raise BadInputError(f"{shown}: option {key!r} needs a file path")
            options[key] = str(Path(value).expanduser())
    return options


def _without_userinfo(text: str) -> str:
    """`text` with any `user:password@` reduced to `user@`, so that an error can quote it safely."""
    parts = urlsplit(text)
    if parts.password is None:
        return text.split("?", 1)[0]
    host = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{parts.path}"
