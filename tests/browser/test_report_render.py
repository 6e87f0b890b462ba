"""The HTML report as a person sees it: headless Debian chromium opens index.html from disk and
every figure has loaded (naturalWidth > 0); the headline shows the numbers the stores imply.
Chromium missing fails the test: scripts/run.sh installs Debian's chromium before the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlprov.analytics.report import write_report
from mlprov.analytics.tables import analysis_queries, stem
from mlprov.core import queries
from tests.helpers import fresh_graph, live_trainer_runs, store

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")


STORES = ("penguin-tfma", "Syahrrulll")


@pytest.fixture(scope="module")
def report(neo4j_target, tmp_path_factory):
    """A report of two real stores (one with a pushed and a not-blessed graphlet), on the test server."""
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
    return {"pipelines": "2", "graphlets": "10", "pushed share": f"{3 / 10:.1%}",
            "waste fraction (amortized)": f"{wasted / closed['cost_amortized_s'].sum():.1%}"}


def test_report_renders_with_every_figure_loaded(report, neo4j_target):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install -y chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(report.path.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, done: i.complete}))")
            headline = page.eval_on_selector_all(
                ".headline div", "ds => ds.map(d => [d.lastChild.textContent, d.querySelector('b').innerText])")
            sections = page.eval_on_selector_all("section", "s => s.map(x => x.id)")
        finally:
            browser.close()
    assert sorted(sections) == sorted(stem(q) for q in analysis_queries())
    assert len(images) == len(sections)
    broken = [i["src"] for i in images if not i["done"] or i["width"] <= 0]
    assert broken == []
    # The headline shows the numbers the data implies, not only their labels.
    assert dict(headline) == expected_headline(neo4j_target)
