"""Numbers for people: thousands separators, percentages, costs in CPU-hours or days with their
basis, dates. Never scientific notation. The report's finding sentences, tables and figure labels
all format through here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timezone

import pandas as pd

# What each cost basis of rules §2 measures; the unit a cost of that basis is given in.
BASIS_UNITS = {"cpu": "CPU", "wall": "wall-clock"}


def number(value: float | int | None, digits: int | None = None) -> str:
    """`1234567` → `1,234,567`; `12.345` → `12.3`; `0.0042` → `0.0042`: never `1.2e+06`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if digits is None:
        magnitude = abs(value)
        if magnitude == 0 or magnitude >= 100 or float(value).is_integer():
            digits = 0
        elif magnitude >= 1:
            digits = 1
        else:
            # enough decimals for two significant digits, without exponent
            digits = min(8, 1 - math.floor(math.log10(magnitude)))
    text = f"{value:,.{digits}f}"
    if "." in text and abs(value) < 1:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "-0.0", "") else text


def count(value: float | int | None) -> str:
    """An integer count with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{int(round(float(value))):,}"


def plural(n: float | int, word: str, words: str | None = None) -> str:
    """`1 graphlet`, `2 graphlets`, `1,234 graphlets`."""
    return f"{count(n)} {word if int(round(float(n))) == 1 else (words or word + 's')}"


def percent(share: float | None, digits: int | None = None) -> str:
    """A share in [0, 1] as a percentage: 0.3101 → `31%`, 0.0482 → `4.8%`, 0.0004 → `0.04%`."""
    if share is None or (isinstance(share, float) and math.isnan(share)) or pd.isna(share):
        return "n/a"
    value = float(share) * 100
    if digits is None:
        magnitude = abs(value)
        digits = 0 if magnitude >= 10 or magnitude == 0 else 1 if magnitude >= 1 else 2
    text = f"{value:,.{digits}f}"
    if digits and float(text.replace(",", "")) == round(value):
        text = f"{round(value):,}"
    return f"{text}%"


def cost_unit(bases: Iterable[str] | str | None) -> str:
    """The unit word of costs summed over these bases (rules §2): `CPU` when every paid execution
    recorded CPU seconds, `wall-clock` when every one only has its run time, else `CPU or
    wall-clock`. `cached` (cost 0) and `unknown` (cost 0) do not count."""
    if isinstance(bases, str):
        bases = bases.split()
    paid = sorted({b for b in (bases or ()) if b in BASIS_UNITS})
    if not paid:
        return "CPU"
    if len(paid) == 1:
        return BASIS_UNITS[paid[0]]
    return "CPU or wall-clock"


def cost(seconds: float | None, unit: str = "CPU") -> str:
    """Seconds of cost in hours or days: `8,266,135` → `2,296 CPU-hours (95.7 CPU-days)`; small
    costs in minutes or seconds. `unit` is what the seconds are seconds of (see `cost_unit`)."""
    if seconds is None or pd.isna(seconds):
        return "n/a"
    seconds = float(seconds)
    hours = seconds / 3600
    if abs(seconds) < 120:
        return f"{number(seconds)} {unit}-seconds"
    if abs(hours) < 2:
        return f"{number(seconds / 60)} {unit}-minutes"
    if abs(hours) < 48:
        return f"{number(hours)} {unit}-hours"
    return f"{count(hours)} {unit}-hours ({number(hours / 24)} {unit}-days)"


def hours(seconds: float) -> float:
    return float(seconds) / 3600


def day(epoch_ms: float | int | None) -> str:
    """A UTC date from milliseconds since the epoch: `2 Jan 2024`."""
    if epoch_ms is None or pd.isna(epoch_ms):
        return "n/a"
    moment = datetime.fromtimestamp(float(epoch_ms) / 1000, tz=timezone.utc)
    return f"{moment.day} {moment:%b %Y}"


def days(value: float | None) -> str:
    """A duration in days: `123 days`, `8.9 days`, `1 day`, `0.58 days`."""
    if value is None or pd.isna(value):
        return "n/a"
    value = float(value)
    if value < 1 / 24:
        return plural(round(value * 1440), "minute")
    if value < 1:
        return f"{number(value * 24)} hours"
    text = number(value)
    return f"{text} day" if text == "1" else f"{text} days"


def cell(value) -> str:
    """One table cell: integers with separators, floats without exponent, the rest as text."""
    if value is None or (not isinstance(value, (str, list, tuple, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "dtype") and pd.api.types.is_integer_dtype(getattr(value, "dtype", None))):
        return count(value)
    if isinstance(value, float):
        return number(value) if abs(value) >= 1 or value == 0 else number(value, None)
    try:
        import numpy as np

        if isinstance(value, np.integer):
            return count(int(value))
        if isinstance(value, np.floating):
            return cell(float(value))
        if isinstance(value, np.bool_):
            return "yes" if bool(value) else "no"
    except ImportError:  # pragma: no cover
        pass
    return str(value)
