"""`mlprov queries list|show` and `mlprov analyze`: the stored queries."""

from __future__ import annotations

from typing import Annotated

import typer

from mlprov.analytics.runner import analysis, coerce, run_query
from mlprov.cli.options import Output, format_option
from mlprov.core import queries
from mlprov.core.errors import BadInputError
from mlprov.core.output import Format, check_destination, write_frame
from mlprov.server.locate import connect

app = typer.Typer(help="List and show the stored Cypher queries.", no_args_is_help=True)

AnalyzeFormat = format_option(Format.table, Format.csv, Format.json, Format.parquet,
                              help="Output format (parquet needs --output).")


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
        origin = "graphlet setting, default" if param.setting else "default"
        typer.echo(f"// param {param.name}: {param.type} ({origin} {default!r}) {param.doc}")
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


def analyze(
    name: Annotated[str, typer.Argument(help="Stored query name (`mlprov queries list`).")],
    param: Annotated[list[str], typer.Option("--param", "-p", help="Query parameter key=value (repeatable).")] = [],
    fmt: AnalyzeFormat = Format.table,
    output: Output = None,
) -> None:
    """Run a stored read query and print its table (data on stdout); graphlet settings it takes and
    is not given are those the graphlets were built with. Write queries are refused (exit code 2)."""
    query = analysis(name)
    params = coerce(query, _parse_params(param))
    check_destination(fmt, output)
    with connect() as (driver, database):
        frame = run_query(driver, database, query.name, **params)
    write_frame(frame, fmt, output)
