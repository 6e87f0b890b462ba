"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or log lines on stderr.")]
