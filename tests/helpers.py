"""Paths and small utilities shared by the tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DATA = Path(__file__).parent / "data" / "mlmd"
REAL_STORES = sorted(DATA.glob("*.sqlite"))
NOT_MLMD = sorted((DATA / "not-mlmd").glob("*.sqlite"))


def store(fragment: str) -> Path:
    """The one real store whose file name contains `fragment`."""
    matches = [p for p in REAL_STORES if fragment in p.name]
    assert len(matches) == 1, f"{fragment!r} matches {matches}"
    return matches[0]


def sql_count(path: Path, query: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(query).fetchone()[0]


def cli_env(target) -> dict[str, str]:
    """The environment in which the real `mlprov` command talks to `target`."""
    import os

    env = {**os.environ, "NEO4J_URI": target.uri, "NEO4J_DATABASE": target.database}
    env.pop("NEO4J_PASSWORD", None)
    return env


def run_cli(target, *args: str, check: bool = False):
    """Run the real `mlprov` command against `target` in a subprocess; returns CompletedProcess."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "mlprov", *args], capture_output=True, text=True,
                            env=cli_env(target), timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"mlprov {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def fresh_graph(target, paths):
    """Empty `target`'s database, load the stores at `paths` and build their graphlets (what the
    module fixtures of the integration tests start from); returns the build report."""
    from mlprov.analytics.graphlets import build
    from mlprov.loader import load_store

    with target.driver() as driver, driver.session(database=target.database) as session:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    with target.driver() as driver:
        for path in paths:
            load_store(path, driver, target.database, quiet=True)
        return build(driver, target.database, quiet=True)
