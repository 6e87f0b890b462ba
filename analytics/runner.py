"""Run a stored query by name and get a pandas DataFrame."""

from __future__ import annotations

from typing import Any

import neo4j
import pandas as pd

from mlprov.analytics.graphlets import built_settings
from mlprov.core import queries
from mlprov.core.connection import Target
from mlprov.core.errors import UsageError
from mlprov.server.locate import connect


def run(name: str, target: Target | None = None, **params: Any) -> pd.DataFrame:
    """Run the stored query `name` (e.g. ``"corpus_summary"``) against NEO4J_* / the local server."""
    analysis(name)
    with connect(target) as (driver, database):
        return run_query(driver, database, name, **params)


def run_query(driver: neo4j.Driver, database: str, name: str, **params: Any) -> pd.DataFrame:
    """Run a stored query into a DataFrame; the graphlet settings it declares and is not given are
    those the graphlets (of the `source` parameter, when given) were built with."""
    query = analysis(name)
    settings = built_settings(driver, database, params.get("source")) if query.takes_settings else None
    return queries.run_df(driver, database, query.name, settings, **params)


# Who runs the write queries of each namespace (rules §13).
_OWNERS = {"graphlets": "mlprov graphlets build", "load": "mlprov load", "sync": "mlprov sync",
           "schema": "mlprov load and mlprov graphlets build"}


def analysis(name: str) -> queries.StoredQuery:
    """The stored read query `name`; a write or schema query is refused (UsageError, exit code 2):
    analyses only read, and write queries run only through the commands that own them (rules §13)."""
    query = queries.registry().get(name)
    if not query.read_only:
        owner = _OWNERS.get(query.name.split(".", 1)[0], "the mlprov command that owns it")
        raise UsageError(f"{query.name} is a {query.mode} query: mlprov analyze runs read queries only; "
                         f"{owner} runs it")
    return query


def coerce(query: queries.StoredQuery, raw: dict[str, str]) -> dict[str, Any]:
    """Turn `-p key=value` strings into the types the query header declares (refusing names it
    does not declare)."""
    query.check_names(raw)
    return {key: _coerce_one(key, text, query.params[key].type) for key, text in raw.items()}


def _coerce_one(key: str, text: str, kind: str) -> Any:
    if text.lower() in ("null", "none", ""):
        return None
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if kind == "list":
            return [item.strip() for item in text.split(",") if item.strip()]
    except ValueError as exc:
        raise queries.QueryError(f"parameter {key}: {text!r} is not a valid {kind}") from exc
    return text
