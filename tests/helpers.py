"""Paths and small utilities shared by the tests."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

DATA = Path(__file__).parent / "data" / "mlmd"


def _checked_stores() -> tuple[list[Path], list[Path]]:
    """The real stores listed in data/mlmd/SHA256SUMS, each present with its checksum. Tests loop and
    parametrize over them: a missing or changed file (a Git LFS pointer, say) must fail the run, not
    shrink a loop or turn a parametrized test into a silent 'empty parameter set' skip."""
    listed = {}
    for line in (DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            listed[name.lstrip("*")] = digest
    found = {str(p.relative_to(DATA)) for p in DATA.rglob("*.sqlite")}
    assert found == set(listed), f"tests/data/mlmd differs from its SHA256SUMS: {sorted(found ^ set(listed))}"
    wrong = [name for name, digest in listed.items() if hashlib.sha256((DATA / name).read_bytes()).hexdigest() != digest]
    assert not wrong, f"tests/data/mlmd: checksums differ from SHA256SUMS: {wrong}"
    real = sorted(DATA / name for name in listed if "/" not in name)
    not_mlmd = sorted(DATA / name for name in listed if name.startswith("not-mlmd/"))
    schema = sorted(DATA / name for name in listed if name.startswith(f"{SCHEMA_FOLDER}/"))
    assert real and not_mlmd and schema and len(real) + len(not_mlmd) + len(schema) == len(listed)
    return real, not_mlmd, schema


# Real v10 stores rewritten by ml-metadata's downgrade_schema to versions 4..9
# (scripts/make_schema_stores.py): `<key>_v<version>.sqlite`.
SCHEMA_FOLDER = "schema-versions"
REAL_STORES, NOT_MLMD, SCHEMA_STORES = _checked_stores()


# Data and schema go, in batches so that a large test graph does not need one huge transaction.
DELETE_ALL_NODES = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
DROP_ALL_INDEXES_AND_CONSTRAINTS = "CALL apoc.schema.assert({}, {}, true)"


def empty(target):
    """`target`'s database without nodes, relationships, indexes or constraints; returns `target`."""
    with target.driver() as driver, driver.session(database=target.database) as session:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        session.run(DELETE_ALL_NODES).consume()
        session.run(DROP_ALL_INDEXES_AND_CONSTRAINTS).consume()
    return target


def store(fragment: str) -> Path:
    """The one real store whose file name contains `fragment`."""
    matches = [p for p in REAL_STORES if fragment in p.name]
    assert len(matches) == 1, f"{fragment!r} matches {matches}"
    return matches[0]


def sql_count(path: Path, query: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(query).fetchone()[0]


def live_trainer_runs(path: Path) -> int:
    """Trainer runs of the store at `path` that are not cache hits (one graphlet each), read with the
    loader's MLMD reader and operator map, apart from the graphlet reference and the generator."""
    from mlprov.loader import mlmd
    from mlprov.loader.operators import default_map

    operators = default_map()
    opened = mlmd.open_store(path)
    try:
        return sum(1 for row in mlmd.executions(opened)
                   if operators.classify(row["type"])[0] == "Trainer" and mlmd.execution_state(row) != "CACHED")
    finally:
        opened.close()


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


def load(target, location, **options):
    """`load_store` of the store at `location` (a path or URL) into `target`, quietly."""
    from mlprov.loader import load_store

    with target.driver() as driver:
        return load_store(location, driver, target.database, quiet=True, **options)


def sync(target, location, **options):
    """`sync_store` of the store at `location` into `target`, quietly."""
    from mlprov.loader.sync import sync_store

    with target.driver() as driver:
        return sync_store(location, driver, target.database, quiet=True, **options)


MLMD_STREAMS = ("contexts", "artifacts", "executions", "events", "attributions", "associations", "parent_contexts")


def read_everything(location, chunk_rows: int | None = None) -> dict:
    """All that the MLMD reader gives for the store at `location`: every stream as lists of
    (key, value) pairs (so property order counts too), the counts, the schema version and the skips."""
    from mlprov.loader import mlmd

    opened = mlmd.open_store(location)
    try:
        if chunk_rows:
            opened.chunk_rows = chunk_rows
        rows: dict = {name: [list(r.items()) for r in getattr(mlmd, name)(opened)] for name in MLMD_STREAMS}
        rows["pipeline_contexts"] = mlmd.pipeline_contexts(opened)
        rows["counts"] = {t: opened.count(t) for t in ("Artifact", "Execution", "Context", "Event", "ParentContext")}
        rows["event_directions"] = [mlmd.count_events(opened, d) for d in ("INPUT", "OUTPUT")]
        rows["schema_version"] = opened.schema_version
        rows["skipped"] = dict(opened.skipped)
        return rows
    finally:
        opened.close()


def mlmd_interpreter() -> str:
    """ml-metadata's interpreter (MLPROV_MLMD_PYTHON). scripts/run.sh test always sets it, so a
    broken .venv-mlmd fails there; a bare pytest run without it skips, and under CI it fails."""
    import os

    import pytest

    interpreter = os.environ.get("MLPROV_MLMD_PYTHON")
    if not interpreter:
        message = "MLPROV_MLMD_PYTHON is not set: scripts/run.sh test creates .venv-mlmd with ml-metadata 1.17.1"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return interpreter
