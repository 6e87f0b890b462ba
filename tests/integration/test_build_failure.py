"""A graphlet build step that fails fails its source only (rules §12 step 1): one `error:` line
naming the source and the step, exit code 1, no traceback, no server transaction left running, the
source's graphlets removed and marked `failed`, the other sources built; the next build retries it
(and neither hangs nor needs anyone to end a transaction by hand), and an export refuses meanwhile.

Two causes, each written straight into the graph of a loaded real store: a 1 MB node name on a
Trainer, which the server cannot put into the graphlet chain index (it leaks the failed inner
transaction of `CALL ... IN TRANSACTIONS` with its locks), and a text `cost_s`, which the costs
step cannot divide.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlprov.core import queries
from tests.helpers import cli_env, live_trainer_runs, run_cli, store

pytestmark = pytest.mark.integration

GOOD, BAD = store("penguin-tfma"), store("Syahrrulll")
GOOD_SOURCE, BAD_SOURCE = GOOD.stem, BAD.stem
HUGE = "x" * 1_000_000

# cause -> (the step that fails, what is written into the bad source's graph, what puts it back)
CAUSES = {
    "value too large to index": (
        "members",
        "MATCH (t:Execution {source: $source, operator: 'Trainer'}) SET t.node_was = t.node, t.node = $huge",
        "MATCH (t:Execution {source: $source, operator: 'Trainer'}) SET t.node = t.node_was REMOVE t.node_was",
    ),
    "text where a number must be": (
        "costs",
        "MATCH (t:Execution {source: $source, operator: 'Trainer'}) SET t.cost_was = t.cost_s, t.cost_s = 'slow'",
        "MATCH (t:Execution {source: $source, operator: 'Trainer'}) SET t.cost_s = t.cost_was REMOVE t.cost_was",
    ),
}


def write(target, text: str, **params) -> list:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [record.values() for record in records]


def running_transactions(target) -> list:
    """Transactions still running on the server, other than the one asking."""
    rows = write(target, "SHOW TRANSACTIONS YIELD transactionId, status, currentQuery, activeLockCount "
                         "RETURN transactionId, status, currentQuery, activeLockCount")
    return [row for row in rows if row[1].startswith(("Running", "Blocked")) and not row[2].startswith("SHOW")]


def graphlets_of(target, source: str) -> int:
    return write(target, "MATCH (g:Graphlet {source: $source}) RETURN count(g)", source=source)[0][0]


def source_facts(target, source: str) -> dict:
    keys = ("graphlets_status", "graphlets_error", "graphlets_sha256")
    row = write(target, "MATCH (s:Source {name: $name}) RETURN " + ", ".join(f"s.{k}" for k in keys), name=source)[0]
    return dict(zip(keys, row))


def build(target):
    # A leaked transaction makes the next build wait for ever: the timeout turns that into a failure.
    return subprocess.run([sys.executable, "-m", "mlprov", "graphlets", "build", "--quiet"], capture_output=True,
                          text=True, env=cli_env(target), timeout=300)


def assert_failed(result, step: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert BAD_SOURCE in errors[0] and f"at step {step}" in errors[0] and GOOD_SOURCE not in errors[0], errors
    assert HUGE[:1000] not in result.stderr  # the server's message is quoted short
    assert f"{BAD_SOURCE}\tfailed" in result.stdout.splitlines()


@pytest.fixture
def loaded(clean_db):
    for path in (GOOD, BAD):
        run_cli(clean_db, "load", str(path), "--quiet", check=True)
    return clean_db


@pytest.mark.parametrize("cause", sorted(CAUSES))
def test_a_failed_step_fails_its_source_only_and_the_next_build_retries_it(loaded, cause, tmp_path):
    step, poison, cure = CAUSES[cause]
    write(loaded, poison, source=BAD_SOURCE, huge=HUGE)

    first = build(loaded)
    assert_failed(first, step)
    assert f"{GOOD_SOURCE}\tbuilt" in first.stdout
    assert running_transactions(loaded) == []
    assert graphlets_of(loaded, GOOD_SOURCE) == live_trainer_runs(GOOD)
    assert graphlets_of(loaded, BAD_SOURCE) == 0
    facts = source_facts(loaded, BAD_SOURCE)
    assert facts["graphlets_status"] == "failed" and f"at step {step}" in facts["graphlets_error"]
    assert facts["graphlets_sha256"] is None

    # An export would miss the source's graphlets: it refuses with exit code 1 (not 4: nothing is in
    # progress), naming the source, and writes nothing.
    exported = run_cli(loaded, "export", "--output", str(tmp_path / "export"), "--only", "outcome_share")
    assert exported.returncode == 1, exported.stderr
    assert BAD_SOURCE in exported.stderr and "Traceback" not in exported.stderr
    assert not list((tmp_path / "export").glob("*.csv"))

    # The next build retries only the failed source, fails the same way, and does not hang.
    again = build(loaded)
    assert_failed(again, step)
    assert GOOD_SOURCE not in again.stdout
    assert running_transactions(loaded) == []

    write(loaded, cure, source=BAD_SOURCE)
    cured = build(loaded)
    assert cured.returncode == 0, cured.stderr
    assert f"{BAD_SOURCE}\tbuilt" in cured.stdout and "the last build failed" in cured.stdout
    assert graphlets_of(loaded, BAD_SOURCE) == live_trainer_runs(BAD)
    facts = source_facts(loaded, BAD_SOURCE)
    assert facts["graphlets_status"] == "built" and facts["graphlets_error"] is None


def test_a_transaction_an_older_build_leaked_does_not_block_the_next(loaded):
    """A build without the clean-up (here: the members step run straight, as an older version did)
    leaves the failed inner transaction running with its locks; the next build ends it first."""
    step, poison, cure = CAUSES["value too large to index"]
    write(loaded, poison, source=BAD_SOURCE, huge=HUGE)
    with loaded.driver() as driver:
        with pytest.raises(Exception, match="too large to index"):
            queries.execute(driver, loaded.database, "graphlets.members", source=BAD_SOURCE)
    leaked = running_transactions(loaded)
    assert leaked and all(row[3] > 0 for row in leaked), leaked  # what made the next build hang

    write(loaded, cure, source=BAD_SOURCE)
    result = build(loaded)
    assert result.returncode == 0, result.stderr
    assert f"ended {len(leaked)} server transaction(s) before the build" in result.stderr
    assert running_transactions(loaded) == []
    assert graphlets_of(loaded, BAD_SOURCE) == live_trainer_runs(BAD)
    assert graphlets_of(loaded, GOOD_SOURCE) == live_trainer_runs(GOOD)
