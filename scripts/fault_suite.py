"""Run the bad-input fault suite (tests/faults/) against a Neo4j and print its table (rules §2 step 1).

Every generated bad store is loaded by `mlprov load` (in this process through `mlprov.cli.main`, or
with --subprocess each in the real command) and judged as tests/integration/test_fault_suite.py
judges it; the table gives per kind of damage the cases, refusals, loads with skips, clean loads,
tracebacks and damaged graphs (a refusal that left anything behind). Loaded cases are removed
again; use a database you can spare:

    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python scripts/fault_suite.py [--subprocess] [--only NAME]

It reaches Neo4j through the NEO4J_* environment variables, else the local server. Exit code 1 when
a case fails (the failures are listed on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlprov.server.locate import connect  # noqa: E402
from scripts.graph_fingerprint import fingerprint  # noqa: E402
from tests.faults.generator import cases  # noqa: E402
from tests.faults.suite import in_process, in_subprocess, run_case, table  # noqa: E402
from tests.helpers import store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subprocess", action="store_true", help="run every case in the real command")
    parser.add_argument("--only", action="append", default=[], help="run only the named case (repeatable)")
    parser.add_argument("--base", default="penguin-tfma", help="the real test store the cases are made from")
    args = parser.parse_args()
    chosen = [c for c in cases() if not args.only or c.name in args.only]
    runner = in_subprocess if args.subprocess else in_process
    env = {k: v for k, v in os.environ.items() if k.startswith("NEO4J_")}
    outcomes = []
    with connect() as (driver, database), tempfile.TemporaryDirectory() as folder:
        before = fingerprint(driver, database)["*"]
        for case in chosen:
            outcomes.append(run_case(case, Path(folder), store(args.base), driver, database, env, runner, before))
    print(table(outcomes))
    failures = [o.problem for o in outcomes if not o.passed]
    for problem in failures:
        print(problem, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
