"""An incremental build starts some of its reads beside its steps (`_Run.later`, ARCHITECTURE.md,
graphlet build): such a read runs on a second connection while the step goes on, and when it fails,
the build fails at that read, as it does when a step fails (rules §12). What the server answers is
not at stake here (the integration tests build real graphs incrementally and compare them with full
builds); the stored-query runner is replaced by one that records which thread asked."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import neo4j
import pytest

from analytics.graphlets import BuildReport, _Planning, _Run, _StepFailed
from mlprov.core import queries
from mlprov.core.settings import GraphletSettings

READ, STEP = "scope_spans", "costs"


def a_run(reads: ThreadPoolExecutor) -> _Run:
    run = _Run(None, "neo4j", GraphletSettings(), "store", BuildReport(), True, _Planning(), reads)
    run.afresh = False  # as in an incremental build
    return run


def test_a_read_started_later_runs_beside_the_next_step(monkeypatch):
    step_running = threading.Event()
    threads: dict[str, str] = {}

    def runner(driver, database, query, settings=None, **params):
        name = query.name.removeprefix("graphlets.")
        threads[name] = threading.current_thread().name
        if name == READ:
            # It can only go on once the step has started: run in place, it would wait here for ever.
            if not step_running.wait(timeout=10):
                raise AssertionError("the read ran before the step, not beside it")
            return ["graphlet", "next"], [["store:g:7", None]]
        step_running.set()
        return [], []

    monkeypatch.setattr(queries, "execute_query", runner)
    with ThreadPoolExecutor(max_workers=1) as reads:
        run = a_run(reads)
        spans = run.later(READ)
        run.step(STEP, executions=[], graphlets=[])
        assert spans.result(timeout=20) == [["store:g:7", None]]
    assert threads[READ] != threads[STEP] == threading.current_thread().name, threads
    assert set(run.report.step_seconds) == {READ, STEP}, "each query's time is in the report"


@pytest.mark.parametrize("error", [neo4j.exceptions.ClientError("no such property"),
                                   neo4j.exceptions.ServiceUnavailable("connection lost")],
                         ids=["refused", "connection lost"])
def test_a_read_that_fails_beside_the_steps_fails_the_build_at_that_read(monkeypatch, error):
    def runner(driver, database, query, settings=None, **params):
        raise error

    monkeypatch.setattr(queries, "execute_query", runner)
    with ThreadPoolExecutor(max_workers=1) as reads:
        spans = a_run(reads).later(READ)
        with pytest.raises(_StepFailed) as failed:
            spans.result(timeout=20)
    # The build's handler names the step and, for a lost connection, leaves the source `building`.
    assert failed.value.step == READ and failed.value.cause is error


HALVED = "tallies"


def test_a_read_in_halves_asks_each_half_once_on_its_own_connection_and_returns_both(monkeypatch):
    asked: list[tuple[str, list[int]]] = []
    both_running = threading.Barrier(2, timeout=10)  # neither half answers before the other has started

    def runner(driver, database, query, settings=None, **params):
        asked.append((threading.current_thread().name, params["pipelines"]))
        both_running.wait()
        return [], [[uid, "tally"] for uid in params["pipelines"]]

    monkeypatch.setattr(queries, "execute_query", runner)
    with ThreadPoolExecutor(max_workers=1) as reads:
        run = a_run(reads)
        rows = run.read_halves(HALVED, "pipelines", list(range(7)))
    assert sorted(rows) == [[uid, "tally"] for uid in range(7)]
    assert sorted(uid for _, half in asked for uid in half) == list(range(7)) and len(asked) == 2
    threads = {thread for thread, _ in asked}
    assert len(threads) == 2 and threading.current_thread().name in threads, asked
    assert set(run.report.step_seconds) == {HALVED}, "timed once, as one read"


@pytest.mark.parametrize("failing", ["this thread", "the other connection"])
def test_a_read_in_halves_that_fails_in_either_half_fails_the_build_once_both_have_ended(monkeypatch, failing):
    ended = []
    error = neo4j.exceptions.ClientError("no such property")

    def runner(driver, database, query, settings=None, **params):
        here = threading.current_thread() is threading.main_thread()
        try:
            if here == (failing == "this thread"):
                raise error
            time.sleep(0.3)  # the half that succeeds ends after the failing one
            return [], []
        finally:
            ended.append(here)

    monkeypatch.setattr(queries, "execute_query", runner)
    with ThreadPoolExecutor(max_workers=1) as reads:
        with pytest.raises(_StepFailed) as failed:
            a_run(reads).read_halves(HALVED, "pipelines", [1, 2])
        # Both halves had ended when the failure reached the build (its clean-up runs next).
        assert len(ended) == 2
    assert failed.value.step == HALVED and failed.value.cause is error
