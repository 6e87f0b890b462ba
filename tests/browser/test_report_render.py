"""The report as a person sees it: `run_demo` (on a small synthetic corpus, against the test run's
Neo4j) writes the report; headless Debian chromium opens it from disk and takes full-page
screenshots. Every section has a title in words, a finding sentence with numbers of this corpus and
a figure that loaded; no number is in scientific notation; every image loads; no request leaves the
machine (every request the pages make is a file: URL). The pipeline pages exist for the pipelines
that waste most, and the Cypher each one gives for the Neo4j Browser runs on the server. On two
real stores, the headline shows the numbers the stores imply.
Chromium missing fails the test: scripts/run.sh installs Debian's chromium before the tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from mlprov.analytics import findings as fd
from mlprov.analytics import humanize as hz
from mlprov.analytics.report import SECTIONS, write_report
from mlprov.core import queries
from mlprov.demo import run_demo
from tests.helpers import fresh_graph, live_trainer_runs, store

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
SCIENTIFIC = re.compile(r"\b\d+(?:\.\d+)?[eE][+-]\d+\b")
# MLPROV_SCREENSHOTS=DIR keeps the screenshots for a person to look at.
KEEP = os.environ.get("MLPROV_SCREENSHOTS")


@pytest.fixture(scope="module")
def demo(neo4j_target, tmp_path_factory):
    """`mlprov demo` on 6 pipelines over 40 days, on the test server (NEO4J_URI names it)."""
    fresh_graph(neo4j_target, [])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEO4J_URI", neo4j_target.uri)
        env.setenv("NEO4J_DATABASE", neo4j_target.database)
        env.delenv("NEO4J_PASSWORD", raising=False)
        return run_demo(tmp_path_factory.mktemp("demo"), seed=7, pipelines=6, days=40)


def look(url: str, screenshot: Path) -> dict:
    """Open `url` in headless chromium, screenshot the full page, and return what a reader sees."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install -y chromium)"
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url, wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            seen = page.evaluate("""() => ({
                images: [...document.images].map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, done: i.complete})),
                sections: [...document.querySelectorAll('section')].map(s => ({
                    id: s.id,
                    title: (s.querySelector('h2') || {}).innerText || '',
                    finding: (s.querySelector('.finding') || {}).innerText || '',
                    figures: [...s.querySelectorAll('figure img')].map(i => i.naturalWidth),
                })),
                visible: document.body.innerText,
                everything: document.body.textContent,
                headline: (document.querySelector('.headline') || {}).innerText || '',
                cypher: [...document.querySelectorAll('pre code')].map(c => c.textContent),
            })""")
        finally:
            browser.close()
    seen["requests"] = requests
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / screenshot.name).write_bytes(screenshot.read_bytes())
    return seen


@pytest.fixture(scope="module")
def index(demo, tmp_path_factory):
    return look(demo.report.as_uri(), tmp_path_factory.mktemp("shots") / "index.png")


def corpus_numbers(demo) -> set[str]:
    """Numbers this corpus implies: counts and shares read from the exported tables."""
    export = demo.exports
    outcomes = pd.read_csv(export / "outcome_share.csv")
    summary = pd.read_csv(export / "corpus_summary.csv")
    waste = pd.read_csv(export / "waste_total.csv").set_index("mode")
    return {f"{int(outcomes['graphlets'].sum()):,}", f"{int(summary['pipelines'].sum()):,}",
            f"{int(summary['executions'].sum()):,}", hz.percent(float(waste.loc["amortized", "waste_fraction"]))}


def test_every_section_has_a_title_in_words_a_finding_with_numbers_and_a_figure(index, demo):
    sections = {s["id"]: s for s in index["sections"]}
    assert list(sections) == [s.id for s in SECTIONS]
    for section in SECTIONS:
        seen = sections[section.id]
        assert seen["title"] == section.title
        assert " " in seen["title"] and "_" not in seen["title"], seen["title"]
        assert re.search(r"\d", seen["finding"]), f"{section.id}: no number in {seen['finding']!r}"
        assert seen["figures"] and all(width > 0 for width in seen["figures"]), f"{section.id}: figure missing"
    findings = " ".join(s["finding"] for s in sections.values())
    missing = [n for n in corpus_numbers(demo) if n not in findings]
    assert missing == [], f"the findings do not state {missing}"


