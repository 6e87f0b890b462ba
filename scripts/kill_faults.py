"""Kill a running `mlprov` command with SIGKILL at a seeded point of its progress (rules §12 step 2),
and run the kill fault suite with more kill points than CI does.

A kill point is the `index`-th stderr line that matches the command's progress pattern (a stream
loaded, a build step done, a table exported), chosen by the seed among the first `lines` of them,
followed by a seeded delay, so that the kill lands inside the work after that line. `kill_at`
fails when the command ends before its kill point: a kill that hits nothing proves nothing.

    .venv/bin/python scripts/kill_faults.py --points 20     # 20 kill points per command

runs tests/integration/test_faults.py with seeds 1..N (MLPROV_KILL_POINTS); each case is the same
as in CI: kill, run again, compare with a clean run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

POINTS_VARIABLE = "MLPROV_KILL_POINTS"
# A stream written (load, sync), a step done (build), a table written (export).
STREAM_DONE = re.compile(r"^\s+(contexts|artifacts|executions|events|attributions|associations): .* in [\d.]+s$")
STEP_DONE = re.compile(r"^graphlets: \S+: (mark_building|scope_trace_end|clear|creators|members|chain|links|outcomes"
                       r"|costs|derive) done in")
TABLE_DONE = re.compile(r"^export: \S+: \d+ rows$")

ROOT = Path(__file__).resolve().parents[1]


class KillMissed(AssertionError):
    """The command ended (or hung) before its kill point."""


@dataclass(frozen=True)
class KillPoint:
    progress: re.Pattern  # the stderr lines that count
    lines: int  # how many of them may be the kill point (each must be followed by more work)
    seed: int
    max_delay_s: float = 0.3

    def choose(self) -> tuple[int, float]:
        rng = random.Random(self.seed)
        return rng.randrange(self.lines), rng.uniform(0.0, self.max_delay_s)


def seeds(default: tuple[int, ...]) -> tuple[int, ...]:
    """Seeds 1..N when MLPROV_KILL_POINTS says N (the larger run), else `default` (CI)."""
    text = os.environ.get(POINTS_VARIABLE)
    return tuple(range(1, int(text) + 1)) if text else default


def interrupt_at(point: KillPoint, command: tuple[str, ...], env: dict[str, str],
                 interrupt: Callable[[subprocess.Popen], None], timeout_s: float = 600) -> tuple[int, str]:
    """Run `mlprov COMMAND` and call `interrupt(process)` at `point` (while it still runs); returns its
    exit code and all it wrote on stderr."""
    index, delay = point.choose()
    process = subprocess.Popen([sys.executable, "-m", "mlprov", *command], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(timeout_s, process.kill)  # a command that hangs must not hang the run
    watchdog.start()
    seen, written = -1, []
    try:
        for line in process.stderr:
            written.append(line)
            if point.progress.search(line.rstrip("\n")):
                seen += 1
                if seen == index:
                    break
        else:
            process.wait()
            raise KillMissed(f"mlprov {' '.join(command)} ended (exit {process.returncode}) before progress "
                             f"line {index}:\n{''.join(written[-10:])}")
        time.sleep(delay)
        if process.poll() is not None:
            raise KillMissed(f"mlprov {' '.join(command)} ended before its interruption point "
                             f"(line {index} + {delay:.2f}s)")
        interrupt(process)
        written.append(process.stderr.read())
        process.wait()
        return process.returncode, "".join(written)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def kill_at(point: KillPoint, command: tuple[str, ...], env: dict[str, str], timeout_s: float = 600) -> str:
    """Run `mlprov COMMAND` and SIGKILL it at `point`; returns the stderr it wrote until then."""
    code, written = interrupt_at(point, command, env, lambda process: process.send_signal(signal.SIGKILL),
                                 timeout_s)
    if code != -signal.SIGKILL:
        raise KillMissed(f"mlprov {' '.join(command)} was not killed (exit {code})")
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20, help="kill points per command (seeds 1..N)")
    args = parser.parse_args()
    env = {**os.environ, POINTS_VARIABLE: str(args.points)}
    tests = ["tests/integration/test_faults.py", "tests/integration/test_load_interrupted.py"]
    return subprocess.call([sys.executable, "-m", "pytest", "-q", *tests], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
