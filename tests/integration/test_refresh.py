"""`mlprov refresh`, the scheduled job, against a real Neo4j: sync, graphlet build and export under
one lock, with the export's exit codes: 0 done or up to date, 3 the lock is held, 4 a source is
being synced elsewhere (nothing written either time); a refresh that was killed is finished by the
next one."""

from __future__ import annotations

import fcntl
import json

import pytest

from mlprov.analytics.export import LOCK_FILE
from mlprov.core.workers import this_worker
from mlprov.refresh import NOTE_FILE
from scripts.graph_fingerprint import fingerprint
from tests.helpers import run_cli, store
from tests.mlmd_cut import cut, instants

pytestmark = pytest.mark.integration


def fingerprint_of(target) -> str:
    with target.driver() as driver:
        return fingerprint(driver, target.database, marks=True)["*"]


def cypher(target, text, **params):
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [r.data() for r in records]


def refresh(target, output, *stores):
    return run_cli(target, "refresh", *map(str, stores), "--output", str(output), "--format", "csv", "--quiet")


@pytest.fixture
def growing(tmp_path):
    """penguin-tfma as it stood half-way through its history, and a function growing it to its end."""
    original = store("penguin-tfma")
    live = tmp_path / "tfma.sqlite"
    steps = instants(original, 3)
    cut(original, steps[1], live)
    return live, lambda: cut(original, steps[-1], tmp_path / "next.sqlite").replace(live)


def test_refresh_syncs_builds_and_exports_then_finds_nothing_to_do(clean_db, tmp_path, growing):
    live, grow = growing
    output = tmp_path / "export"
    first = refresh(clean_db, output, live)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0].startswith("tfma\tloaded\t")
    assert "graphlets\t1 built\t0 skipped" in first.stdout
    assert (output / "graphlets.csv").exists()

    grow()
    second = refresh(clean_db, output, "tfma")  # by source name, as a cron line would
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0].startswith("tfma\tsynced\t")
    assert "graphlets\t1 built" in second.stdout
    assert cypher(clean_db, "MATCH (g:Graphlet {source: 'tfma'}) RETURN count(g) AS n") == [{"n": 2}]

    third = refresh(clean_db, output, "tfma")
    assert third.returncode == 0, third.stderr
    lines = third.stdout.splitlines()
    assert lines[0].startswith("tfma\tunchanged\t") and "graphlets\t0 built" in lines[1]
    assert "\t0 written\t" in lines[2]


def test_refresh_exits_3_while_the_lock_is_held_and_4_while_a_source_syncs_elsewhere(clean_db, tmp_path, growing):
    live, grow = growing
    output = tmp_path / "export"
    assert refresh(clean_db, output, live).returncode == 0
    grow()
    before = fingerprint_of(clean_db)
    with open(output / LOCK_FILE, "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        locked = refresh(clean_db, output, live)
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    assert locked.returncode == 3 and "another export is writing" in locked.stderr, locked.stderr
    assert fingerprint_of(clean_db) == before

    # Another store, being synced by some other live process (this test's own, heartbeat fresh).
    run_cli(clean_db, "load", str(store("penguin-transform")), "--quiet", check=True)
    other = cypher(clean_db, "MATCH (s:Source) WHERE s.name <> 'tfma' SET s.status = 'syncing', s.worker = $worker, "
                             "s.heartbeat_at = timestamp() RETURN s.name AS name", worker=this_worker())
    before = fingerprint_of(clean_db)
    busy = refresh(clean_db, output, live)
    assert busy.returncode == 4 and f"{other[0]['name']} (syncing)" in busy.stderr, busy.stderr
    assert fingerprint_of(clean_db) == before

    # The same, left by a sync that died (no worker keeps it): stuck, exit 5 naming it and how to finish it.
    cypher(clean_db, "MATCH (s:Source {name: $name}) REMOVE s.worker, s.heartbeat_at", name=other[0]["name"])
    stuck = refresh(clean_db, output, live)
    assert stuck.returncode == 5, stuck.stderr
    assert f"{other[0]['name']} (syncing; " in stuck.stderr and f"mlprov sync {other[0]['name']}" in stuck.stderr
    assert fingerprint_of(clean_db) == before

    # Among the refresh's own sources, a source a dead sync left is finished by this refresh's sync.
    finished = refresh(clean_db, output, live, str(store("penguin-transform")))
    assert finished.returncode == 0, finished.stderr
    assert cypher(clean_db, "MATCH (s:Source) WHERE s.status <> 'loaded' RETURN s.name AS name") == []


def test_a_refresh_that_was_killed_is_finished_by_the_next(clean_db, tmp_path, growing):
    live, grow = growing
    output = tmp_path / "export"
    assert refresh(clean_db, output, live).returncode == 0
    grow()
    # As a refresh killed mid-sync leaves things: its note, and the source `syncing`.
    (output / NOTE_FILE).write_text(json.dumps({"working_on": ["tfma"]}))
    cypher(clean_db, "MATCH (s:Source {name: 'tfma'}) SET s.status = 'syncing'")
    resumed = refresh(clean_db, output, live)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("tfma\tsynced\t")
    assert json.loads((output / NOTE_FILE).read_text()) == {"working_on": []}
    assert cypher(clean_db, "MATCH (s:Source {name: 'tfma'}) RETURN s.status AS status") == [{"status": "loaded"}]
