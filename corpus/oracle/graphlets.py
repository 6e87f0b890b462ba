"""Model graphlets (rules §3) computed in plain Python from an MLMD store's rows.

This is the oracle: the corpus ground truth comes from it, and the Cypher implementation is
checked against it on real stores. It follows rules §3 step by step, with the settings of
rules §8 it is given (`mlprov.core.settings.GraphletSettings`, the build's own; the defaults unless
told otherwise). Where the rules leave a detail open, the choice is noted where it is made.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from mlprov.core.settings import GraphletSettings
from mlprov.corpus.oracle.store_rows import EVENT_INPUT, EVENT_OUTPUT, ExecutionRow, StoreRows, read_store_rows
from mlprov.loader.operators import OperatorMap, default_map

UNWALKED_UPSTREAM_KEYS = {"base_model"}
UNWALKED_DOWNSTREAM_KEYS = {"base_model", "baseline_model"}
BLESSING_TYPES = {"ModelBlessing", "InfraBlessing"}
COLUMNS = ["source", "pipeline", "trainer_node", "trainer_id", "model_id", "outcome", "started_at",
           "n_executions", "n_artifacts", "member_execution_ids", "member_artifact_ids",
           "cost_full_s", "cost_amortized_s", "cost_first_use_s", "warm_starts_from", "baseline_from"]


def operator_of(type_name: str) -> str:
    """The operator an execution type runs, as the loader's operator map names it: the map is
    configuration the graphlet rules take as given (rules §2), like the Cypher build does."""
    return _operator_map().operator(type_name)


@cache
def _operator_map() -> OperatorMap:
    return default_map()


def cost_s(execution: ExecutionRow) -> float:
    """rules §2: CACHED costs 0; else `cpu_seconds`; else wall time; else 0."""
    if execution.state == "CACHED":
        return 0.0
    if execution.cpu_seconds is not None:
        return execution.cpu_seconds
    if execution.created_at is not None and execution.ended_at is not None:
        return max(0, execution.ended_at - execution.created_at) / 1000.0
    return 0.0


@dataclass
class GraphletTable:
    graphlets: pd.DataFrame
    unattributed_executions: list[int]
    unattributed_cost_s: float


class _Index:
    """Walk indexes over one set of rows."""

    def __init__(self, rows: StoreRows):
        self.rows = rows
        self.operator = {i: operator_of(e.type_name) for i, e in rows.executions.items()}
        self.live = {i for i, e in rows.executions.items() if e.state != "CACHED"}
        self.inputs: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
        self.readers: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
        self.outputs: dict[int, list[int]] = defaultdict(list)
        creator_key: dict[int, tuple] = {}
        self.creator: dict[int, int] = {}
        for event in rows.events:
            if event.type == EVENT_INPUT:
                self.inputs[event.execution_id].append((event.artifact_id, event.key))
                self.readers[event.artifact_id].append((event.execution_id, event.key))
            elif event.type == EVENT_OUTPUT:
                self.outputs[event.execution_id].append(event.artifact_id)
                if event.execution_id in self.live:
                    key = self.order_key(event.execution_id)
                    if event.artifact_id not in creator_key or key < creator_key[event.artifact_id]:
                        creator_key[event.artifact_id] = key
                        self.creator[event.artifact_id] = event.execution_id

    def order_key(self, execution_id: int) -> tuple:
        created = self.rows.executions[execution_id].created_at
        return (created is None, created or 0, execution_id)


def _upstream(index: _Index, trainer_id: int, trainer_operator: str) -> tuple[set[int], set[int]]:
    executions, artifacts = set(), set()
    stack = [trainer_id]
    while stack:
        execution_id = stack.pop()
        for artifact_id, key in index.inputs.get(execution_id, ()):
            if key in UNWALKED_UPSTREAM_KEYS:
                continue
            creator = index.creator.get(artifact_id)
            # An artifact a Trainer created belongs to that Trainer's graphlet, so neither it nor
            # its creator joins this one.
            if creator is not None and index.operator[creator] == trainer_operator:
                continue
            artifacts.add(artifact_id)
            if creator is None or index.operator[creator] == "Resolver" or creator in executions:
                continue
            executions.add(creator)
            stack.append(creator)
    return executions, artifacts


def _downstream(index: _Index, models: list[int], trainer_operator: str) -> set[int]:
    executions: set[int] = set()
    reached, frontier = set(models), list(models)
    while frontier:
        artifact_id = frontier.pop()
        for reader, key in index.readers.get(artifact_id, ()):
            if (key in UNWALKED_DOWNSTREAM_KEYS or reader not in index.live or reader in executions
                    or index.operator[reader] in (trainer_operator, "Resolver")):
                continue
            executions.add(reader)
            for output in index.outputs.get(reader, ()):
                if output not in reached:
                    reached.add(output)
                    frontier.append(output)
    return executions


def _outcome(index: _Index, trainer: ExecutionRow, downstream: set[int], artifacts: set[int],
             last_of_chain: bool, trace_end: int | None, open_window_ms: int) -> str:
    executions, stored = index.rows.executions, index.rows.artifacts
    if trainer.state in ("FAILED", "CANCELED"):
        return "failed"
    for member in downstream:
        if index.operator[member] == "Pusher" and executions[member].state == "COMPLETE":
            for output in index.outputs.get(member, ()):
                if stored[output].type_name == "PushedModel" and stored[output].properties.get("pushed", 1) == 1:
                    return "pushed"
    recent = trace_end is not None and trainer.created_at is not None and trainer.created_at >= trace_end - open_window_ms
    unfinished = trainer.state in ("NEW", "RUNNING") or not any(executions[m].state == "COMPLETE" for m in downstream)
    if last_of_chain and recent and unfinished:
        return "open"
    if trainer.state != "COMPLETE":
        return "failed"
    blessings = [stored[a].properties.get("blessed") for a in artifacts if stored[a].type_name in BLESSING_TYPES]
    if any(value == 0 for value in blessings):
        return "not_blessed"
    if blessings and all(value == 1 for value in blessings):
        return "blessed_not_pushed"
    return "not_pushed"


def graphlets_from_rows(rows: StoreRows, source: str, trace_end: int | None = None,
                        settings: GraphletSettings = GraphletSettings()) -> GraphletTable:
    """The graphlet table of one set of rows; `trace_end` defaults to the rows' latest execution time."""
    records, unattributed, unattributed_cost_s = graphlet_records(rows, source, trace_end, settings)
    return GraphletTable(graphlet_frame(records), unattributed, unattributed_cost_s)


