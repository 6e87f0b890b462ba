"""Every graphlet build step and scope query is planned afresh at each build (ARCHITECTURE.md,
graphlet build): each of its statements starts with `CYPHER replan=force`, so the server never
runs it with a plan cached from an earlier, differently shaped graph. Within one build, later
sources reuse that plan, and the statistics are refreshed only once a twentieth of the graphlets
may have changed since the last refresh."""

from __future__ import annotations

from analytics.graphlets import _RESAMPLED_SHARE, _UNSAMPLED_FLOOR, BUILD_STEPS, _Planning
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


def test_a_build_plans_each_query_afresh_once_then_reuses_the_plan():
    planning = _Planning()
    for name in build_queries():
        stored = queries.registry().get(name)
        first, again, third = planning.query(name), planning.query(name), planning.query(name)
        assert first == stored
        assert again == third
        assert [first_line(s) for s in again.statements] == ["CYPHER replan=default"] * len(stored.statements), name
        # Nothing but the planner option differs: the same statement runs.
        assert again.body.replace("CYPHER replan=default", "CYPHER replan=force") == stored.body, name
    # A new build plans afresh again.
    assert _Planning().query("graphlets.members") == queries.registry().get("graphlets.members")


def test_statistics_are_refreshed_once_a_twentieth_of_the_graphlets_may_have_changed():
    planning = _Planning()
    # The only source, or one that holds much of the graph: every step refreshes.
    assert planning.changed(5_000, 5_000)
    planning.unsampled = 0
    assert planning.changed(_UNSAMPLED_FLOOR + 1, _UNSAMPLED_FLOOR + 1)
    planning.unsampled = 0
    assert planning.changed(600, 10_000)
    planning.unsampled = 0
    # Small sources beside a large one: no refresh until what they changed adds up.
    total = 100_000
    small = int(total * _RESAMPLED_SHARE / 4)
    assert [planning.changed(small, total) for _ in range(5)] == [False, False, False, False, True]
    planning.unsampled = 0
    # Nothing changed (a source without graphlets): nothing to refresh, even in an empty graph.
    assert not planning.changed(0, 0)
    # Stores of a few runs: a hundred graphlets, all of the graph's, before the first refresh.
    assert [planning.changed(10, 10 * n) for n in range(1, 12)] == [False] * 10 + [True]
    planning.unsampled = 0
    # A source that removed more graphlets than that, every one there was: the indexes are now empty.
    assert planning.changed(_UNSAMPLED_FLOOR + 1, 0)
