"""`mlprov queries list|show` and `mlprov analyze`: the stored queries."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from mlprov.core import queries
from mlprov.analytics.runner import coerce, run_query
from mlprov.server.locate import connect
from mlprov.core.errors import BadInputError

app = typer.Typer(help="List and show the stored Cypher queries.", no_args_is_help=True)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command("list")
def list_queries(
    all_: Annotated[bool, typer.Option("--all", help="Include load and schema queries.")] = False,
) -> None:
    """List the stored queries with their mode and summary."""
    for query in queries.registry():
        if all_ or query.mode == "read" or query.name.startswith(("graphlets.", "waste.")):
            typer.echo(f"{query.name}\t{query.mode}\t{query.summary}")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Query name, e.g. corpus_summary.")]) -> None:
    """Print a stored query: header facts, the Browser :params line, and the body."""
    query = queries.registry().get(name)
    typer.echo(f"// name: {query.name}\n// summary: {query.summary}\n// mode: {query.mode}\n// file: {query.path}")
    for param_name, default in query.defaults().items():
        param = query.params[param_name]
        source = "graphlet setting, default" if param.setting else "default"
        typer.echo(f"// param {param.name}: {param.type} ({source} {default!r}) {param.doc}")
    if query.returns:
        typer.echo("// returns: " + ", ".join(f"{k}: {v}" for k, v in query.returns.items()))
    typer.echo(query.params_line())
    typer.echo(query.body)


def _parse_params(pairs: list[str]) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInputError(f"-p expects key=value, got {pair!r}")
        parsed[key.strip()] = value
    return parsed


def write_frame(frame: pd.DataFrame, fmt: Format, output: Optional[Path]) -> None:
    if fmt is Format.parquet:
        if output is None:
            raise BadInputError("--format parquet needs --output PATH")
        frame.to_parquet(output, index=False)
        return
    if fmt is Format.csv:
        text = frame.to_csv(index=False)
    elif fmt is Format.json:
        text = frame.to_json(orient="records", indent=1, default_handler=str) + "\n"
    else:
        text = frame.to_string(index=False) + "\n" if len(frame) else "(no rows)\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def analyze(
    name: Annotated[str, typer.Argument(help="Stored query name (`mlprov queries list`).")],
    param: Annotated[list[str], typer.Option("--param", "-p", help="Query parameter key=value (repeatable).")] = [],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file, not stdout.")] = None,
) -> None:
    """Run a stored query and print its table (data on stdout); graphlet settings it takes and is
    not given are those the graphlets were built with."""
    query = queries.registry().get(name)
    params = coerce(query, _parse_params(param))
    with connect() as (driver, database):
        frame = run_query(driver, database, query.name, **params)
    write_frame(frame, fmt, output)
