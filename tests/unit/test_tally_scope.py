"""An incremental build tallies again (graphlets.tallies, rules §11) the pipelines whose exported rows
may change and the pipelines of every execution whose holders it recomputed: a graphlet may hold an
execution of another pipeline, which no mark of the sync then reaches. It reads the tallies of those
pipelines in two halves, one on each connection, and writes every row it read. What the server
answers is not at stake (the integration tests compare incremental builds with full ones, and check
the query's scope on a real server); the stored-query runner is replaced by one that answers each
scope query with fixed rows and records what each step was given."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from analytics.graphlets import BuildReport, _incremental, _Planning, _Run
from mlprov.core import queries, statistics
from mlprov.core.settings import GraphletSettings

SOURCE = "store"
TALLY_COLUMNS = list(queries.registry().get("graphlets.tallies").returns)
# Graphlet 1 of pipeline p1 is rebuilt for its live Trainer; it now also holds execution x of
# pipeline p2 (its holders change), and scope_holders says graphlet 2 of p1 holds one of them.
ANSWERS = {
    "scope_artifacts": [],
    "scope_graphlets": [[f"{SOURCE}:g:1", None]],
    "scope_trainers": [[f"{SOURCE}:e:t1", True, "p1", "node", 5, 1]],
    "scope_chains": [],
    "scope_spans": [],
    "scope_pipelines": [],
    "scope_touched_pipelines": [["p1"]],
    "scope_outcomes": [],
    "scope_holders": [[f"{SOURCE}:g:2"]],
    "scope_graphlet_pipelines": [["p1"]],
    # The pipelines to tally (by uid): p1's, and p2's for the execution x its graphlet now holds.
    "scope_tallies": [[f"{SOURCE}:p:p1"], [f"{SOURCE}:p:p2"], [f"{SOURCE}:p:p3"]],
}


def test_the_tallies_step_gets_the_exported_pipelines_and_the_executions_whose_holders_changed(monkeypatch):
    given: dict[str, dict] = {}
    halves: list[tuple[str, list[str]]] = []
    members_asked = []

    def runner(driver, database, query, settings=None, **params):
        name = query.name.removeprefix("graphlets.")
        if name == "scope_members":
            members_asked.append(params["graphlets"])
            executions = [f"{SOURCE}:e:t1"] if len(members_asked) == 1 else [f"{SOURCE}:e:t1", f"{SOURCE}:e:x"]
            return [], [[f"{SOURCE}:g:1", "p1", "node", 5, 1, f"{SOURCE}:e:t1", executions, [], []]]
        if name in ANSWERS:
            if name == "scope_tallies":
                given[name] = params
            return [], ANSWERS[name]
        if name == "tallies":  # one row per pipeline asked, its columns numbered
            halves.append((threading.current_thread().name, params["pipelines"]))
            return [], [[uid] + list(range(len(TALLY_COLUMNS) - 1)) for uid in params["pipelines"]]
        given[name] = params
        return [], []

    monkeypatch.setattr(queries, "execute_query", runner)
    monkeypatch.setattr(statistics, "refresh", lambda driver, database: False)  # no index outdated
    trace: Future = Future()
    trace.set_result([[10, 10]])
    with ThreadPoolExecutor(max_workers=1) as reads:
        run = _Run(None, "neo4j", GraphletSettings(), SOURCE, BuildReport(), True, _Planning(), reads)
        run.afresh = False
        scopes = _incremental(run, trace)
    assert f"{SOURCE}:e:x" in scopes.cost_executions, "the test's execution of another pipeline must be re-costed"
    assert given["scope_tallies"] == {"source": SOURCE, "pipelines": scopes.exported,
                                      "executions": scopes.cost_executions}
    assert scopes.exported == ["p1"]
    # Two halves of the pipelines scope_tallies named, each asked once, one of them on the other
    # connection's thread; every row they read is written, as a map of the read's columns.
    pipelines = [row[0] for row in ANSWERS["scope_tallies"]]
    assert sorted(uid for _, half in halves for uid in half) == pipelines and all(half for _, half in halves)
    assert len({thread for thread, _ in halves}) == 2, halves
    written = given["write_tallies"]["rows"]
    assert sorted(row["pipeline"] for row in written) == pipelines
    assert list(written[0]) == TALLY_COLUMNS and written[0]["change_pushed"] == len(TALLY_COLUMNS) - 2
    assert list(given)[-2:] == ["write_tallies", "absorb_changes"], "tallied after every step that writes what it reads"
