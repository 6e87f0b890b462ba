"""Queries are planned on index statistics that describe the graph as it is (mlprov.core.statistics).

Neo4j refreshes its index samples in the background, when it gets to them; an index created on an
empty graph says "empty" until then, and a graphlet build planned meanwhile walked the Trainers'
inputs by scanning a whole index at every step (over 40 minutes for S, where seconds do). These tests
run on a server whose background sampling is off, so nothing but mlprov itself can refresh the
samples: after a load, a sync and a graphlet build, each index's sample must count what the graph
holds, or lag behind it by no more than a hundred entries (statistics.UNSAMPLED_FLOOR) or a
twentieth, below which resampling is not worth the plans it throws away.
"""

from __future__ import annotations

import pytest

from mlprov.analytics.graphlets import build
from mlprov.core.statistics import UNSAMPLED_FLOOR
from mlprov.corpus import day_end_ms, replay, write_snapshot
from mlprov.corpus.full_cache import cached_corpus
from mlprov.server.local import LocalServer
from tests.helpers import REAL_STORES, empty, load, store, sync

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


def small_corpus(folder, day: int):
    cache = folder / "cache"
    cached_corpus(SMALL["pipelines"], SMALL["days"], SMALL["seed"], cache)
    return write_snapshot(folder / "corpus.sqlite", day_end_ms(day), cache_dir=cache, progress=None, **SMALL).store


def test_a_load_and_a_build_leave_samples_of_what_they_wrote(unsampled, tmp_path):
    target = empty(unsampled)
    load(target, small_corpus(tmp_path, SMALL["days"]))
    assert_sampled(target, ("Execution", "Artifact"), "after the load")
    with target.driver() as driver:
        build(driver, target.database, quiet=True)
    assert_sampled(target, ("Execution", "Artifact", "Graphlet"), "after the build")


def test_a_sync_that_grows_a_source_leaves_samples_of_what_it_holds(unsampled, tmp_path):
    target = empty(unsampled)
    live = small_corpus(tmp_path, 3)
    load(target, live)
    first = count(target, "Execution")
    replay(live, SMALL["days"], cache_dir=tmp_path / "cache", progress=None, **SMALL)
    assert sync(target, live).status == "synced"
    assert count(target, "Execution") > 2 * first  # a change that makes the old samples wrong
    assert_sampled(target, ("Execution", "Artifact"), "after the sync")


def lag(target, label: str) -> int:
    """How many entries the graph holds beyond what the label's uid index was last sampled at."""
    return count(target, label) - index_samples(target)[(label, "uid")]


def test_small_changes_keep_the_plans_until_they_add_up(unsampled, tmp_path):
    """A refresh resamples only outdated indexes, and clears every plan: below a hundred changed
    entries (statistics.UNSAMPLED_FLOOR) it is not done, so small stores load and build on the
    plans made before them; the changes add up on the server until an index is worth resampling."""
    target = empty(unsampled)
    load(target, small_corpus(tmp_path, SMALL["days"]))
    with target.driver() as driver:
        first = build(driver, target.database, quiet=True)
    # After members and after outcomes; the first clear removed nothing.
    assert first.graphlets > UNSAMPLED_FLOOR and first.refreshes == 2, first
    assert_sampled(target, ("Execution", "Artifact", "Graphlet"), "after the first build")
    small = store("penguin-tfma")
    load(target, small)
    with target.driver() as driver:
        second = build(driver, target.database, quiet=True)
    assert second.built == [small.stem] and 0 < second.graphlets < UNSAMPLED_FLOOR, second
    assert second.refreshes == 0, second
    assert 0 < lag(target, "Execution") <= UNSAMPLED_FLOOR and 0 < lag(target, "Graphlet") <= UNSAMPLED_FLOOR
    # More small stores: each index is resampled once its changes add up, never lagging further.
    resampled = False
    for path in REAL_STORES:
        if path != small:
            before = lag(target, "Execution")
            load(target, path)
            resampled |= lag(target, "Execution") < before
            assert lag(target, "Execution") <= max(UNSAMPLED_FLOOR, 0.05 * count(target, "Execution")), path.name
    assert resampled
