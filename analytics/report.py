"""The HTML report: headline numbers, then a figure and a table for every analysis.

`write_report(driver, database, output)` writes `index.html` and one PNG per analysis into the
folder `output`; the HTML refers to the PNGs by relative name, so the folder can be moved or served.
With `waste_model=True` it also trains and evaluates the waste-pruning classifier on the same
connection and source, and adds its section.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import neo4j

from mlprov.analytics import figures
from mlprov.analytics.tables import Table, run_tables

TABLE_ROWS = 30
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
.headline { display: flex; gap: 1.5em; flex-wrap: wrap; }
.headline div { background: #eef3f8; padding: 0.8em 1.2em; border-radius: 6px; }
.headline b { display: block; font-size: 1.8em; }
section { border-top: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.8em; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
img { max-width: 100%; }
.note { color: #666; font-size: 0.85em; }
"""


@dataclass(frozen=True)
class Report:
    path: Path
    tables: dict[str, Table]
    seconds: float


def headline(tables: dict[str, Table]) -> dict[str, str]:
    """The numbers at the top: pipelines, graphlets, pushed share, waste fraction (amortized)."""
    facts: dict[str, str] = {}
    if "corpus_summary" in tables:
        facts["pipelines"] = f"{int(tables['corpus_summary'].frame['pipelines'].sum()):,}"
    if "outcome_share" in tables:
        outcomes = tables["outcome_share"].frame
        facts["graphlets"] = f"{int(outcomes['graphlets'].sum()):,}"
        pushed = outcomes.loc[outcomes["outcome"] == "pushed", "share"]
        facts["pushed share"] = f"{float(pushed.iloc[0]):.1%}" if len(pushed) else "0%"
    if "waste_total" in tables:
        waste = tables["waste_total"].frame
        amortized = waste.loc[waste["mode"] == "amortized", "waste_fraction"].dropna()
        facts["waste fraction (amortized)"] = f"{float(amortized.iloc[0]):.1%}" if len(amortized) else "n/a"
    return facts


def _section(table: Table, image: str) -> str:
    frame = table.frame
    shown = frame.head(TABLE_ROWS)
    more = f"first {TABLE_ROWS} of {len(frame):,} rows; " if len(frame) > TABLE_ROWS else f"{len(frame):,} rows; "
    params = ", ".join(f"{name}={value!r}" for name, value in table.params.items()) or "none"
    return (
        f'<section id="{html.escape(table.name)}"><h2>{html.escape(table.name)}</h2>'
        f"<p>{html.escape(table.query.summary)}</p>"
        f'<img src="{html.escape(image)}" alt="{html.escape(table.name)} figure">'
        f'<p class="note">{more}query <code>{html.escape(table.query.name)}</code>, parameters {html.escape(params)}, '
        f"{table.seconds:.2f} s. The export holds every row.</p>"
        f"{shown.to_html(index=False, na_rep='', float_format=lambda v: f'{v:.4g}', border=0)}</section>"
    )


def render(tables: dict[str, Table], images: dict[str, str], source: str | None,
           extra_sections: Iterable[str] = ()) -> str:
    """The report page for these tables, with `images[name]` as each figure's file name, and any
    ready-made HTML sections (e.g. the waste model's) at the end."""
    scope = f"source {source}" if source else "all sources"
    facts = "".join(f"<div><b>{html.escape(v)}</b>{html.escape(k)}</div>" for k, v in headline(tables).items())
    contents = " · ".join(f'<a href="#{html.escape(n)}">{html.escape(n)}</a>' for n in tables)
    sections = "\n".join([*(_section(t, images[n]) for n, t in tables.items()), *extra_sections])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mlprov report</title>'
        f"<style>{STYLE}</style></head><body><h1>mlprov report</h1>"
        f'<p class="note">Model graphlets and pipeline analyses ({html.escape(scope)}), written {stamp}. '
        f"Costs are in seconds of the basis each execution records (cpu, wall; cached runs cost 0).</p>"
        f'<div class="headline">{facts}</div><p>{contents}</p>{sections}</body></html>\n'
    )


def write_report(driver: neo4j.Driver, database: str, output: Path, source: str | None = None,
                 waste_model: bool = False) -> Report:
    """Run every analysis, draw its figure, and write `output/index.html` beside the PNGs (and the
    waste-pruning section with its figures, with `waste_model`)."""
    started = time.perf_counter()
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    tables = run_tables(driver, database, source=source)
    images = {name: figures.draw(name, table.frame, output / f"{name}.png").name for name, table in tables.items()}
    extra_sections = []
    if waste_model:
        from mlprov.analytics.waste.jobs import report_section  # scikit-learn: only when asked

        extra_sections.append(report_section(driver, database, output, source))
    path = output / "index.html"
    path.write_text(render(tables, images, source, extra_sections), encoding="utf-8")
    return Report(path, tables, time.perf_counter() - started)
