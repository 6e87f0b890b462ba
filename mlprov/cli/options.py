"""Options shared by several commands, declared once."""

from __future__ import annotations

import logging
from enum import Enum
from typing import Annotated

import typer


def _silence_logs(quiet: bool) -> bool:
    """With --quiet, mlprov's info lines (progress, step timings) are not shown; warnings still are."""
    if quiet:
        logging.getLogger("mlprov").setLevel(logging.WARNING)
    return quiet


Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or log lines on stderr.",
                                     callback=_silence_logs)]


class Scale(str, Enum):
    """Synthetic corpus sizes: 30, 300 and 3000 pipelines."""

    S = "S"
    M = "M"
    L = "L"
