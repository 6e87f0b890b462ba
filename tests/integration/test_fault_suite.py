"""The bad-input fault suite (rules §2 step 1): every generated bad store is loaded by
`mlprov load` and ends loaded (skips reported) or refused in one line, never with a traceback,
and a refusal leaves the graph's content fingerprint as it was.

One Neo4j for the whole suite; the cases run in this process through `mlprov.cli.main` (what the
`mlprov` executable runs), and a sample of them again through the real command in a subprocess,
which must give the same outcome. `scripts/fault_suite.py` runs the same cases and prints the table.
"""

from __future__ import annotations

import pytest

from scripts.graph_fingerprint import fingerprint
from tests.faults.generator import cases
from tests.faults.suite import in_process, in_subprocess, run_case, table
from tests.helpers import cli_env, fresh_graph, store

pytestmark = pytest.mark.integration

BASE = "penguin-tfma"
CASES = cases()
# Every SUBPROCESS_EVERY-th case goes through a real subprocess as well.
SUBPROCESS_EVERY = 30


@pytest.fixture(scope="module")
def graph(neo4j_target):
    """A graph holding one good source, so that a refusal that touched it would show."""
    fresh_graph(neo4j_target, [store(BASE)])
    with neo4j_target.driver() as driver:
        before = fingerprint(driver, neo4j_target.database)["*"]
    return neo4j_target, before


@pytest.fixture(scope="module")
def outcomes(graph, tmp_path_factory):
    target, before = graph
    folder = tmp_path_factory.mktemp("faults")
    with target.driver() as driver:
        found = {case.name: run_case(case, folder, store(BASE), driver, target.database, cli_env(target), in_process,
                                     before) for case in CASES}
    print("\n" + table(list(found.values())))
    return found


def test_the_generator_makes_at_least_200_cases_of_every_kind_asked_for():
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 300  # the README says "more than 300"
    assert kinds >= {"page overwritten", "bytes flipped", "truncated file", "table dropped", "table renamed",
                     "column missing", "column extra", "NULL in id/FK", "text in id/FK", "NULL in name",
                     "BLOB / latin-1 text", "duplicated rows", "dangling reference", "1 MB value", "schema version",
                     "not a store"}
    # Deterministic: the same cases, by name and kind, every time.
    assert [(c.name, c.kind) for c in cases()] == [(c.name, c.kind) for c in CASES]


def test_every_case_loads_or_is_refused_in_one_line_and_leaves_the_graph_as_it_was(outcomes):
    failures = [o.problem for o in outcomes.values() if not o.passed]
    assert not failures, f"{len(failures)} of {len(outcomes)} cases failed:\n" + "\n\n".join(failures[:10])
    results = {o.result for o in outcomes.values()}
    # The suite exercises both ends: refusals and loads with their skips reported.
    assert {"refused", "loaded with skips", "loaded clean"} <= results
    assert not any(o.damaged or o.run.traceback for o in outcomes.values())


def test_a_sample_through_the_real_command_gives_the_same_outcomes(graph, outcomes, tmp_path):
    target, before = graph
    sample = CASES[::SUBPROCESS_EVERY]
    with target.driver() as driver:
        for case in sample:
            outcome = run_case(case, tmp_path, store(BASE), driver, target.database, cli_env(target), in_subprocess,
                               before)
            assert outcome.passed, outcome.problem
            in_proc = outcomes[case.name]
            assert (outcome.result, outcome.run.code) == (in_proc.result, in_proc.run.code), case.name
            assert outcome.run.stderr.replace(str(tmp_path), "") == in_proc.run.stderr.replace(str(in_proc.path.parent), ""), case.name


