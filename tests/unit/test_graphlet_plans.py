"""Every graphlet build step and scope query is planned afresh at each build (ARCHITECTURE.md,
graphlet build): each of its statements starts with `CYPHER replan=force`, so the server never
runs it with a plan cached from an earlier, differently shaped graph."""

from __future__ import annotations

from analytics.graphlets import BUILD_STEPS
from mlprov.core import queries


def test_every_build_step_and_scope_query_is_planned_afresh():
    registry = queries.registry()
    names = [f"graphlets.{step}" for step in BUILD_STEPS]
    names += sorted(q.name for q in registry.queries.values() if q.name.startswith("graphlets.scope_"))
    assert len(names) > len(BUILD_STEPS), "no scope queries found"
    for name in names:
        for statement in registry.get(name).statements:
            first = next(line for line in statement.splitlines() if line.strip() and not line.lstrip().startswith("//"))
            assert first.strip() == "CYPHER replan=force", f"{name}: a statement starts with {first.strip()!r}"
