"""Running the `mlprov` command in the test process, for tests that swap part of it (the query
registry) or that need no server; `tests.helpers.run_cli` runs the real command in a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlprov.cli import main
from mlprov.core import queries

# Every type a `-p key=value` can be coerced to, declared by one query that returns what it got.
ECHO_QUERY = """// name: echo
// summary: Return the parameters as given.
// mode: read
// params: {i: {type: int, default: 1}, f: {type: float, default: 0.5}, b: {type: bool, default: false}, l: {type: list, default: [a]}, s: {type: string, default: x}}
// returns: {i: int, f: float, b: bool, l: list, s: string}
RETURN $i AS i, $f AS f, $b AS b, $l AS l, $s AS s
"""


def use_echo_registry(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `mlprov analyze` see only the query `echo`."""
    (folder / "echo.cypher").write_text(ECHO_QUERY, encoding="utf-8")
    registry = queries.Registry(folder)
    monkeypatch.setattr(queries, "registry", lambda: registry)


def invoke(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """Run `mlprov ARGS` as the console script does; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["mlprov", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return exited.value.code or 0, out, err
