"""An incremental build tallies again (graphlets.tallies, rules §11) the pipelines whose exported rows
may change and the pipelines of every execution whose holders it recomputed: a graphlet may hold an
execution of another pipeline, which no mark of the sync then reaches. What the server answers is not
at stake (the integration tests compare incremental builds with full ones, and check the query's
scope on a real server); the stored-query runner is replaced by one that answers each scope query
with fixed rows and records what each step was given."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from analytics.graphlets import BuildReport, _incremental, _Planning, _Run
from mlprov.core import queries, statistics
from mlprov.core.settings import GraphletSettings

SOURCE = "store"
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
}


def test_the_tallies_step_gets_the_exported_pipelines_and_the_executions_whose_holders_changed(monkeypatch):
    given: dict[str, dict] = {}
    members_asked = []

    def runner(driver, database, query, settings=None, **params):
        name = query.name.removeprefix("graphlets.")
        if name == "scope_members":
            members_asked.append(params["graphlets"])
            executions = [f"{SOURCE}:e:t1"] if len(members_asked) == 1 else [f"{SOURCE}:e:t1", f"{SOURCE}:e:x"]
            return [], [[f"{SOURCE}:g:1", "p1", "node", 5, 1, f"{SOURCE}:e:t1", executions, [], []]]
        if name in ANSWERS:
            return [], ANSWERS[name]
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
    assert given["tallies"] == {"source": SOURCE, "pipelines": scopes.exported,
                                "executions": scopes.cost_executions}
    assert scopes.exported == ["p1"]
    assert list(given)[-2:] == ["tallies", "absorb_changes"], "tallied after every step that writes what it reads"
