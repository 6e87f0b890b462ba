"""`mlprov demo` shows a live store (rules §10 and rules §11): it loads the corpus as of an earlier day, builds,
grows the store by the remaining days, syncs it and builds only what the sync reached. Its final
graph, graphlets included, equals a fresh load of its final store with a full build (element for
element, scripts/graph_fingerprint.py, and the graphlet table row for row); run again, it finds
everything done."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from mlprov.analytics.graphlets import FULL, build
from mlprov.core import queries
from mlprov.demo import SYNC_DAYS, run_demo
from mlprov.loader import load_store
from scripts.graph_fingerprint import elements
from tests.helpers import empty

pytestmark = pytest.mark.integration

SMALL = {"seed": 7, "pipelines": 6, "days": 20}


def graph(target) -> tuple[dict, pd.DataFrame]:
    with target.driver() as driver:
        return (elements(driver, target.database, marks=True),
                queries.run_df(driver, target.database, "graphlets"))


def test_the_demo_syncs_its_growing_store_and_builds_what_a_full_build_of_the_final_store_builds(
        clean_db, reference_neo4j, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NEO4J_URI", clean_db.uri)
    monkeypatch.setenv("NEO4J_DATABASE", clean_db.database)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with caplog.at_level(logging.INFO, logger="mlprov"):
        demo = run_demo(tmp_path / "demo", **SMALL)
    said = caplog.text
    assert demo.synced == "synced", said
    # The build after the sync is incremental and rebuilds some graphlets, not all of them.
    assert 0 < demo.rebuilt < demo.graphlets, (demo.rebuilt, demo.graphlets)
    assert f"load it into Neo4j as of day {SMALL['days'] - SYNC_DAYS}" in said
    assert f"sync synced {demo.store.stem}" in said
    assert f"graphlets incremental build of {demo.store.stem}: {demo.rebuilt} graphlets rebuilt" in said
    assert (demo.exports / "waste_total.csv").exists() and demo.report.exists()

    empty(reference_neo4j)
    with reference_neo4j.driver() as driver:
        load_store(demo.store, driver, reference_neo4j.database, quiet=True)
        fresh = build(driver, reference_neo4j.database, quiet=True)
    assert fresh.modes == {demo.store.stem: FULL} and fresh.graphlets == demo.graphlets
    (demo_graph, demo_graphlets), (fresh_graph, fresh_graphlets) = graph(clean_db), graph(reference_neo4j)
    assert demo_graph == fresh_graph
    pd.testing.assert_frame_equal(demo_graphlets, fresh_graphlets)

    # Run again: the store is synced and built already; nothing is written to the graph.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mlprov"):
        again = run_demo(tmp_path / "demo", **SMALL)
    assert (again.synced, again.graphlets, again.rebuilt) == ("unchanged", 0, 0), caplog.text
    assert "already built" in caplog.text
    assert graph(clean_db)[0] == demo_graph