def graphlet_frame(records: list[dict]) -> pd.DataFrame:
    """The graphlet table of `graphlet_records`."""
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    for column in ("model_id", "started_at", "warm_starts_from", "baseline_from"):
        frame[column] = frame[column].astype("Int64")
    return frame


def graphlet_records(rows: StoreRows, source: str, trace_end: int | None = None,
                     settings: GraphletSettings = GraphletSettings()) -> tuple[list[dict], list[int], float]:
    """`graphlets_from_rows` before it makes a table: a record (COLUMNS) per graphlet, and the
    unattributed executions with their cost (the corpus generator builds one table of all pipelines)."""
    index = _Index(rows)
    executions = rows.executions
    if trace_end is None:
        trace_end = max((t for e in executions.values() for t in (e.created_at, e.ended_at) if t is not None), default=None)
    trainers = sorted((i for i in index.live if index.operator[i] == settings.trainer_operator), key=index.order_key)
    model_owner: dict[int, int] = {}
    members = {}
    for trainer_id in trainers:
        models = sorted(a for a in index.outputs.get(trainer_id, ())
                        if rows.artifacts[a].type_name in settings.model_types)
        for model in models:
            model_owner.setdefault(model, trainer_id)
        up_executions, up_artifacts = _upstream(index, trainer_id, settings.trainer_operator)
        down_executions = _downstream(index, models, settings.trainer_operator)
        member_executions = up_executions | down_executions | {trainer_id}
        member_artifacts = up_artifacts | set(models)
        for member in member_executions:
            member_artifacts.update(index.outputs.get(member, ()))
        members[trainer_id] = (models, member_executions, member_artifacts, down_executions)

    chains: dict[tuple, list[int]] = defaultdict(list)
    for trainer_id in trainers:
        trainer = executions[trainer_id]
        chains[(trainer.pipeline or source, trainer.node or index.operator[trainer_id])].append(trainer_id)
    last_of_chain = {chain[-1] for chain in chains.values()}

    holders: dict[int, int] = defaultdict(int)
    first_holder: dict[int, int] = {}
    for trainer_id in trainers:  # trainers are in (created_at, id) order: the first holder is the first use
        for member in members[trainer_id][1]:
            holders[member] += 1
            first_holder.setdefault(member, trainer_id)

    records = []
    for trainer_id in trainers:
        trainer = executions[trainer_id]
        models, member_executions, member_artifacts, downstream = members[trainer_id]
        costs = {m: cost_s(executions[m]) for m in member_executions}
        records.append({
            "source": source,
            "pipeline": trainer.pipeline or source,
            "trainer_node": trainer.node or index.operator[trainer_id],
            "trainer_id": trainer_id,
            "model_id": models[0] if models else None,
            "outcome": _outcome(index, trainer, downstream, member_artifacts, trainer_id in last_of_chain, trace_end,
                                settings.open_window_ms),
            "started_at": trainer.created_at,
            "n_executions": len(member_executions),
            "n_artifacts": len(member_artifacts),
            "member_execution_ids": " ".join(map(str, sorted(member_executions))),
            "member_artifact_ids": " ".join(map(str, sorted(member_artifacts))),
            "cost_full_s": sum(costs.values()),
            "cost_amortized_s": sum(c / holders[m] for m, c in costs.items()),
            "cost_first_use_s": sum(c for m, c in costs.items() if first_holder[m] == trainer_id),
            "warm_starts_from": _linked_graphlet(index, trainer_id, "base_model", model_owner),
            "baseline_from": _baseline_graphlet(index, downstream, model_owner),
        })
    unattributed = sorted(i for i in executions if i not in holders)
    return records, unattributed, sum(cost_s(executions[i]) for i in unattributed)


def _linked_graphlet(index: _Index, execution_id: int, key: str, model_owner: dict[int, int]) -> int | None:
    owners = [model_owner[a] for a, k in index.inputs.get(execution_id, ()) if k == key and a in model_owner]
    return min(owners) if owners else None


def _baseline_graphlet(index: _Index, downstream: set[int], model_owner: dict[int, int]) -> int | None:
    owners = [g for m in downstream if (g := _linked_graphlet(index, m, "baseline_model", model_owner)) is not None]
    return min(owners) if owners else None


def compute(path: str | Path, source: str | None = None,
            settings: GraphletSettings = GraphletSettings()) -> GraphletTable:
    path = Path(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = read_store_rows(con)
    finally:
        con.close()
    return graphlets_from_rows(rows, source or path.stem, settings=settings)


def compute_graphlets(path: str | Path, source: str | None = None,
                      settings: GraphletSettings = GraphletSettings()) -> pd.DataFrame:
    """The graphlets (rules §3) of the MLMD SQLite store at `path`; `source` defaults to the file stem."""
    return compute(path, source, settings).graphlets
