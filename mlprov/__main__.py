"""`python -m mlprov` is the `mlprov` command."""

from mlprov.cli import main

# Guarded: a process that multiprocessing spawns (the bulk load's file writers) imports this module
# again as `__mp_main__`, and must not run the command a second time.
if __name__ == "__main__":
    main()