# What given cases must say: the rule each one exercises (rules §2 step 1).
REASONS = {
    "a-directory": ("refused", "a directory, not an MLMD store"),
    "a-fifo": ("refused", "not a regular file"),
    "no-such-file": ("refused", "no such file"),
    "empty-file": ("refused", "the file is empty"),
    "foreign-sqlite": ("refused", "not an MLMD store"),
    "page-random-31": ("refused", "corrupt SQLite file"),
    "drop-Artifact": ("refused", "missing tables: Artifact"),
    "no-column-Artifact.uri": ("refused", "Artifact.uri is missing"),
    "no-column-Event.type": ("refused", "Event.type is missing"),
    "no-column-MLMDEnv.schema_version": ("refused", "MLMDEnv table has no schema_version column"),
    "schema-version-10-without-v5-columns": ("refused", "Execution.last_known_state is missing"),
    "schema-version-text-10": ("loaded clean", ""),
    "schema-version-text-ten": ("refused", "MLMD schema version ten is not supported"),
    "schema-version-11": ("refused", "MLMD schema version 11 is not supported"),
    "null-Artifact.id": ("refused", "Artifact.id holds 1 value(s) that are not integer ids"),
    "duplicate-whole-row-Execution": ("refused", "Execution.id 1 is used by 2 rows"),
    "text-Artifact.type_id": ("refused", "the type id of artifact 1 is 'abc', not an integer id"),
    "latin1-Context.name": ("refused", "the name of context 1 is not UTF-8 text"),
    "blob-Artifact.uri": ("refused", "the uri of artifact 1 is bytes that are not UTF-8 text"),
    "huge-Context.name": ("refused", "is 1048576 bytes long, more than the 1024 an MLMD name can be"),
    "huge-Type.name": ("refused", "is 1048576 bytes long"),
    "huge-node-context": ("refused", "is 1048576 bytes long"),
    "huge-component_id": ("refused", "property 'component_id' of execution"),
    "huge-Artifact.uri": ("loaded clean", ""),
    "duplicate-new-id-Event": ("loaded with skips", "skipped 1 event repeating an earlier event"),
    "duplicate-new-id-Attribution": ("loaded with skips", "skipped 1 attribution repeating an earlier one"),
    "duplicate-new-id-Association": ("loaded with skips", "skipped 1 association repeating an earlier one"),
    "duplicate-whole-table-ParentContext": ("loaded with skips", "parent context link repeating an earlier one"),
    "null-Event.artifact_id": ("loaded with skips", "skipped 1 event pointing at a deleted artifact"),
    "dangling-artifact": ("loaded with skips", "event pointing at a deleted artifact"),
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_cases_say_what_their_rule_says(outcomes, name):
    result, words = REASONS[name]
    outcome = outcomes[name]
    assert outcome.result == result, (name, outcome.run.stderr)
    assert words in outcome.run.stderr, (name, outcome.run.stderr)


def test_a_refusal_after_writing_started_removes_what_was_written(graph, tmp_path, monkeypatch):
    """A damaged row found late (an event path, read after every node) is refused after contexts,
    artifacts and executions are in the graph: they go again, and so does the Source node."""
    from mlprov.core import queries
    from mlprov.core.errors import BadInputError
    from mlprov.loader import load_store, neo4j_sink

    target, before = graph
    case = next(c for c in CASES if c.name == "latin1-EventPath.step_key")
    path = case.make(tmp_path, store(BASE))
    sent: list[str] = []
    real_execute = queries.execute

    def recording(driver, database, name, *args, **params):
        sent.append(name)
        return real_execute(driver, database, name, *args, **params)

    # Only watched: every query still runs against the real server.
    monkeypatch.setattr(neo4j_sink.queries, "execute", recording)
    with target.driver() as driver:
        with pytest.raises(BadInputError, match=f"{path}: a path key of event .* is not UTF-8 text"):
            load_store(path, driver, target.database, batch_size=1, quiet=True)
        assert {"load.contexts", "load.artifacts", "load.executions"} <= set(sent)
        assert fingerprint(driver, target.database)["*"] == before
        records, _, _ = driver.execute_query("MATCH (n) WHERE n.source = $s OR n.name = $s RETURN count(n) AS n",
                                             s=case.name, database_=target.database)
        assert records[0]["n"] == 0


def test_a_replace_refused_half_way_leaves_the_old_source_as_it_was(graph, tmp_path):
    """`load --replace` with a store whose damage is found late (an event path, read after every
    node) is refused before anything of the loaded source goes: the graph keeps the old source."""
    from mlprov.core.errors import BadInputError
    from mlprov.loader import load_store

    target, before = graph
    case = next(c for c in CASES if c.name == "latin1-EventPath.step_key")
    good = store(BASE)
    with target.driver() as driver:
        load_store(good, driver, target.database, source_name="replaced", quiet=True)
        loaded = fingerprint(driver, target.database)["*"]
        assert loaded != before
        bad = case.make(tmp_path, good)
        with pytest.raises(BadInputError, match=f"{bad}: a path key of event .* is not UTF-8 text"):
            load_store(bad, driver, target.database, source_name="replaced", replace=True, batch_size=1, quiet=True)
        assert fingerprint(driver, target.database)["*"] == loaded
        driver.execute_query("MATCH (n) WHERE n.source = 'replaced' OR n.name = 'replaced' DETACH DELETE n",
                             database_=target.database)
        assert fingerprint(driver, target.database)["*"] == before
