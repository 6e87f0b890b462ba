"""When a graphlet build step or scope query is planned afresh (ARCHITECTURE.md, graphlet build):
each of its statements is stored starting with `CYPHER replan=force`, so run as stored (in the
Browser, or by a source built in full) the server never runs it with a plan cached from an earlier,
differently shaped graph. Within one build, later sources reuse that plan, and a source built
incrementally, whose graph changed little, takes the cached plans from the start (until a statistics
refresh throws them away: tests/integration/test_statistics.py)."""

from __future__ import annotations

from analytics.graphlets import BUILD_STEPS, _Planning
from mlprov.core import queries


def first_line(statement: str) -> str:
    return next(line for line in statement.splitlines() if line.strip() and not line.lstrip().startswith("//")).strip()


def build_queries() -> list[str]:
    registry = queries.registry()
    names = [f"graphlets.{step}" for step in BUILD_STEPS]
    names += sorted(q.name for q in registry.queries.values() if q.name.startswith("graphlets.scope_"))
    return names


def test_every_build_step_and_scope_query_is_planned_afresh():
    names = build_queries()
    assert len(names) > len(BUILD_STEPS), "no scope queries found"
    for name in names:
        for statement in queries.registry().get(name).statements:
            assert first_line(statement) == "CYPHER replan=force", f"{name}: a statement starts with {first_line(statement)!r}"


def replanning(query: queries.StoredQuery) -> list[str]:
    return [first_line(statement) for statement in query.statements]


def test_a_full_build_plans_each_query_afresh_once_then_reuses_the_plan():
    planning = _Planning()
    for name in build_queries():
        stored = queries.registry().get(name)
        first, again, third = planning.query(name, True), planning.query(name, True), planning.query(name, False)
        assert first == stored
        assert again == third
        assert replanning(again) == ["CYPHER replan=default"] * len(stored.statements), name
        # Nothing but the planner option differs: the same statement runs.
        assert again.body.replace("CYPHER replan=default", "CYPHER replan=force") == stored.body, name
    # A new build plans afresh again.
    assert _Planning().query("graphlets.members", True) == queries.registry().get("graphlets.members")


def test_an_incremental_build_takes_the_cached_plans_and_a_full_one_after_it_plans_afresh():
    planning = _Planning()
    for name in build_queries():
        stored = queries.registry().get(name)
        incremental = planning.query(name, False)
        assert replanning(incremental) == ["CYPHER replan=default"] * len(stored.statements), name
        assert incremental.body.replace("CYPHER replan=default", "CYPHER replan=force") == stored.body, name
        # A source built in full later in the same build still plans the query afresh, once.
        assert planning.query(name, True) == stored, name
        assert planning.query(name, True) == incremental, name
