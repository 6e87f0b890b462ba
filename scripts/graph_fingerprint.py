"""Print a content fingerprint of the whole graph in a Neo4j database, per source and in total.

Every node (labels and properties) and every relationship (type, properties, and the identity of
both ends) goes into it, graphlets included. Facts that describe a load, sync or build run rather
than the store (wall-clock times, durations, where the store was read from) are left out, so the
same stores loaded and built by two versions of mlprov, or loaded once and synced since, give the
same fingerprint exactly when the graphs agree. So is the `Changed` label a sync leaves for the
incremental graphlet build (work pending, not content), unless `--with-marks`.

    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python scripts/graph_fingerprint.py [--json]

It reaches Neo4j through the NEO4J_* environment variables, else the local server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict

# Source facts of the run, not of the store: they differ between two loads of the same store state.
# `location` is where the store was read from, like `path` (a file's path): the same store state
# read from a copy elsewhere gives the same graph.
# `worker` and `heartbeat_at` name the process loading or syncing a source while it runs (rules §13).
RUN_FACTS = {"loaded_at", "load_seconds", "graphlets_seconds", "built_at", "path", "location", "synced_at",
             "sync_seconds", "worker", "heartbeat_at"}
# Which graphlet build last changed a pipeline's or a graphlet's rows, counted within a lineage of
# builds (Source, Pipeline and Graphlet nodes, for exports that refresh only that, rules §13): the
# history of the builds, not content, so a full build and incremental ones give the same graph with
# other numbers here.
BUILD_HISTORY = {"graphlets_lineage", "graphlets_revision", "facts_revision"}
# Labels that mark work pending for the graphlet build (rules §10), not content.
WORK_MARKS = {"Changed"}

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props, elementId(n) AS id"
RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, type(r) AS type, properties(r) AS props, elementId(b) AS b"
)


def properties_text(props: dict) -> str:
    """Properties as the fingerprint hashes them: keys sorted, lists in their stored order, floats
    exactly (Python writes the shortest text that reads back as the same double, so two floats that
    differ in the last bit differ here; 1 and 1.0 differ too), rules §12 step 2."""
    return json.dumps(props, sort_keys=True, default=str, allow_nan=True)


def _key(labels: list[str], props: dict) -> str:
    """A stable identity for a node: its uid, else (Source) its name."""
    return f"{':'.join(sorted(labels))}|{props.get('uid', props.get('name'))}"


def _source_of(labels: list[str], props: dict) -> str:
    return str(props.get("name") if "Source" in labels else props.get("source"))


def elements(driver, database: str, *, marks: bool = False, ignore: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Per source, one line per node and relationship (what the fingerprint hashes), sorted: two
    graphs have the same fingerprint exactly when these agree, and a difference reads from them.
    `marks` keeps the `Changed` labels, `ignore` leaves out more Source properties (a test comparing
    two stores with equal rows but other bytes leaves out their file digests)."""
    left_out = RUN_FACTS | set(ignore)
    keys: dict[str, str] = {}
    sources: dict[str, str] = {}
    lines: dict[str, list[str]] = defaultdict(list)
    with driver.session(database=database, default_access_mode="READ") as session:
        for record in session.run(NODES):
            labels, props = record["labels"], dict(record["props"])
            if not marks:
                labels = [label for label in labels if label not in WORK_MARKS]
            if "Source" in labels:
                props = {k: v for k, v in props.items() if k not in left_out}
            props = {k: v for k, v in props.items() if k not in BUILD_HISTORY}
            key = _key(labels, props)
            keys[record["id"]] = key
            sources[record["id"]] = source = _source_of(labels, props)
            lines[source].append("N " + key + " " + properties_text(props))
        for record in session.run(RELATIONSHIPS):
            source = sources[record["a"]]
            lines[source].append(" ".join(("R", keys[record["a"]], record["type"], keys[record["b"]],
                                           properties_text(dict(record["props"])))))
    return {source: sorted(found) for source, found in sorted(lines.items())}


def fingerprint(driver, database: str, *, marks: bool = False, ignore: frozenset[str] = frozenset()) -> dict[str, str]:
    """Per source (and `*` for all) a digest of its nodes and relationships (`elements`)."""
    result = {}
    whole = hashlib.sha256()
    for source, found in elements(driver, database, marks=marks, ignore=ignore).items():
        digest = hashlib.sha256("\n".join(found).encode()).hexdigest()
        result[source] = f"{digest[:16]} ({len(found)} elements)"
        whole.update(f"{source} {digest}\n".encode())
    result["*"] = whole.hexdigest()[:16]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument("--with-marks", action="store_true", help="count the `Changed` labels a sync leaves")
    args = parser.parse_args()
    from mlprov.server.locate import connect

    with connect() as (driver, database):
        result = fingerprint(driver, database, marks=args.with_marks)
    if args.json:
        json.dump(result, sys.stdout, indent=1, sort_keys=True)
        print()
    else:
        for source, value in result.items():
            print(f"{value}  {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
