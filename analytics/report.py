"""The HTML report: findings about your pipelines, in the order of the study it reproduces.

Seven sections, each answering one question (what was analysed; how long pipelines live and how
often they train; what they are made of; model graphlets; where the compute goes; how much is
wasted; what pruning would save), each with a finding sentence computed from the data
(`mlprov.analytics.findings`), a figure designed for that question (`mlprov.analytics.figures`)
and, collapsed, the first rows of the analysis tables behind it with links to their exported
CSV/Parquet files. Then a page for each of the pipelines that waste most: a timeline of its
graphlets and the Cypher that opens it in the Neo4j Browser.

`write_report(driver, database, output, tables=...)` draws from tables already run (the demo runs
the analyses once for the report and the export); without them it runs them. Everything the page
needs is in `output` (PNG figures, HTML, no fonts or scripts from the network).
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import neo4j
import pandas as pd

from mlprov.analytics import figures
from mlprov.analytics import findings as fd
from mlprov.analytics import humanize as hz
from mlprov.analytics.tables import Table, run_tables
from mlprov.core.errors import BadInputError

RAW_ROWS = 5
TOP_PIPELINES = 10
EXPORT_FORMATS = ("csv", "parquet")
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { margin-bottom: 0.2em; }
.headline { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.headline div { background: #eef3f8; padding: 0.7em 1.1em; border-radius: 6px; }
.headline b { display: block; font-size: 1.7em; }
nav ol { columns: 2; }
section { border-top: 1px solid #ccc; margin-top: 2.2em; padding-top: 0.3em; }
.question { color: #555; font-style: italic; margin-top: -0.4em; }
.finding { font-size: 1.12em; background: #fbf7e9; border-left: 4px solid #e0b020; padding: 0.6em 0.9em; }
.finding b { font-weight: 600; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.88em; }
img { max-width: 100%; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; vertical-align: top; }
td.text, th.text { text-align: left; }
details { margin: 0.8em 0; }
summary { cursor: pointer; color: #2a5d8a; }
.note { color: #666; font-size: 0.85em; }
pre { background: #f4f4f4; padding: 0.7em; overflow-x: auto; font-size: 0.85em; }
code { font-size: 0.92em; }
"""


@dataclass(frozen=True)
class Section:
    """One question of the study, the finding that answers it and the tables behind it."""

    id: str
    title: str
    question: str
    tables: tuple[str, ...]
    finding: Callable[[Mapping[str, pd.DataFrame]], list[str]]
    caption: str


SECTIONS: tuple[Section, ...] = (
    Section("analysed", "What was analysed", "Which stores, how many pipelines, over what time, and how many models?",
            ("corpus_summary", "pipeline_lifespan", "outcomes_over_time"), fd.analysed_finding,
            "Top: models trained each week. Bottom: pipelines running each week, from their first to their last execution."),
    Section("lifespan", "How long pipelines live and how often they train",
            "Are these long-lived pipelines that retrain often, or one-off experiments?",
            ("pipeline_lifespan", "pipeline_activity", "graphlets_per_pipeline"), fd.lifespan_finding,
            "A pipeline's lifespan runs from its first to its last execution; an active day is a day of that span "
            "(at least one, rules §4). Log axes where pipelines differ by a factor of a hundred or more."),
    Section("structure", "What the pipelines are made of",
            "Which operators do they run, how deep and wide are their DAGs, how many shapes, and do they change?",
            ("operator_frequency", "operator_set", "dag_shape", "dag_shapes", "depth_width",
             "multi_trainer_pipelines", "structure_changes"), fd.structure_finding,
            "The DAG is at operator level: an edge A→B when a run of A wrote an artifact that a run of B read. Depth "
            "counts operators on the longest path, width the most operators on one level (rules §4)."),
    Section("graphlets", "Model graphlets: the unit of work",
            "How big is the work that produces one model, how often does it reach production, and what changed "
            "before it?",
            ("graphlets", "graphlet_size", "outcome_share", "outcomes_by_pipeline", "outcomes_over_time",
             "input_overlap", "graphlet_changes", "push_rate_by_change", "warm_start_chains"), fd.graphlets_finding,
            "A model graphlet is one Trainer run with the upstream work it read and the validation and push that "
            "read its model (rules §3). Its outcome is the first that applies of: failed, pushed, open (too recent to "
            "judge), not blessed, blessed but not pushed, not pushed."),
    Section("compute", "Where the compute goes", "Which kinds of work and which operators spend the compute?",
            ("cost_by_category", "cost_by_operator", "executions_by_operator", "failures_by_operator"),
            fd.compute_finding,
            "Amortized counts each execution once; full charges a step shared by several graphlets to each of "
            "them, so shared upstream work (data ingestion, transformation) weighs more. The 'unattributed' row "
            "is work no graphlet holds (rules §3 step 7)."),
    Section("waste", "How much compute is wasted",
            "How much compute went to models that never reached production, and where?",
            ("waste_total", "waste_by_category", "waste_by_pipeline"), fd.waste_finding,
            "Waste is the cost of closed graphlets whose model was never pushed, over the cost of all closed "
            "graphlets (rules §3 step 11). Left: the waste fraction under each attribution mode, split by the "
            "category of the work wasted. Right: the share of all waste held by the most wasteful pipelines."),
    Section("pruning", "What pruning would save",
            "If training were skipped when it is unlikely to push, how much waste would go, and how many "
            "deployments would be lost?",
            ("graphlets", "graphlet_changes"), fd.pruning_finding,
            "Skipping rules judged on the graphlets that have a previous graphlet in their chain."),
)


