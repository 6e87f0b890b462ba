"""Errors a user can act on, and the exit codes the CLI maps them to."""

EXIT_OK = 0
EXIT_FAILURE = 1  # a handled failure: bad input, server trouble; one line on stderr
EXIT_USAGE = 2  # a usage error (typer/click reports these itself)


class MlprovError(Exception):
    """A failure with a message fit for a user: what went wrong, with which input, what to do."""

    exit_code = EXIT_FAILURE


class BadInputError(MlprovError):
    """An input file or value that mlprov refuses (not MLMD, wrong schema version, ...)."""


class UsageError(MlprovError):
    """A command asked for something it does not do (e.g. `mlprov analyze` given a write query)."""

    exit_code = EXIT_USAGE


class ServerError(MlprovError):
    """The Neo4j server could not be assembled, started, reached or stopped."""