def test_no_number_in_scientific_notation(index):
    assert SCIENTIFIC.findall(index["everything"]) == []
    for fact in ("pipelines", "model graphlets", "pushed share", "waste fraction"):
        assert fact in index["headline"]


def test_every_image_loads_and_no_request_leaves_the_machine(index):
    broken = [i["src"] for i in index["images"] if not i["done"] or i["width"] <= 0]
    assert index["images"] and broken == []
    assert [url for url in index["requests"] if not url.startswith("file:")] == []


def test_raw_tables_link_to_the_export(demo):
    text = demo.report.read_text()
    links = re.findall(r'href="([^"#]+\.(?:csv|parquet))"', text)
    assert links
    missing = [link for link in links if not (demo.report.parent / link).resolve().exists()]
    assert missing == []
    assert "<details" in text


def test_pipeline_pages_for_the_top_wasters_and_their_cypher_runs(demo, neo4j_target, tmp_path):
    top = fd.top_wasting_pipelines({"waste_by_pipeline": pd.read_csv(demo.exports / "waste_by_pipeline.csv")})
    folder = demo.report.parent / "pipelines"
    pages = sorted(folder.glob("*.html"))
    assert top["pipeline"].size > 0
    assert len(pages) == min(10, top["pipeline"].size)
    for page in pages:
        seen = look(page.as_uri(), tmp_path / f"{page.stem}.png")
        assert [i["src"] for i in seen["images"] if i["width"] <= 0] == []
        assert [url for url in seen["requests"] if not url.startswith("file:")] == []
        assert SCIENTIFIC.findall(seen["everything"]) == []
        assert re.search(r"\d", seen["sections"][0]["finding"])
        assert len(seen["cypher"]) == 2
        with neo4j_target.driver() as driver:
            for query in seen["cypher"]:
                records, _, _ = driver.execute_query(query, database_=neo4j_target.database)
                assert records, f"{page.name}: the Browser query returned nothing:\n{query}"
                assert all(record.get("g") is not None for record in records)


STORES = ("penguin-tfma", "Syahrrulll")


@pytest.fixture(scope="module")
def real_report(neo4j_target, tmp_path_factory, demo):
    """A report of two real stores (one with a pushed and a not-blessed graphlet), on the test
    server (after the demo's tests: it empties the database)."""
    fresh_graph(neo4j_target, [store(fragment) for fragment in STORES])
    with neo4j_target.driver() as driver:
        return write_report(driver, neo4j_target.database, tmp_path_factory.mktemp("report"))


def expected_headline(target) -> dict[str, str]:
    """The headline numbers the two stores imply: one pipeline each; one graphlet per live Trainer
    run; penguin-tfma pushed 1 of 2 and Syahrrulll 2 of 8 (tests/integration/test_graphlets_real.py);
    the waste fraction from the graphlet table's amortized costs (closed graphlets that did not push
    over all closed ones)."""
    with target.driver() as driver:
        graphlets = queries.run_df(driver, target.database, "graphlets")
    closed = graphlets[graphlets["outcome"] != "open"]
    wasted = closed.loc[closed["outcome"] != "pushed", "cost_amortized_s"].sum()
    assert len(graphlets) == sum(live_trainer_runs(store(fragment)) for fragment in STORES) == 10
    return {"pipelines": "2", "model graphlets": "10", "pushed share": "30%",
            "waste fraction (amortized)": hz.percent(wasted / closed["cost_amortized_s"].sum())}


def test_real_stores_headline_shows_the_numbers_they_imply(real_report, neo4j_target, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install -y chromium)"
    seen = look(real_report.path.as_uri(), tmp_path / "real.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(real_report.path.as_uri(), wait_until="load")
            headline = page.eval_on_selector_all(
                ".headline div", "ds => ds.map(d => [d.lastChild.textContent, d.querySelector('b').innerText])")
        finally:
            browser.close()
    assert [s["id"] for s in seen["sections"]] == [s.id for s in SECTIONS]
    assert [i["src"] for i in seen["images"] if not i["done"] or i["width"] <= 0] == []
    assert SCIENTIFIC.findall(seen["everything"]) == []
    shown = dict(headline)
    expected = expected_headline(neo4j_target)
    assert {k: shown.get(k) for k in expected} == expected
    # real TFX stores record no CPU time: their costs are wall-clock run times, and the report says so
    assert "wall-clock-hours of compute" in shown