@dataclass(frozen=True)
class PipelinePage:
    source: str
    pipeline: str
    path: Path
    waste_s: float
    browser_queries: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    path: Path
    tables: dict[str, Table]
    seconds: float
    pipeline_pages: tuple[PipelinePage, ...] = field(default_factory=tuple)


def headline(tables: Mapping[str, Table]) -> dict[str, str]:
    """The numbers at the top: pipelines, graphlets, pushed share, waste fraction (amortized), compute."""
    frames = {name: table.frame for name, table in tables.items()}
    facts: dict[str, str] = {}
    if "corpus_summary" in frames:
        facts["pipelines"] = hz.count(frames["corpus_summary"]["pipelines"].sum())
    if "outcome_share" in frames:
        outcomes = frames["outcome_share"]
        facts["model graphlets"] = hz.count(outcomes["graphlets"].sum())
        pushed = outcomes.loc[outcomes["outcome"] == "pushed", "share"]
        facts["pushed share"] = hz.percent(float(pushed.iloc[0]) if len(pushed) else 0.0)
    if "waste_total" in frames:
        waste = frames["waste_total"]
        amortized = waste.loc[waste["mode"] == "amortized", "waste_fraction"].dropna()
        facts["waste fraction (amortized)"] = hz.percent(float(amortized.iloc[0])) if len(amortized) else "n/a"
    if "cost_by_category" in frames and not frames["cost_by_category"].empty:
        seconds = pd.to_numeric(frames["cost_by_category"]["cost_s"]).sum()
        if seconds >= 2 * 86400:
            facts[f"{fd.cost_unit(frames)}-days of compute"] = hz.number(seconds / 86400)
        else:
            facts[f"{fd.cost_unit(frames)}-hours of compute"] = hz.number(seconds / 3600)
    return facts


