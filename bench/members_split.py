"""Where the `members` step of the graphlet build spends its time: the walk or the links it writes.

On a source already loaded on the Neo4j at NEO4J_URI (or the local server), the stored `members`
query runs in three forms, each after `clear` removed the source's graphlets, alternately for
--rounds rounds:

- `stored`: the stored query as it is (the baseline);
- `no_artifact_links`: without the CONTAINS links to artifacts (the graphlet keeps their ids);
- `no_links`: without any CONTAINS link, so the walks and the Graphlet nodes alone.

Each form's time is reported as a ratio to `stored` in the same round, which tells how much a
graph format that writes fewer links could save at most. The source is left without graphlets:
run `mlprov graphlets build --force` after it.

    .venv/bin/python bench/members_split.py --source m --rounds 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from mlprov.core.queries import registry
from mlprov.core.settings import GraphletSettings
from mlprov.server.locate import connect

ARTIFACT_LINKS = ("  FOREACH (a IN artifacts | CREATE (g)-[:CONTAINS {role: CASE WHEN a IN models "
                  "THEN 'model' ELSE 'artifact' END}]->(a))\n")
EXECUTION_LINKS = ("  FOREACH (x IN upstream_executions | CREATE (g)-[:CONTAINS {role: 'upstream'}]->(x))\n"
                   "  FOREACH (y IN downstream_executions | CREATE (g)-[:CONTAINS {role: 'downstream'}]->(y))\n")
TRAINER_LINK = "  CREATE (g)-[:CONTAINS {role: 'trainer'}]->(t)\n"


def _without(text: str, *parts: str) -> str:
    for part in parts:
        if part not in text:
            sys.exit(f"members.cypher no longer holds {part.strip()!r}: update bench/members_split.py")
        text = text.replace(part, "")
    return text


def forms() -> dict[str, str]:
    (stored,) = registry().get("members").statements
    return {
        "stored": stored,
        "no_artifact_links": _without(stored, ARTIFACT_LINKS),
        "no_links": _without(stored, ARTIFACT_LINKS, EXECUTION_LINKS, TRAINER_LINK),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="a loaded source")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    (clear,) = registry().get("clear").statements
    settings = GraphletSettings()
    params = {"source": args.source, "trainer_operator": settings.trainer_operator,
              "model_types": list(settings.model_types), "trainers": None}
    variants = forms()
    seconds: dict[str, list[float]] = {}
    with connect() as (driver, database), driver.session(database=database) as session:
        for round_ in range(1, args.rounds + 1):
            for name, text in variants.items():
                session.run(clear, source=args.source, graphlets=None).consume()
                began = time.perf_counter()
                session.run(text, **params).consume()
                took = time.perf_counter() - began
                links = session.run("MATCH (g:Graphlet)-[c:CONTAINS]->() WHERE g.source = $source "
                                    "RETURN count(c) AS n", source=args.source).single()["n"]
                seconds.setdefault(name, []).append(took)
                print(f"round {round_}: {name} {took:.1f} s, {links} CONTAINS links", file=sys.stderr, flush=True)
        session.run(clear, source=args.source, graphlets=None).consume()
    ratios = {name: statistics.median(t / s for t, s in zip(times, seconds["stored"]))
              for name, times in seconds.items()}
    print(json.dumps({"source": args.source, "seconds": seconds, "ratio_to_stored": ratios}, indent=1))


if __name__ == "__main__":
    main()
