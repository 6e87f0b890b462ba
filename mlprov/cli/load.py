"""`mlprov load`: MLMD stores into Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.cli.options import Quiet
from mlprov.server.locate import connect
from mlprov.core.errors import BadInputError
from mlprov.bulk_load import bulk_load
from mlprov.server.locate import local_server_for_bulk
from mlprov.loader import LoadResult, load_store
from mlprov.loader.operators import load_map


def load(
    paths: Annotated[list[Path], typer.Argument(help="MLMD SQLite store files to load.")],
    source_name: Annotated[Optional[str], typer.Option(help="Source name (default: the file's stem); one path only.")] = None,
    replace: Annotated[bool, typer.Option(help="Reload a source that was loaded from a different file.")] = False,
    operators: Annotated[Optional[Path], typer.Option(help="TOML file extending the operator mapping.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per write transaction.")] = 5000,
    bulk: Annotated[bool, typer.Option(help="First load into the local server's empty database with "
                                            "neo4j-admin import (stops and restarts the server).")] = False,
    quiet: Quiet = False,
) -> None:
    """Load MLMD stores into Neo4j (idempotent; a second store adds beside the first).

    Exit code 1 when a file is not a readable MLMD store (nothing is written for it) or Neo4j
    cannot be reached. Damaged but readable stores load what is consistent and report the rest.
    With --bulk, also exit code 1 (nothing written) when NEO4J_URI is set or the database is not
    empty, and when the import fails (the database is left empty, the server running).
    """
    if source_name and len(paths) > 1:
        raise BadInputError("--source-name names one store; give one path with it")
    mapping = load_map(operators)
    if bulk:
        if replace:
            raise BadInputError("--replace reloads a source, and --bulk loads into an empty database: use one")
        for result in bulk_load(paths, local_server_for_bulk(), source_name=source_name, operators=mapping,
                                quiet=quiet):
            _summary(result)
        return
    with connect() as (driver, database):
        for path in paths:
            _summary(load_store(path, driver, database, source_name=source_name, replace=replace,
                                operators=mapping, batch_size=batch_size, quiet=quiet))


def _summary(result: LoadResult) -> None:
    skipped = sum(result.skipped.values())
    typer.echo(
        f"{result.source}\t{result.status}\t{result.nodes} nodes\t{result.relationships} relationships"
        f"\t{skipped} skipped\t{result.seconds:.1f}s"
    )