def raw_table_html(frame: pd.DataFrame, rows: int = RAW_ROWS) -> str:
    """The first `rows` rows, every number formatted for people (no exponent), long text cut."""
    shown = frame.head(rows)
    text_columns = {c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c]) or shown[c].dtype == "boolean"}
    head = "".join(f'<th class="{"text" if c in text_columns else ""}">{html.escape(str(c))}</th>' for c in shown.columns)
    body = []
    for _, row in shown.iterrows():
        cells = []
        for column in shown.columns:
            value = hz.cell(row[column])
            if len(value) > 80:
                value = value[:77] + "…"
            cells.append(f'<td class="{"text" if column in text_columns else ""}">{html.escape(value)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _export_links(name: str, export_dir: Path | None, base: Path) -> str:
    if export_dir is None:
        return "Run <code>mlprov export --output DIR</code> for every row as CSV and Parquet."
    links = []
    for fmt in EXPORT_FORMATS:
        target = Path(export_dir) / f"{name}.{fmt}"
        links.append(f'<a href="{html.escape(Path(os.path.relpath(target, base)).as_posix())}">{fmt.upper()}</a>')
    return "Every row: " + " · ".join(links) + "."


def _raw_tables(section: Section, tables: Mapping[str, Table], export_dir: Path | None, base: Path) -> str:
    parts = []
    for name in section.tables:
        table = tables.get(name)
        if table is None:
            continue
        frame = table.frame
        params = ", ".join(f"{k} = {v!r}" for k, v in table.params.items()) or "none"
        parts.append(
            f'<h4 id="table-{html.escape(name)}"><code>{html.escape(name)}</code></h4>'
            f"<p class=\"note\">{html.escape(table.query.summary)} "
            f"{hz.count(len(frame))} rows (first {min(RAW_ROWS, len(frame))} shown); stored query "
            f"<code>{html.escape(table.query.name)}</code>, parameters {html.escape(params)}, "
            f"{hz.number(table.seconds, 2)} s. {_export_links(name, export_dir, base)}</p>"
            f"{raw_table_html(frame)}")
    if not parts:
        return ""
    names = ", ".join(n for n in section.tables if n in tables)
    return f'<details class="raw"><summary>The tables behind this section ({html.escape(names)})</summary>{"".join(parts)}</details>'


def _finding_html(sentences: list[str]) -> str:
    first, rest = sentences[0], sentences[1:]
    return f'<p class="finding"><b>{html.escape(first)}</b> {html.escape(" ".join(rest))}</p>'


def _slug(source: str, pipeline: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{source}__{pipeline}")[:120]


def cypher_string(value: str) -> str:
    """A Cypher string literal for `value` (single quotes, backslash escapes)."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + escaped + "'"


def browser_queries(source: str, pipeline: str) -> tuple[str, ...]:
    """Cypher that opens this pipeline in the Neo4j Browser, as literals (runs unchanged when pasted):
    the pipeline with its 30 latest graphlets and their NEXT links; the costliest wasted graphlet
    with every execution and artifact it holds."""
    uid = cypher_string(f"{source}:p:{pipeline}")
    # The name also goes into a // comment: a line break in it would end the comment.
    pipeline = " ".join(pipeline.split())
    latest = (f"// {pipeline}: its 30 latest model graphlets, linked in training order\n"
              f"MATCH (p:Pipeline {{uid: {uid}}})-[:HAS_GRAPHLET]->(g:Graphlet)\n"
              "WITH p, g ORDER BY g.started_at DESC LIMIT 30\n"
              "OPTIONAL MATCH next = (g)-[:NEXT]->(:Graphlet)\n"
              "RETURN p, g, next")
    costliest = (f"// {pipeline}: its costliest graphlet that pushed no model, with what it holds\n"
                 f"MATCH (p:Pipeline {{uid: {uid}}})-[:HAS_GRAPHLET]->(g:Graphlet)\n"
                 "WHERE NOT g.outcome IN ['pushed', 'open']\n"
                 "WITH g ORDER BY g.cost_amortized_s DESC LIMIT 1\n"
                 "MATCH (g)-[c:CONTAINS]->(member)\n"
                 "RETURN g, c, member")
    return latest, costliest


def _pipeline_page(row: pd.Series, frames: Mapping[str, pd.DataFrame], folder: Path, report_name: str,
                   unit: str, browser_url: str | None) -> PipelinePage:
    source, pipeline = str(row["source"]), str(row["pipeline"])
    slug = _slug(source, pipeline)
    graphlets = fd.pipeline_graphlets(frames, source, pipeline)
    image = figures.pipeline_timeline(graphlets, f"{pipeline} ({source})", folder / f"{slug}.png", unit)
    graphlets.to_csv(folder / f"{slug}.csv", index=False)
    closed = graphlets[graphlets["outcome"] != "open"]
    pushed = int((closed["outcome"] == "pushed").sum())
    counts = closed["outcome"].value_counts()
    outcome_text = ", ".join(f"{hz.count(n)} {fd.OUTCOME_WORDS.get(o, o)}" for o, n in counts.items())
    changed = graphlets[graphlets.get("changed", pd.Series("", index=graphlets.index)).fillna("").str.len() > 0]
    changed = changed[changed["changed"] != "first of its chain"] if "changed" in changed else changed
    finding = [f"{pipeline} wasted {hz.cost(float(row['waste_s']), unit)} (amortized): "
               f"{hz.count(row['wasted_graphlets'])} of its {hz.count(row['closed_graphlets'])} closed graphlets "
               f"pushed no model, {hz.percent(float(row['waste_fraction']))} of its compute."]
    if len(closed):
        finding.append(f"Outcomes: {outcome_text}. {hz.count(pushed)} models reached production.")
    if "changed" in graphlets and len(graphlets) > 1:
        wasted = graphlets["outcome"].isin(["not_blessed", "blessed_not_pushed", "not_pushed", "failed"])
        after_change = graphlets["changed"].fillna("").str.len().gt(0) & (graphlets["changed"] != "first of its chain")
        if after_change.any():
            finding.append(f"{hz.plural(after_change.sum(), 'graphlet')} followed a change; "
                           f"{hz.percent(float(wasted[after_change].mean()))} of them pushed nothing, against "
                           f"{hz.percent(float(wasted[~after_change].mean()))} of the others.")
        else:
            finding.append("Nothing recorded changed between its graphlets: same data, schema, code and operators.")
    table = changed.copy()
    table["started"] = pd.to_datetime(pd.to_numeric(table["started_at"]), unit="ms", utc=True).dt.strftime("%Y-%m-%d %H:%M")
    table["cost"] = [hz.cost(v, unit) for v in table["cost_amortized_s"]]
    table["outcome"] = table["outcome"].map(lambda o: fd.OUTCOME_WORDS.get(o, o))
    shown = table[["started", "trainer_id", "outcome", "changed", "cost"]].rename(
        columns={"started": "Trainer start (UTC)", "trainer_id": "Trainer id", "changed": "what changed before it",
                 "cost": "amortized cost"})
    queries = browser_queries(source, pipeline)
    where = (f'the Neo4j Browser (<a href="{html.escape(browser_url)}">{html.escape(browser_url)}</a>)' if browser_url
             else "the Neo4j Browser (<code>mlprov server status</code> shows where it is)")
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(pipeline)} — mlprov report</title>'
        f"<style>{STYLE}</style></head><body>"
        f'<p><a href="../{html.escape(report_name)}#waste">← back to the report</a></p>'
        f"<h1>{html.escape(pipeline)}</h1><p class=\"note\">source {html.escape(source)}</p>"
        f'<section id="timeline"><h2>Its model graphlets over time</h2>{_finding_html(finding)}'
        f'<figure><img src="{html.escape(image.name)}" alt="timeline of the graphlets of {html.escape(pipeline)}">'
        f"<figcaption>Each dot is a model graphlet at its Trainer's start, coloured by outcome and sized by its "
        f"amortized cost. Below, a tick for each kind of change since the previous graphlet of its chain.</figcaption></figure>"
        f"</section>"
        f'<section id="changes"><h2>Graphlets that followed a change</h2>'
        f"<p>{hz.count(len(changed))} of {hz.plural(len(graphlets), 'graphlet')} came after a change in their data, "
        f"schema, code, hyperparameters or operators. Every graphlet of this pipeline: "
        f'<a href="{html.escape(slug)}.csv">CSV</a>.</p>'
        f"<details{' open' if len(shown) <= 40 else ''}><summary>{hz.plural(len(shown), 'graphlet')} after a change</summary>"
        f"{raw_table_html(shown, rows=200)}</details></section>"
        f'<section id="browser"><h2>Open it in the Neo4j Browser</h2>'
        f"<p>Paste one of these into {where}; they run as they are.</p>"
        + "".join(f"<pre><code>{html.escape(q)}</code></pre>" for q in queries)
        + "</section></body></html>\n")
    path = folder / f"{slug}.html"
    path.write_text(page, encoding="utf-8")
    return PipelinePage(source, pipeline, path, float(row["waste_s"]), queries)


def _pages_html(pages: list[PipelinePage], frames: Mapping[str, pd.DataFrame], unit: str, base: Path) -> str:
    if not pages:
        return "<p>No pipeline wasted compute, so there are no pipeline pages.</p>"
    top = fd.top_wasting_pipelines(frames, len(pages)).set_index(["source", "pipeline"])
    items = []
    for page in pages:
        row = top.loc[(page.source, page.pipeline)]
        link = Path(os.path.relpath(page.path, base)).as_posix()
        items.append(f'<li><a href="{html.escape(link)}">{html.escape(page.pipeline)}</a> '
                     f"({html.escape(page.source)}): {html.escape(hz.cost(page.waste_s, unit))} wasted, "
                     f"{hz.count(row['wasted_graphlets'])} of {hz.count(row['closed_graphlets'])} closed graphlets, "
                     f"{hz.percent(float(row['waste_fraction']))} of its compute</li>")
    return (f'<h3 id="pipelines">The {len(pages)} pipelines that waste most</h3>'
            f"<p>Each page shows the pipeline's graphlets over time, what changed before each, and the Cypher that "
            f"opens it in the Neo4j Browser.</p><ol>{''.join(items)}</ol>")


def _pruning_html(evaluation, trained: bool, output: Path) -> tuple[str, list[str]]:
    """Extra HTML and image names of the waste model in the pruning section, or how to get one."""
    if evaluation is None:
        if trained:
            return ("<p>Not enough closed graphlets to train the waste model (rules §5 trains on the earlier part of the window and judges it on the later).</p>", [])
        return ("<p><b>No waste model has been trained.</b> The rules above know only what changed; the waste "
                "model of rules §5 also weighs data drift, structure, code changes and each chain's history, and "
                "finds the threshold that removes the most waste while losing at most 5% of pushes. Train and "
                "evaluate one, then draw the report with it:</p>"
                "<pre><code>mlprov waste train\nmlprov waste evaluate\nmlprov report --waste-model-file "
                ".mlprov/waste-model.joblib</code></pre>"
                "<p>(or <code>mlprov report --waste-model</code> to train one while drawing the report).</p>", [])
    from mlprov.analytics.waste.evaluate import TABLE_COLUMNS
    from mlprov.analytics.waste.figures import write_figures

    images = [p.name for p in write_figures(evaluation, output)]
    table = evaluation.table[list(TABLE_COLUMNS)]
    point = evaluation.operating_point
    rows = table[~table["policy"].str.startswith("model") | (table["policy"] == (point or {}).get("policy"))]
    shares = [c for c in rows.columns if c not in ("policy", "tau")]
    shown = rows.copy()
    for column in shares:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = [hz.percent(v) if pd.notna(v) else "" for v in shown[column]]
    text = ("<p>The waste model's evaluation on the later part of the window (rules §5; its measures count only "
            "the avoidable cost, the Trainer and what runs after it):</p>" + raw_table_html(shown, rows=len(shown)))
    return text, images


def render(tables: Mapping[str, Table], images: Mapping[str, str], source: str | None, *,
           export_dir: Path | None = None, base: Path = Path("."), pages: list[PipelinePage] | None = None,
           pruning: tuple[str, list[str], list[str]] | None = None) -> str:
    """The report page: headline, the seven sections with their finding, figure (`images[section id]`)
    and collapsed tables, the pipeline pages' list in the waste section. `pruning` is the waste model's
    (HTML, image names, finding sentences) for the pruning section."""
    frames = {name: table.frame for name, table in tables.items()}
    unit = fd.cost_unit(frames)
    scope = f"source {source}" if source else "every loaded source"
    facts = "".join(f"<div><b>{html.escape(v)}</b>{html.escape(k)}</div>" for k, v in headline(tables).items())
    contents = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in SECTIONS)
    sections = []
    for section in SECTIONS:
        sentences = section.finding(frames)
        extra, more_images = "", []
        if section.id == "pruning" and pruning is not None:
            extra, more_images, model_sentences = pruning
            sentences = model_sentences + sentences if model_sentences else sentences
        elif section.id == "waste":
            extra = _pages_html(pages or [], frames, unit, base)
        figure = (f'<figure><img src="{html.escape(images[section.id])}" alt="{html.escape(section.title)}">'
                  f"<figcaption>{html.escape(section.caption)}</figcaption></figure>")
        more = "".join(f'<figure><img src="{html.escape(name)}" alt="{html.escape(name)}"></figure>' for name in more_images)
        sections.append(
            f'<section id="{section.id}"><h2>{html.escape(section.title)}</h2>'
            f'<p class="question">{html.escape(section.question)}</p>{_finding_html(sentences)}{figure}{extra}{more}'
            f"{_raw_tables(section, tables, export_dir, base)}</section>")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mlprov report</title>'
        f"<style>{STYLE}</style></head><body><h1>What your ML pipelines did</h1>"
        f'<p class="note">mlprov report on {html.escape(scope)}, written {stamp}. It follows the questions of Xin et '
        f"al., <i>Production Machine Learning Pipelines: Empirical Analysis and Optimization Opportunities</i> "
        f"(SIGMOD 2021). {html.escape(fd.basis_note(frames))}</p>"
        f'<div class="headline">{facts}</div><nav><ol>{contents}</ol></nav>{"".join(sections)}'
        f'<p class="note">Every table: <code>mlprov export --output DIR</code>; every query: '
        f"<code>mlprov queries list</code>, or as a Neo4j Browser guide with <code>mlprov browser serve</code>.</p>"
        f"</body></html>\n")


def write_report(driver: neo4j.Driver, database: str, output: Path, source: str | None = None,
                 waste_model: bool = False, *, tables: Mapping[str, Table] | None = None,
                 export_dir: Path | None = None, top_pipelines: int = TOP_PIPELINES,
                 waste_model_file: Path | None = None, browser_url: str | None = None) -> Report:
    """Write `output/index.html`, its figures and the pages of the `top_pipelines` most wasteful
    pipelines (`output/pipelines/`). `tables`: analysis tables already run (the same source), else
    they are run here. `export_dir`: where the export writes the tables, for the links. With
    `waste_model_file` (a model saved by `mlprov waste train`) or `waste_model` (train one now), the
    pruning section adds the waste model's evaluation on the same connection and source."""
    started = time.perf_counter()
    if waste_model_file is not None and not Path(waste_model_file).exists():
        raise BadInputError(f"no waste model at {waste_model_file}: train one with 'mlprov waste train --model "
                            f"{waste_model_file}'")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    if tables is None:
        tables = run_tables(driver, database, source=source)
    tables = dict(tables)
    frames = {name: table.frame for name, table in tables.items()}
    images = {s.id: figures.draw(s.id, frames, output / f"{s.id}.png").name for s in SECTIONS}
    folder = output / "pipelines"
    folder.mkdir(exist_ok=True)
    for stale in [*folder.glob("*.html"), *folder.glob("*.png"), *folder.glob("*.csv")]:
        stale.unlink()
    unit = fd.cost_unit(frames)
    pages = [_pipeline_page(row, frames, folder, "index.html", unit, browser_url)
             for _, row in fd.top_wasting_pipelines(frames, top_pipelines).iterrows()]
    pruning = None
    if waste_model or waste_model_file is not None:
        from mlprov.analytics.waste.jobs import report_evaluation  # scikit-learn: only when asked

        evaluation = report_evaluation(driver, database, source, waste_model_file)
        html_text, more_images = _pruning_html(evaluation, True, output)
        point = evaluation.operating_point if evaluation is not None else None
        pruning = (html_text, more_images, fd.pruning_finding({}, point, trained=True)[:1])
    else:
        html_text, _ = _pruning_html(None, False, output)
        pruning = (html_text, [], [])
    path = output / "index.html"
    path.write_text(render(tables, images, source, export_dir=export_dir, base=output, pages=pages,
                           pruning=pruning), encoding="utf-8")
    return Report(path, tables, time.perf_counter() - started, tuple(pages))
