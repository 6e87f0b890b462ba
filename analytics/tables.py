"""The analysis tables: every read query of the `analyses` and `topology` namespaces, by bare name.

The report and the export both run this set, so a new query file in those folders appears in both.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import neo4j
import pandas as pd

from mlprov.analytics.graphlets import built_settings
from mlprov.core import queries
from mlprov.core.settings import GraphletSettings

NAMESPACES = ("analyses", "topology")


@dataclass(frozen=True)
class Table:
    """One analysis result: its bare name, the stored query behind it, the parameter values it ran
    with, its rows and how long it took."""

    name: str
    query: queries.StoredQuery
    params: dict[str, Any]
    frame: pd.DataFrame
    seconds: float


def analysis_queries(only: Iterable[str] | None = None) -> list[queries.StoredQuery]:
    """The analysis queries, sorted by name; `only` picks some by bare name (refusing unknown ones)."""
    available = {q.name.rsplit(".", 1)[-1]: q for q in queries.registry()
                 if q.mode == "read" and q.name.split(".", 1)[0] in NAMESPACES}
    if only is None:
        return [available[name] for name in sorted(available)]
    wanted = list(dict.fromkeys(only))
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise queries.QueryError(f"no analysis named {', '.join(unknown)}; available: {', '.join(sorted(available))}")
    return [available[name] for name in wanted]


def stem(query: queries.StoredQuery) -> str:
    return query.name.rsplit(".", 1)[-1]


def run_table(driver: neo4j.Driver, database: str, query: queries.StoredQuery, source: str | None = None,
              settings: GraphletSettings | None = None) -> Table:
    """Run one analysis with its declared defaults, the graphlet settings it declares from
    `settings` (the default settings when None), and `source` when given and the query takes it."""
    given = {"source": source} if source is not None and "source" in query.params else {}
    params = query.bind(given, settings)
    started = time.perf_counter()
    frame = queries.run_df(driver, database, query.name, **params)
    return Table(stem(query), query, params, frame, time.perf_counter() - started)


# Analyses run this many at a time: the server runs each query on one core, and the project's
# machines have two, so the second one halves the wall time of a long list of independent reads.
PARALLEL = 2
# The analyses that take longest on a big graph, started first (seconds at L, bench/analyses_bench.py,
# two at a time on shared cores; warm_start_chains as the L day's export measured it after its walk
# was rewritten to visit each chain once; waste_by_category, cost_by_operator and cost_by_category,
# once 6-8 s, read the pipelines' tallies since graphlet format 5); the rest by name.
SLOW: dict[str, int] = {"structure_changes": 11, "input_overlap": 8, "graphlets": 8, "graphlet_changes": 6,
                        "warm_start_chains": 5}


def run_tables(driver: neo4j.Driver, database: str, only: Iterable[str] | None = None,
               source: str | None = None) -> dict[str, Table]:
    """Run the analyses (all, or `only` these) with the settings the graphlets (of `source`, when
    given) were built with, and return them by bare name, in the order they were asked for. The
    slowest are started first, so two workers finish together."""
    settings = built_settings(driver, database, source)
    chosen = analysis_queries(only)
    by_cost = sorted(chosen, key=lambda q: (-SLOW.get(stem(q), 0), stem(q)))
    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="analysis") as pool:
        futures = {stem(q): pool.submit(run_table, driver, database, q, source, settings) for q in by_cost}
        return {stem(q): futures[stem(q)].result() for q in chosen}
