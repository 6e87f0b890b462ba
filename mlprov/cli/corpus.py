"""`mlprov corpus` commands (being built)."""

import typer

app = typer.Typer(help="corpus commands.", no_args_is_help=True)
