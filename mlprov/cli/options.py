"""Options shared by several commands, declared once."""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from mlprov.core.output import Format


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


def format_option(*allowed: Format, help: str = "Output format.") -> Any:
    """The `--format` option of a command that offers `allowed` of the output formats
    (`mlprov.core.output.Format`); its value is a member of a choice made of them, which the
    writers take as it is. Declare its default as a Format member."""
    choice = Enum("Format", [(f.name, f.value) for f in allowed], type=str)
    return Annotated[choice, typer.Option("--format", "-f", help=help)]


Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file, not stdout.")]
