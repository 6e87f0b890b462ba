"""`mlprov load` and `mlprov sync`: MLMD stores into Neo4j, in full or what changed since."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlprov.bulk_load import bulk_load
from mlprov.cli.options import Quiet
from mlprov.core.errors import BadInputError
from mlprov.loader import LoadResult, load_store
from mlprov.loader.load import DEFAULT_BATCH_SIZE
from mlprov.loader.operators import load_map
from mlprov.loader.sync import DEFAULT_OVERLAP_MS, SyncResult, resolve, sync_store
from mlprov.server.locate import connect, local_server_for_bulk

STORES_HELP = ("MLMD stores: a file path, sqlite:///PATH or mysql://USER@HOST[:PORT]/DATABASE (the password comes "
               "from MLPROV_MYSQL_PASSWORD or the \\[client] group of ~/.my.cnf, never the command line).")
SourceName = Annotated[Optional[str], typer.Option(help="Source name (default: the file's stem or the database's "
                                                        "name); one store only.")]
Operators = Annotated[Optional[Path], typer.Option(help="TOML file extending the operator mapping.")]
BatchSize = Annotated[int, typer.Option(min=1, help="Rows per write transaction.")]
OverlapMinutes = Annotated[float, typer.Option(
    min=0, help="Look again at rows updated this long before the latest update already synced (writers that "
                "commit rows with earlier times).")]


def load(
    stores: Annotated[list[str], typer.Argument(help=STORES_HELP, metavar="STORE")],
    source_name: SourceName = None,
    replace: Annotated[bool, typer.Option(help="Reload a source whose store differs from what it holds.")] = False,
    operators: Operators = None,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    bulk: Annotated[bool, typer.Option(help="First load into the local server's empty database with "
                                            "neo4j-admin import (stops and restarts the server).")] = False,
    quiet: Quiet = False,
) -> None:
    """Load MLMD stores into Neo4j (idempotent; a second store adds beside the first).

    Exit code 1 when a store is not a readable MLMD store (nothing is written for it), when a
    source of that name holds another store state (`mlprov sync` updates it, --replace reloads it)
    or Neo4j cannot be reached. Damaged but readable stores load what is consistent and report the
    rest. With --bulk, also exit code 1 (nothing written) when NEO4J_URI is set or the database is
    not empty, and when the import fails (the database is left empty, the server running).
    """
    if source_name and len(stores) > 1:
        raise BadInputError("--source-name names one store; give one store with it")
    mapping = load_map(operators)
    if bulk:
        if replace:
            raise BadInputError("--replace reloads a source, and --bulk loads into an empty database: use one")
        for result in bulk_load(stores, local_server_for_bulk(), source_name=source_name, operators=mapping,
                                quiet=quiet):
            _load_summary(result)
        return
    with connect() as (driver, database):
        for store in stores:
            _load_summary(load_store(store, driver, database, source_name=source_name, replace=replace,
                                     operators=mapping, batch_size=batch_size, quiet=quiet))


def sync(
    sources: Annotated[list[str], typer.Argument(
        help=f"{STORES_HELP} Or the name of a loaded source: the store it was loaded from.", metavar="SOURCE")],
    source_name: SourceName = None,
    replace: Annotated[bool, typer.Option(help="Reload the source in full, even when its store cannot be synced "
                                               "(another store at its location, type ids renumbered).")] = False,
    operators: Operators = None,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    overlap_minutes: OverlapMinutes = DEFAULT_OVERLAP_MS / 60_000,
    quiet: Quiet = False,
) -> None:
    """Bring loaded sources up to date with their stores, reading only what changed (rules §10).

    New and changed rows are written, rows that left the store are removed (and reported), a
    source never loaded is loaded in full. Running it again changes nothing; a sync that was
    killed is finished by running it again. Exit code 1, with nothing written, for a store that is
    not the one the source was loaded from (refused unless --replace) or cannot be read.
    """
    if source_name and len(sources) > 1:
        raise BadInputError("--source-name names one store; give one store with it")
    mapping = load_map(operators)
    with connect() as (driver, database):
        for text in sources:
            location, recorded_name = resolve(text, driver, database)
            sync_summary(sync_store(location, driver, database, source_name=source_name or recorded_name,
                                    replace=replace, operators=mapping, batch_size=batch_size,
                                    overlap_ms=round(overlap_minutes * 60_000), quiet=quiet))


def _load_summary(result: LoadResult) -> None:
    skipped = sum(result.skipped.values())
    typer.echo(
        f"{result.source}\t{result.status}\t{result.nodes} nodes\t{result.relationships} relationships"
        f"\t{skipped} skipped\t{result.seconds:.1f}s"
    )


def sync_summary(result: SyncResult) -> None:
    removed = sum(result.deleted.values())
    typer.echo(
        f"{result.source}\t{result.status}\t{result.rows_read} rows read\t{removed} removed"
        f"\t{result.nodes} nodes\t{result.relationships} relationships\t{sum(result.skipped.values())} skipped"
        f"\t{result.seconds:.1f}s"
    )
