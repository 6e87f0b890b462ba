"""Normalise MLMD execution type names to operators and categories.

The mapping is configuration (``operators.toml`` beside this file, extendable by the user),
never a substring guess: an exact type-name entry wins, otherwise the class path's last dotted
component is the operator.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mlprov.core.errors import BadInputError

CATEGORIES = (
    "ingestion",
    "analysis",
    "transformation",
    "training",
    "model_validation",
    "deployment",
    "other",
)


@dataclass(frozen=True)
class OperatorMap:
    type_names: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def operator(self, type_name: str) -> str:
        mapped = self.type_names.get(type_name)
        if mapped is not None:
            return mapped
        return type_name.rsplit(".", 1)[-1] or type_name

    def category(self, operator: str) -> str:
        return self.categories.get(operator, "other")

    def classify(self, type_name: str) -> tuple[str, str]:
        operator = self.operator(type_name)
        return operator, self.category(operator)

    def extended(self, other: "OperatorMap") -> "OperatorMap":
        return OperatorMap(
            type_names={**self.type_names, **other.type_names},
            categories={**self.categories, **other.categories},
        )


def _parse(text: str, origin: str) -> OperatorMap:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{origin}: not valid TOML: {exc}") from exc
    type_names = data.get("type_names", {})
    categories = data.get("categories", {})
    unknown = sorted(set(data) - {"type_names", "categories"})
    if unknown:
        raise BadInputError(f"{origin}: unknown table(s) {unknown}; expected [type_names], [categories]")
    bad = {op: cat for op, cat in categories.items() if cat not in CATEGORIES}
    if bad:
        raise BadInputError(f"{origin}: unknown categories {bad}; use one of {', '.join(CATEGORIES)}")
    return OperatorMap(dict(type_names), dict(categories))


def default_map() -> OperatorMap:
    text = resources.files("mlprov.loader").joinpath("operators.toml").read_text(encoding="utf-8")
    return _parse(text, "operators.toml")


def load_map(extra: Path | None = None) -> OperatorMap:
    """The default mapping, extended by the user's TOML file when given."""
    mapping = default_map()
    if extra is None:
        return mapping
    try:
        text = extra.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"{extra}: cannot read the operator mapping: {exc.strerror}") from exc
    return mapping.extended(_parse(text, str(extra)))
