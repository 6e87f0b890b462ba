"""Rewrite the README's table of stored analyses from the query headers (tests check they agree).

    .venv/bin/python scripts/update_readme.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mlprov.core import queries

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- analyses:begin -->", "<!-- analyses:end -->"
LISTED_NAMESPACES = ("analyses.", "topology.", "lineage.")


def analyses_table() -> str:
    lines = ["| query | what it returns | parameters |", "|---|---|---|"]
    for query in queries.registry():
        if query.mode != "read" or not query.name.startswith(LISTED_NAMESPACES):
            continue
        params = ", ".join(f"`{p.name}`" for p in query.params.values()) or "none"
        summary = query.summary.replace("|", "\\|")
        lines.append(f"| `{query.name}` | {summary} | {params} |")
    return "\n".join(lines)


def replaced(text: str) -> str:
    block = f"{BEGIN}\n{analyses_table()}\n{END}"
    return re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text:
        sys.exit(f"{README} has no {BEGIN} marker")
    README.write_text(replaced(text), encoding="utf-8")
