"""`python -m mlprov` is the `mlprov` command."""

from mlprov.cli import main

main()
