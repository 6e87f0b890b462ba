"""The stored queries in the real Neo4j Browser, driven as a user would in headless Chromium.

The session's throwaway server serves the Browser at /browser/; the guide from `mlprov browser`
is served on 127.0.0.1 and opened by the URL that `mlprov browser serve` prints. The test clicks
the graphlet table's `:params` block and query block in the guide, reads the result table the
Browser draws, then sets another `:params` in the editor and runs the guide's query again.
Chromium missing fails the test: scripts/run.sh installs Debian's chromium before the tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlprov.core import queries
from mlprov.analytics.browser_guide import guide_server, play_url, read_queries, write_guide
from mlprov.loader.load import default_source_name
from tests.helpers import fresh_graph, store

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_MS = 30_000
TFMA = default_source_name(store("penguin-tfma"))
TRANSFORM = default_source_name(store("penguin-transform"))


@pytest.fixture(scope="module")
def graph(local_neo4j):
    """penguin-tfma and penguin-transform loaded into the session's server, graphlets built."""
    target = local_neo4j.target()
    fresh_graph(target, [store("penguin-tfma"), store("penguin-transform")])
    return target


@pytest.fixture(scope="module")
def guide_port(tmp_path_factory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("guide")
    write_guide(folder)
    server = guide_server(folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(local_neo4j, guide_port):
    """A Browser tab opened on the guide's URL and connected to the session's server (auth off)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/run.sh test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1600, "height": 1200})
        tab.set_default_timeout(STEP_TIMEOUT_MS)
        tab.goto(play_url(local_neo4j.browser_url, guide_port))
        tab.get_by_text("mlprov stored queries").wait_for()
        tab.get_by_text("Connected to Neo4j").wait_for()
        yield tab
        browser.close()


def queries_df(target, name: str, **params):
    with target.driver() as driver:
        return queries.run_df(driver, target.database, name, **params)


def frames(tab):
    """The Browser's result frames, newest first."""
    return tab.locator('[data-testid="frame"]')


def run_and_wait(tab, action):
    """Do `action` (which runs one command) and return the new frame once it has finished."""
    before = frames(tab).count()
    action()
    tab.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"frame\"]').length > n", arg=before,
        timeout=STEP_TIMEOUT_MS,
    )
    return frames(tab).nth(0)


def table_rows(frame) -> list[dict]:
    """The rows of a result frame's table, values decoded as the Browser prints them (JSON)."""
    frame.get_by_text("Started streaming").wait_for()
    header = [json.loads(f'"{c}"') for c in frame.locator("thead th").all_inner_texts()]
    rows = []
    for row in frame.locator("tbody tr").all():
        cells = [json.loads(text) for text in row.locator('td[role="cell"]').all_inner_texts()]
        rows.append(dict(zip([h for h in header if h], cells)))
    return rows


def open_slide(tab, namespace: str) -> None:
    """Show the guide slide of one namespace (slide 1 is the overview)."""
    namespaces = sorted({q.name.rpartition(".")[0] for q in read_queries()})
    tab.locator(f'li[aria-label="{namespaces.index(namespace) + 2}"]').click()
    tab.locator("h3", has_text=namespace).first.wait_for()


def guide_blocks(tab, bare_name: str):
    """The (params, query) runnable blocks of one query in the shown slide."""
    blocks = tab.locator(f"h4:text-is('{bare_name}') ~ pre.runnable")
    return blocks.nth(0), blocks.nth(1)


def test_graphlet_table_runs_from_the_guide_with_its_params(graph, page):
    expected = {(r["source"], r["trainer_id"]): r["outcome"]
                for r in queries_df(graph, "graphlets").to_dict("records")}
    # Hand-derived (tests/integration/test_graphlets_real.py): penguin-tfma's Trainer 3 pushed,
    # Trainer 8 failed its evaluation; penguin-transform's Trainers 6 and 13 both pushed.
    assert expected == {(TFMA, 3): "pushed", (TFMA, 8): "not_blessed",
                        (TRANSFORM, 6): "pushed", (TRANSFORM, 13): "pushed"}

    open_slide(page, "analyses")
    params, query = guide_blocks(page, "graphlets")
    assert params.inner_text().strip() == ":params {source: null, pipelines: null, graphlets: null}"
    run_and_wait(page, lambda: params.locator("i").click())
    result = run_and_wait(page, lambda: query.locator("i").click())
    rows = table_rows(result)
    assert {(r["source"], r["trainer_id"]): r["outcome"] for r in rows} == expected
    assert list(rows[0]) == list(queries.registry().get("graphlets").returns)

    # The same guide block again after another source is set, typed into the editor as a user would
    # (`:param` changes one parameter and keeps the others the guide's block set).
    editor = page.locator('[data-testid="activeEditor"] textarea')

    def set_source() -> None:
        editor.click()
        editor.type(f":param source => '{TFMA}'")
        editor.press("Control+Enter")
    run_and_wait(page, set_source)
    rows = table_rows(run_and_wait(page, lambda: query.locator("i").click()))
    assert [(r["pipeline"], r["trainer_id"], r["model_id"], r["outcome"], r["member_execution_ids"])
            for r in rows] == [("penguin-tfma", 3, 3, "pushed", "1 3 4 5"),
                               ("penguin-tfma", 8, 8, "not_blessed", "6 8 9 10")]


def test_a_topology_query_runs_from_the_guide(graph, page):
    open_slide(page, "topology")
    params, query = guide_blocks(page, "dag_shape")
    run_and_wait(page, lambda: params.locator("i").click())
    rows = table_rows(run_and_wait(page, lambda: query.locator("i").click()))
    edges = {r["pipeline"]: r["edges"] for r in rows}
    assert edges["penguin-tfma"] == ("CsvExampleGen->Evaluator, CsvExampleGen->Trainer, Evaluator->Pusher, "
                                     "Trainer->Evaluator, Trainer->Pusher")
