"""`describe`: the calibration quantities of rules §6 on any MLMD store, measured with SQL.

Works on generated corpora and real stores alike (a store without `pipeline` contexts is one
pipeline). Push share is measured without building graphlets: PushedModels with `pushed` = 1
(or no `pushed` property, as older TFX writes) over non-cached Trainer executions.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from mlprov.core.errors import BadInputError
from mlprov.loader.operators import CATEGORIES, default_map
from mlprov.loader.vocabulary import EXECUTION_STATE_CODES, TYPE_KIND_EXECUTION

DAY_MS = 86_400_000
CACHED = EXECUTION_STATE_CODES["CACHED"]
TARGETS = {
    "pipelines": "3000 at L",
    "window_days": "120-130",
    "trainer_executions": ">= 450000 at L (~150/pipeline)",
    "trainer_executions_per_pipeline": "~150",
    "trainings_per_active_day_mean": "~7",
    "trainings_per_active_day_p99": "heavy tail (>100)",
    "share_pipelines_over_100_per_day": "~0.011",
    "active_days_mean": "~21",
    "push_share": "0.60-0.70",
    "cost_share_training": "< 1 (training not the only big cost)",
}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def describe(path: str | Path) -> list[tuple[str, object, str]]:
    """(quantity, measured value, target) rows for the store at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file; give the path of an MLMD SQLite store")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"Execution", "Type", "Event"} <= tables:
            raise BadInputError(f"{path}: not an MLMD store (no Execution/Type/Event tables)")
        return _measure(con)
    finally:
        con.close()


def _measure(con: sqlite3.Connection) -> list[tuple[str, object, str]]:
    # Operators and categories are the loader's (loader/operators.toml), so they agree with the
    # analyses in Neo4j.
    operator_map = default_map()
    type_rows = list(con.execute("SELECT id, name FROM Type WHERE type_kind = ?", (TYPE_KIND_EXECUTION,)))
    operators = {type_id: operator_map.operator(name) for type_id, name in type_rows}
    categories = {type_id: operator_map.category(operators[type_id]) for type_id, _ in type_rows}
    has_times = any(r[1] == "create_time_since_epoch" for r in con.execute("PRAGMA table_info(Execution)"))
    times = ("e.create_time_since_epoch", "e.last_update_time_since_epoch") if has_times else ("0", "0")
    pipeline_of = dict(con.execute(
        "SELECT a.execution_id, MIN(c.name) FROM Association a JOIN Context c ON c.id = a.context_id "
        "JOIN Type t ON t.id = c.type_id AND t.name = 'pipeline' GROUP BY a.execution_id"))
    cost = ("SELECT execution_id, double_value FROM ExecutionProperty WHERE name = 'cpu_seconds'")
    cpu = dict(con.execute(cost))
    per_pipeline: dict[str, list] = {}
    cost_by_category: dict[str, float] = {}
    trainers = live_trainers = 0
    for execution_id, type_id, state, created, updated in con.execute(
            f"SELECT e.id, e.type_id, e.last_known_state, {times[0]}, {times[1]} FROM Execution e"):
        operator = operators.get(type_id, "?")
        entry = per_pipeline.setdefault(pipeline_of.get(execution_id, "(store)"), [None, None, 0, set()])
        for t in (created, updated):
            if t:
                entry[0] = t if entry[0] is None else min(entry[0], t)
                entry[1] = t if entry[1] is None else max(entry[1], t)
        entry[3].add(operator)
        if operator == "Trainer":
            entry[2] += 1
            trainers += 1
            live_trainers += state != CACHED
        seconds = 0.0 if state == CACHED else cpu.get(execution_id, max(0, (updated or 0) - (created or 0)) / 1000.0)
        category = categories.get(type_id, "other")
        cost_by_category[category] = cost_by_category.get(category, 0.0) + seconds
    pushed = con.execute(
        "SELECT COUNT(*) FROM Artifact a JOIN Type t ON t.id = a.type_id AND t.name = 'PushedModel' "
        "LEFT JOIN ArtifactProperty p ON p.artifact_id = a.id AND p.name = 'pushed' "
        "WHERE p.int_value IS NULL OR p.int_value = 1").fetchone()[0]
    active_days, rates = [], []
    for first, last, trainings, _ in per_pipeline.values():
        days = max(1, math.ceil((last - first) / DAY_MS)) if first is not None else 1
        active_days.append(days)
        rates.append(trainings / days)
    all_times = [t for first, last, _, _ in per_pipeline.values() for t in (first, last) if t is not None]
    count = len(per_pipeline)
    total_cost = sum(cost_by_category.values()) or 1.0
    rows: list[tuple[str, object, str]] = [
        ("pipelines", count, TARGETS["pipelines"]),
        ("window_days", round((max(all_times) - min(all_times)) / DAY_MS, 1) if all_times else 0.0, TARGETS["window_days"]),
        ("trainer_executions", trainers, TARGETS["trainer_executions"]),
        ("trainer_executions_per_pipeline", round(trainers / count, 1), TARGETS["trainer_executions_per_pipeline"]),
        ("trainings_per_active_day_mean", round(sum(rates) / count, 2), TARGETS["trainings_per_active_day_mean"]),
        ("trainings_per_active_day_p99", round(_percentile(rates, 0.99), 1), TARGETS["trainings_per_active_day_p99"]),
        ("share_pipelines_over_100_per_day", round(sum(r > 100 for r in rates) / count, 4),
         TARGETS["share_pipelines_over_100_per_day"]),
        ("active_days_mean", round(sum(active_days) / count, 1), TARGETS["active_days_mean"]),
        ("push_share", round(pushed / live_trainers, 3) if live_trainers else 0.0, TARGETS["push_share"]),
    ]
    # Every operator the store runs, in pipeline-stage order: the ExampleGen a store runs is named
    # as the graph names it (CsvExampleGen, ImportExampleGen, ...).
    run = {operator for _, _, _, ops in per_pipeline.values() for operator in ops}
    for operator in sorted(run, key=lambda op: (CATEGORIES.index(operator_map.category(op)), op)):
        share = sum(operator in ops for _, _, _, ops in per_pipeline.values()) / count
        rows.append((f"presence_{operator}", round(share, 3), ""))
    for category in sorted(cost_by_category):
        key = f"cost_share_{category.replace('/', '_').replace(' ', '_')}"
        rows.append((key, round(cost_by_category[category] / total_cost, 3), TARGETS.get(key, "")))
    return rows
