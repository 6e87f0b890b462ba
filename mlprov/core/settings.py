"""The graphlet settings (rules §8): the choices of the graphlet rules that the paper leaves open,
with their defaults, written here and nowhere else.

`mlprov graphlets build` takes its option defaults from `GraphletSettings()`; the stored queries
get a declared parameter named like a setting from a settings object when the caller gives none
(`mlprov.core.queries` refuses a header that writes a default of its own); the plain-Python
graphlet oracle (`mlprov.corpus.oracle`) takes one too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MS_PER_HOUR = 3600 * 1000


@dataclass(frozen=True)
class GraphletSettings:
    """What the graphlet build decides with: the open window (rules §3 step 9), the operator whose
    executions anchor graphlets and the artifact types that are trained models (step 1)."""

    open_window_ms: int = 24 * MS_PER_HOUR
    trainer_operator: str = "Trainer"
    model_types: tuple[str, ...] = ("Model",)

    def params(self) -> dict[str, Any]:
        """The settings as stored-query parameters (lists where the settings hold tuples)."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))}

    @classmethod
    def from_params(cls, values: Mapping[str, Any]) -> GraphletSettings:
        """Settings from parameter-shaped values (e.g. a build's recorded fingerprint); other keys
        are ignored and missing ones keep their defaults."""
        defaults = cls()
        given = {name: tuple(value) if isinstance(getattr(defaults, name), tuple) else value
                 for name, value in values.items() if name in SETTING_NAMES}
        return cls(**given)


SETTING_NAMES = tuple(f.name for f in fields(GraphletSettings))
_PARAM_TYPES = {bool: "bool", int: "int", float: "float", str: "string", tuple: "list"}


def param_type(name: str) -> str:
    """The stored-query parameter type (as a header declares it) of the setting `name`."""
    return _PARAM_TYPES[type(getattr(GraphletSettings(), name))]
