"""Parsing store locations: SQLite paths and mysql:// URLs, and refusing passwords in URLs (no server)."""

from pathlib import Path

import pytest

from mlprov.core.errors import BadInputError
from mlprov.loader.store_location import MysqlLocation, SqliteLocation, parse_location


def test_paths_and_sqlite_urls():
    assert parse_location("stores/a.sqlite") == SqliteLocation(Path("stores/a.sqlite"))
    assert parse_location(Path("/x/a.db")) == SqliteLocation(Path("/x/a.db"))
    assert parse_location("sqlite:///rel/a.db") == SqliteLocation(Path("rel/a.db"))
    assert parse_location("sqlite:////abs/a.db") == SqliteLocation(Path("/abs/a.db"))
    assert parse_location("sqlite:////abs/a.db").default_source_name == "a"
    with pytest.raises(BadInputError, match="sqlite:///PATH"):
        parse_location("sqlite://host/a.db")


def test_mysql_urls():
    loc = parse_location("mysql://kfp@db.example:3307/metadb")
    assert loc == MysqlLocation("db.example", 3307, "metadb", "kfp", {})
    assert (loc.kind, loc.display, loc.default_source_name) == ("mlmd-mysql", "mysql://kfp@db.example:3307/metadb", "metadb")
    assert parse_location("mysql://kfp@db/metadb").port == 3306
    assert parse_location("mysql://db/metadb").user is None
    assert parse_location("mysql://u@[::1]:3306/m").display == "mysql://u@[::1]:3306/m"
    tls = parse_location("mysql://u@h/m?ssl_ca=~/ca.pem&ssl_verify_identity=1&ssl_verify_cert=false").tls
    assert tls == {"ssl_ca": str(Path("~/ca.pem").expanduser()), "ssl_verify_identity": True, "ssl_verify_cert": False}


@pytest.mark.parametrize("url, message", [
    ("mysql://u@h", "name one database"),
    ("mysql://u@h/", "name one database"),
    ("mysql://u@h:99999/m", "port"),
    ("mysql://u@h:port/m", "port"),
    ("mysql:///m", "no host"),
    ("mysql://u@h/m?ssl_key_password=x", "unknown option 'ssl_key_password'"),
    ("mysql://u@h/m?ssl_ca=a&ssl_ca=b", "given twice"),
    ("mysql://u@h/m?ssl_verify_cert=maybe", "takes 1 or 0"),
    ("postgres://u@h/m", "unsupported location"),
])
def test_bad_mysql_urls(url, message):
    with pytest.raises(BadInputError, match=message):
        parse_location(url)


@pytest.mark.parametrize("url", ["mysql://kfp:hunter2-secret@db:3306/metadb", "mysql://kfp:hunter2-secret@db/metadb?ssl_ca=x",
                                 "postgres://kfp:hunter2-secret@db/metadb"])
def test_a_password_in_a_url_is_refused_and_never_repeated(url):
    with pytest.raises(BadInputError) as refused:
        parse_location(url)
    assert "hunter2-secret" not in str(refused.value)
    assert "\n" not in str(refused.value)
    if url.startswith("mysql"):
        assert "password in the location is refused" in str(refused.value)
        assert str(refused.value).startswith("mysql://kfp@db")
