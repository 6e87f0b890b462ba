"""Run the bad-input cases of generator.py through `mlprov load` and judge each (rules §2 step 1).

Each case's input is loaded by the command, in this process (`mlprov.cli.main`, the function the
`mlprov` executable runs, with its own stdout, stderr and exit code captured) or in a subprocess.
A case passes when the command ends with
- exit code 0 (the store loaded, maybe with skipped rows reported), its source `loaded`; or
- exit code 1 with exactly one line on stderr, naming the input, and the graph's content
  fingerprint (scripts/graph_fingerprint.py) what it was before: nothing of the refused store is left;
and never with a traceback. A loaded case's source is removed again, so every case starts from the
same graph.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from scripts.graph_fingerprint import fingerprint
from tests.faults.generator import Case

BATCH_SIZE = 7
TABLE_COLUMNS = ("cases", "refused", "loaded with skips", "loaded clean", "tracebacks", "damaged", "other")


@dataclass(frozen=True)
class Run:
    code: int | None
    stdout: str
    stderr: str
    traceback: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    path: Path
    run: Run
    result: str  # refused | loaded with skips | loaded clean | tracebacks | other
    damaged: bool  # the graph differs from before after a refusal, or the source is not removable
    problem: str | None  # why the case fails, None when it passes

    @property
    def passed(self) -> bool:
        return self.problem is None


def in_process(args: list[str], env: dict[str, str]) -> Run:
    """`mlprov ARGS` through `mlprov.cli.main` in this process: its output and exit code."""
    from mlprov.cli import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.argv, {k: os.environ.get(k) for k in env})
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.handlers, sys.argv = [handler], ["mlprov", *args]
    root.setLevel(logging.INFO)
    os.environ.update(env)
    code: int | None = 0
    crashed = False
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # what the executable would print as a traceback
                traceback.print_exc(file=err)
                code, crashed = None, True
    finally:
        root.handlers, root.level, sys.argv = saved[0], saved[1], saved[2]
        for key, value in saved[3].items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Run(code, out.getvalue(), err.getvalue(), crashed or "Traceback (most recent call last)" in err.getvalue())


def in_subprocess(args: list[str], env: dict[str, str]) -> Run:
    """The real `mlprov` command (python -m mlprov) in a subprocess."""
    result = subprocess.run([sys.executable, "-m", "mlprov", *args], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=900, check=False)
    return Run(result.returncode, result.stdout, result.stderr, "Traceback (most recent call last)" in result.stderr)


def _cypher(driver, database: str, text: str, **params) -> list[dict]:
    records, _, _ = driver.execute_query(text, params, database_=database)
    return [r.data() for r in records]


def remove_source(driver, database: str, source: str) -> None:
    with driver.session(database=database) as session:
        session.run("MATCH (n) WHERE n.source = $source CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                    source=source).consume()
        session.run("MATCH (s:Source {name: $source}) DETACH DELETE s", source=source).consume()


def run_case(case: Case, folder: Path, base: Path, driver, database: str, env: dict[str, str],
             runner: Callable[[list[str], dict[str, str]], Run], before: str) -> Outcome:
    """Make the case's input, load it with `runner`, judge the outcome against the graph's
    fingerprint `before` and put the graph back as it was."""
    path = case.make(folder, base)
    source = case.name
    # Small batches: the first rows reach the graph before a damaged row later in the store is
    # read, so a refusal has partial nodes to remove.
    run = runner(["load", "--quiet", "--batch-size", str(BATCH_SIZE), str(path)], env)
    problem = None
    damaged = False
    error_lines = [line for line in run.stderr.splitlines() if line.strip()]
    if run.traceback:
        result, problem = "tracebacks", "a traceback"
    elif run.code == 1:
        result = "refused"
        if len(error_lines) != 1 or str(path) not in error_lines[0] or not error_lines[0].startswith("error: "):
            problem = f"a refusal must be one line naming the input, got {error_lines!r}"
        if fingerprint(driver, database)["*"] != before:
            damaged, problem = True, "the refused store left something in the graph"
    elif run.code == 0:
        facts = _cypher(driver, database, "MATCH (s:Source {name: $source}) RETURN s.status AS status, "
                                          "s.skipped AS skipped", source=source)
        if facts and facts[0]["status"] == "loaded":
            result = "loaded with skips" if facts[0]["skipped"] else "loaded clean"
        else:
            result, problem = "other", f"exit code 0 but the source is {facts!r}"
        remove_source(driver, database, source)
        if fingerprint(driver, database)["*"] != before:
            damaged, problem = True, "removing the loaded source did not give the graph back"
    else:
        result, problem = "other", f"exit code {run.code}"
    if problem:
        problem = f"{case.name} ({case.kind}): {problem}\nstderr: {run.stderr[-2000:]}"
    return Outcome(case, path, run, result, damaged, problem)


def table(outcomes: list[Outcome]) -> str:
    """Cases by kind: refused, loaded with skips, loaded clean, tracebacks, damaged (markdown)."""
    kinds: dict[str, Counter] = {}
    for outcome in outcomes:
        counts = kinds.setdefault(outcome.case.kind, Counter())
        counts["cases"] += 1
        counts[outcome.result] += 1
        counts["damaged"] += outcome.damaged
    total = sum(kinds.values(), Counter())
    lines = ["| kind | " + " | ".join(TABLE_COLUMNS) + " |", "|---" * (len(TABLE_COLUMNS) + 1) + "|"]
    for kind, counts in [*sorted(kinds.items()), ("**all**", total)]:
        lines.append(f"| {kind} | " + " | ".join(str(counts[c]) for c in TABLE_COLUMNS) + " |")
    return "\n".join(lines)
