"""`mlprov graphlets` commands (being built)."""

import typer

app = typer.Typer(help="graphlets commands.", no_args_is_help=True)
