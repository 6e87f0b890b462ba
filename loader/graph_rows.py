"""Turn MLMD rows (from mlprov.loader.mlmd) into the property maps the load queries write.

rules §2 fixes them: uids namespaced by source, operator and category from the mapping,
state, times, Trainer node, span, and cost with its basis.
"""

from __future__ import annotations

import json
from typing import Any

from mlprov.loader.mlmd import execution_state
from mlprov.loader.operators import OperatorMap

ARTIFACT_LIFTED = {
    # property name -> (graph property, converter)
    "span": ("span", "int"),
    "pushed": ("pushed", "int"),
    "blessed": ("blessed", "int"),
    "model_type": ("model_type", "str"),
    "input_fingerprint": ("input_fingerprint", "str"),
    "drift_score": ("drift_score", "float"),
}
EXECUTION_LIFTED = ("module_file", "module_path", "train_args", "eval_args", "custom_config", "component_id")


def uid(source: str, kind: str, key: Any) -> str:
    return f"{source}:{kind}:{key}"


def _convert(value: Any, kind: str) -> Any:
    try:
        if kind == "int":
            return int(float(value)) if isinstance(value, str) else int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        return None
    return str(value)


def _props_json(properties: dict[str, Any]) -> str | None:
    return json.dumps(properties, sort_keys=True, default=str) if properties else None


def artifact_row(source: str, row: dict) -> dict:
    props = row["properties"]
    node = {
        "uid": uid(source, "a", row["mlmd_id"]),
        "source": source,
        "mlmd_id": row["mlmd_id"],
        "type": row["type"],
        "name": row["name"],
        "uri": row["uri"],
        "state": row["state"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "props": _props_json(props),
    }
    for name, (prop, kind) in ARTIFACT_LIFTED.items():
        if props.get(name) is not None:
            node[prop] = _convert(props[name], kind)
    return node


def trainer_node(row: dict, pipeline: str, operator: str) -> str:
    """The chain key: node context (minus the `<pipeline>.` prefix), else component_id, else operator."""
    node_context = row["node_context"]
    if node_context:
        prefix = f"{pipeline}."
        return node_context[len(prefix):] if node_context.startswith(prefix) else node_context
    component_id = row["properties"].get("component_id")
    return str(component_id) if component_id else operator


def cost(state: str, props: dict[str, Any], created_at: int | None, ended_at: int | None) -> tuple[float, str]:
    """rules §2: CACHED costs 0; else cpu_seconds; else wall time; else 0 with basis unknown."""
    if state == "CACHED":
        return 0.0, "cached"
    cpu = props.get("cpu_seconds")
    if isinstance(cpu, (int, float)) and not isinstance(cpu, bool):
        return float(cpu), "cpu"
    if created_at is not None and ended_at is not None and ended_at >= created_at:
        return (ended_at - created_at) / 1000.0, "wall"
    return 0.0, "unknown"


def pipeline_row(source: str, name: str) -> dict:
    return {"uid": uid(source, "p", name), "source": source, "name": name}


def default_pipeline(source: str, pipeline_names: list[str]) -> str:
    """The pipeline of an execution without a `pipeline` context (rules §2): a store without
    `pipeline` contexts is one pipeline named after its source; an execution of a store with
    exactly one pipeline name that lacks the association still belongs to it."""
    return pipeline_names[0] if len(set(pipeline_names)) == 1 else source


class ExecutionNormaliser:
    """Knows the store's pipelines, so each execution lands in one (rules §2)."""

    def __init__(self, source: str, pipeline_names: list[str], operators: OperatorMap):
        self.source = source
        self.operators = operators
        self.default_pipeline = default_pipeline(source, pipeline_names)

    def row(self, row: dict) -> dict:
        props = row["properties"]
        operator, category = self.operators.classify(row["type"])
        pipeline = row["pipeline_context"] or self.default_pipeline
        state = execution_state(row)
        cost_s, basis = cost(state, props, row["created_at"], row["ended_at"])
        node = {
            "uid": uid(self.source, "e", row["mlmd_id"]),
            "source": self.source,
            "mlmd_id": row["mlmd_id"],
            "type": row["type"],
            "operator": operator,
            "category": category,
            "name": row["name"],
            "state": state,
            "created_at": row["created_at"],
            "ended_at": row["ended_at"],
            "cost_s": cost_s,
            "cost_basis": basis,
            "pipeline": pipeline,
            "node": trainer_node(row, pipeline, operator),
            "props": _props_json(props),
        }
        for name in EXECUTION_LIFTED:
            if props.get(name) is not None:
                node[name] = str(props[name])
        return {"uid": node["uid"], "pipeline_uid": uid(self.source, "p", pipeline), "node": node}


def context_row(source: str, row: dict) -> dict:
    return {
        "uid": uid(source, "c", row["mlmd_id"]),
        "source": source,
        "mlmd_id": row["mlmd_id"],
        "type": row["type"],
        "name": row["name"],
        "created_at": row["created_at"],
        "props": _props_json(row["properties"]),
    }


def uids(source: str, kind: str, keys: list) -> list[str]:
    """`uid` of each key (a column of ids)."""
    prefix = f"{source}:{kind}:"
    return list(map(prefix.__add__, map(str, keys)))


def event_columns(source: str, batch: dict[str, list]) -> dict[str, list]:
    """The relationship rows of a batch of events (`mlmd.event_batches`), as columns."""
    return {
        "artifact": uids(source, "a", batch["artifact_id"]),
        "execution": uids(source, "e", batch["execution_id"]),
        "event_id": batch["event_id"],
        "event_type": batch["event_type"],
        "key": batch["key"],
        "index": batch["index"],
        "at": batch["at"],
    }


def link_columns(source: str, owner_kind: str, batch: dict[str, list]) -> dict[str, list]:
    """The relationship rows of a batch of links (`mlmd.link_batches`) owned by nodes of `owner_kind`."""
    return {"owner": uids(source, owner_kind, batch["owner_id"]), "context": uids(source, "c", batch["context_id"])}


def parent_row(source: str, row: dict) -> dict:
    return {"child": uid(source, "c", row["child_id"]), "parent": uid(source, "c", row["parent_id"])}
