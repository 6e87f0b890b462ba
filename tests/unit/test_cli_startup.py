"""Every `mlprov` command starts without the waste model's libraries: scikit-learn and matplotlib
are imported by the commands that use them, not when the command line is read (they took about
1.7 of the 3.5 s each command, `mlprov sync` and `graphlets build` in a scheduled job included,
spent starting)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_reading_the_command_line_imports_neither_scikit_learn_nor_matplotlib():
    probe = ("import json, sys, mlprov.cli; "
             "print(json.dumps(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == [], result.stdout
