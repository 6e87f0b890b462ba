"""Queries are planned on index statistics that describe the graph as it is (mlprov.core.statistics).

Neo4j refreshes its index samples in the background, when it gets to them; an index created on an
empty graph says "empty" until then, and a graphlet build planned meanwhile walked the Trainers'
inputs by scanning a whole index at every step (over 40 minutes for S, where seconds do). These tests
run on a server whose background sampling is off, so nothing but mlprov itself can refresh the
samples: after a load, a sync and a graphlet build, each index's sample must count what the graph
holds.
"""

from __future__ import annotations

import pytest

from mlprov.analytics.graphlets import _RESAMPLED_SHARE, _UNSAMPLED_FLOOR, build
from mlprov.corpus import day_end_ms, replay, write_snapshot
from mlprov.corpus.full_cache import cached_corpus
from mlprov.server.local import LocalServer
from tests.helpers import empty, load, store, sync

pytestmark = pytest.mark.integration

SMALL = {"pipelines": 6, "days": 20, "seed": 7}


class UnsampledServer(LocalServer):
    """A throwaway server that never resamples an index by itself."""

    def _conf(self) -> str:
        return super()._conf() + "\ndb.index_sampling.background_enabled=false\n"


@pytest.fixture(scope="module")
def unsampled(tmp_path_factory, shared_distribution, free_port):
    server = UnsampledServer(tmp_path_factory.mktemp("neo4j-unsampled"), distribution=shared_distribution.root,
                             bolt_port=free_port(), http_port=free_port(), auth=False)
    server.start()
    yield server.target()
    server.stop()


def index_samples(target) -> dict[tuple[str, str], int]:
    """(label, first property) -> the number of entries the index's last sample counted."""
    with target.driver() as driver:
        records, _, _ = driver.execute_query(
            "CALL db.stats.retrieve('GRAPH COUNTS') YIELD data UNWIND data.indexes AS i "
            "WITH i WHERE size(i.labels) = 1 AND size(i.properties) = 1 "
            "RETURN i.labels[0] AS label, i.properties[0] AS property, i.totalSize AS size",
            database_=target.database)
    return {(r["label"], r["property"]): r["size"] for r in records}


def count(target, label: str) -> int:
    queries = {"Execution": "MATCH (n:Execution) RETURN count(n)", "Artifact": "MATCH (n:Artifact) RETURN count(n)",
               "Graphlet": "MATCH (n:Graphlet) RETURN count(n)"}
    with target.driver() as driver:
        records, _, _ = driver.execute_query(queries[label], database_=target.database)
    return records[0][0]


def assert_sampled(target, labels: tuple[str, ...], when: str) -> None:
    samples = index_samples(target)
    for label in labels:
        held = count(target, label)
        assert held > 0, (when, label)
        assert samples[(label, "uid")] == held, f"{when}: the {label}(uid) index's sample counts " \
            f"{samples[(label, 'uid')]} entries, the graph holds {held}"


def test_a_load_and_a_build_leave_samples_of_what_they_wrote(unsampled):
    target = empty(unsampled)
    load(target, store("penguin-tfma"))
    assert_sampled(target, ("Execution", "Artifact"), "after the load")
    with target.driver() as driver:
        build(driver, target.database, quiet=True)
    assert_sampled(target, ("Execution", "Artifact", "Graphlet"), "after the build")


def test_a_sync_that_grows_a_source_leaves_samples_of_what_it_holds(unsampled, tmp_path):
    target = empty(unsampled)
    cache = tmp_path / "cache"
    cached_corpus(SMALL["pipelines"], SMALL["days"], SMALL["seed"], cache)
    live = write_snapshot(tmp_path / "corpus.sqlite", day_end_ms(3), cache_dir=cache, progress=None, **SMALL).store
    load(target, live)
    first = count(target, "Execution")
    replay(live, SMALL["days"], cache_dir=cache, progress=None, **SMALL)
    assert sync(target, live).status == "synced"
    assert count(target, "Execution") > 2 * first  # a change that makes the old samples wrong
    assert_sampled(target, ("Execution", "Artifact"), "after the sync")


def test_a_small_source_beside_a_large_one_is_built_on_its_plans(unsampled, tmp_path):
    """A build refreshes the statistics after a step only once a twentieth of the graphlets, and more
    than a hundred, may have changed (ARCHITECTURE.md, graphlet build): after each of the steps that
    change indexed graphlet properties for a source that holds them all, and changed them; once at
    the end for a small one."""
    target = empty(unsampled)
    cache = tmp_path / "cache"
    cached_corpus(SMALL["pipelines"], SMALL["days"], SMALL["seed"], cache)
    large = write_snapshot(tmp_path / "corpus.sqlite", day_end_ms(SMALL["days"]), cache_dir=cache,
                           progress=None, **SMALL).store
    load(target, large)
    with target.driver() as driver:
        first = build(driver, target.database, quiet=True)
    # After members and after outcomes; the first clear removed nothing.
    assert first.built == ["corpus"] and first.graphlets > _UNSAMPLED_FLOOR and first.refreshes == 2, first
    assert_sampled(target, ("Graphlet",), "after building the only source")
    held = count(target, "Graphlet")
    load(target, store("penguin-tfma"))
    with target.driver() as driver:
        second = build(driver, target.database, quiet=True)
    assert len(second.built) == 1 and second.graphlets > 0, second
    assert 0 < second.graphlets < min(_RESAMPLED_SHARE * held, _UNSAMPLED_FLOOR), (second.graphlets, held)
    assert second.refreshes == 1, second
