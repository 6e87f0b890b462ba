"""The HTML report as a person sees it: headless Debian chromium opens index.html from disk and
every figure has loaded (naturalWidth > 0); the headline numbers are on the page.
Chromium missing fails the test: scripts/run.sh installs Debian's chromium before the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlprov.analytics.report import write_report
from mlprov.analytics.tables import analysis_queries, stem
from tests.helpers import fresh_graph, store

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def report(neo4j_target, tmp_path_factory):
    """A report of two real stores (one with a pushed and a not-blessed graphlet), on the test server."""
    fresh_graph(neo4j_target, [store("penguin-tfma"), store("Syahrrulll")])
    with neo4j_target.driver() as driver:
        return write_report(driver, neo4j_target.database, tmp_path_factory.mktemp("report"))


def test_report_renders_with_every_figure_loaded(report):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install -y chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(report.path.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, done: i.complete}))")
            headline = page.inner_text(".headline")
            sections = page.eval_on_selector_all("section", "s => s.map(x => x.id)")
        finally:
            browser.close()
    assert sorted(sections) == sorted(stem(q) for q in analysis_queries())
    assert len(images) == len(sections)
    broken = [i["src"] for i in images if not i["done"] or i["width"] <= 0]
    assert broken == []
    for fact in ("pipelines", "graphlets", "pushed share", "waste fraction"):
        assert fact in headline
