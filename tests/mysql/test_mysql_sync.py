"""Loading and syncing MLMD stores that live in MariaDB (what Kubeflow Pipelines keeps), against a
real Neo4j: `mlprov load mysql://...` gives the graph its SQLite original gives; a store growing
in MariaDB, synced after each day, holds the graph a fresh load of it gives, and (synthetic S and a
real store) the graphlets built incrementally after each sync (rules §11) equal a full build of a
fresh load, graph and graphlet table; a store that cannot be synced is refused with one line, exit
code 1 and nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from mlprov.analytics.graphlets import FULL, INCREMENTAL, SYNCED, build
from mlprov.bulk_load import bulk_load
from mlprov.core import queries
from mlprov.corpus import day_end_ms, write_snapshot
from mlprov.corpus.delta import read_delta
from mlprov.corpus.delta_writer import apply_delta, latest_time
from mlprov.corpus.full_cache import cached_corpus
from mlprov.corpus.generate import DEFAULT_DAYS, SCALES
from mlprov.corpus.timeline import open_source
from mlprov.loader.load import default_source_name
from mlprov.loader.mlmd_mysql import PASSWORD_ENV
from scripts.graph_fingerprint import elements, fingerprint
from tests.helpers import REAL_STORES, empty, load, run_cli, store, sync
from tests.mlmd_cut import cut, instants
from tests.mlmd_mysql_copy import copy_rows, replicate

pytestmark = [pytest.mark.mysql, pytest.mark.integration]

TINY = {"pipelines": 6, "days": 20, "seed": 7}
S = {"pipelines": SCALES["S"], "days": DEFAULT_DAYS, "seed": 0}
S_FIRST_DAY = 100  # synthetic S is loaded as of this day, then grows day by day
# What differs between a store read from MySQL and its SQLite original: the kind, and the version
# (a file's digest there, the watermarks' digest here). Where it was read from is a run fact.
ENGINE_FACTS = frozenset({"kind", "sha256", "version"})


def fingerprint_of(target, **options) -> dict[str, str]:
    with target.driver() as driver:
        return fingerprint(driver, target.database, **options)




def test_load_from_mysql_gives_the_graph_of_the_sqlite_original(mariadb, copies, clean_db, reference_neo4j):
    empty(reference_neo4j)
    first = REAL_STORES[0]
    by_cli = run_cli(clean_db, "load", mariadb.location(copies[first]), "--source-name", default_source_name(first),
                     "--quiet")
    assert by_cli.returncode == 0, by_cli.stderr
    assert mariadb.reader.password not in by_cli.stdout + by_cli.stderr
    for path in REAL_STORES[1:]:
        load(clean_db, mariadb.location(copies[path]), source_name=default_source_name(path))
    for path in REAL_STORES:
        load(reference_neo4j, path)
    from_mysql = fingerprint_of(clean_db, ignore=ENGINE_FACTS)
    assert from_mysql == fingerprint_of(reference_neo4j, ignore=ENGINE_FACTS)
    assert len(from_mysql) == len(REAL_STORES) + 1
    with clean_db.driver() as driver:
        records, _, _ = driver.execute_query("MATCH (s:Source) RETURN DISTINCT s.kind AS kind, "
                                             "s.location STARTS WITH 'mysql://' AS url, s.path IS NULL AS no_path")
    assert [r.data() for r in records] == [{"kind": "mlmd-mysql", "url": True, "no_path": True}]


def test_a_bulk_load_from_mysql_equals_the_online_load_and_can_be_synced(mariadb, copies, make_local_server,
                                                                        reference_neo4j):
    location = mariadb.location(copies[store("penguin-transform")])
    server = make_local_server(auth=False)
    server.start()
    try:
        [bulk] = bulk_load([location], server, quiet=True)
        bulked = server.target()
        assert bulk.source == copies[store("penguin-transform")]
        empty(reference_neo4j)
        load(reference_neo4j, location)
        assert fingerprint_of(bulked) == fingerprint_of(reference_neo4j)
        assert sync(bulked, location).status == "unchanged"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-cache")
    cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], folder)
    return folder


@pytest.fixture(scope="module")
def growing(mariadb, mlmd_templates, corpus_cache, tmp_path_factory):
    """A function growing the MariaDB database `database` (made by ml-metadata, holding the corpus
    as of `first_day`: TINY unless another corpus and its cache are given) to the end of a later
    day, with the replay's own writer, one transaction a day."""
    folder = tmp_path_factory.mktemp("mysql-corpus")

    def make(database: str, corpus: dict = TINY, cache=corpus_cache, first_day: int = 2):
        full = cached_corpus(corpus["pipelines"], corpus["days"], corpus["seed"], cache)
        snapshot = write_snapshot(folder / database / "corpus.sqlite", day_end_ms(first_day), cache_dir=cache,
                                  progress=None, **corpus).store
        replicate(mariadb, mlmd_templates[10], database)
        copy_rows(snapshot, mariadb, database)

        def grow_to(day: int) -> None:
            source = open_source(full.store, full.timeline)
            target = mariadb.connect(database)
            try:
                apply_delta(target, read_delta(source, latest_time(target), day_end_ms(day)), "format")
            finally:
                target.close()
                source.close()

        return grow_to

    return make


def test_a_corpus_growing_in_mariadb_synced_day_by_day_equals_a_fresh_load(mariadb, growing, clean_db,
                                                                           reference_neo4j, corpus_cache, tmp_path):
    grow_to = growing("corpus_live")
    location = mariadb.location("corpus_live")
    load(clean_db, location)
    for day in range(3, TINY["days"] + 1):
        grow_to(day)
        result = sync(clean_db, location)
        assert (result.status, result.compared, result.deleted) == ("synced", [], {}), day
        empty(reference_neo4j)
        load(reference_neo4j, location)
        assert fingerprint_of(clean_db)["*"] == fingerprint_of(reference_neo4j)["*"], day
    assert sync(clean_db, location).status == "unchanged"
    # And the day's store holds what the SQLite snapshot of that day holds.
    snapshot = write_snapshot(tmp_path / "corpus_live.sqlite", day_end_ms(TINY["days"]), cache_dir=corpus_cache,
                              progress=None, **TINY).store
    empty(reference_neo4j)
    load(reference_neo4j, snapshot)
    synced, from_sqlite = (fingerprint_of(target, ignore=ENGINE_FACTS)["*"] for target in (clean_db, reference_neo4j))
    assert synced == from_sqlite


def graph_and_graphlets(target) -> tuple[dict, pd.DataFrame]:
    with target.driver() as driver:
        return elements(driver, target.database, marks=True), queries.run_df(driver, target.database, "graphlets")


def build_all(target):
    with target.driver() as driver:
        return build(driver, target.database, quiet=True)


def assert_built_as_a_fresh_load_and_full_build(target, reference, location: str, step: str) -> None:
    """`target` (synced from `location` and built incrementally) against a fresh load of
    `location` on `reference` and a full build: whole graphs, marks included, and graphlet tables."""
    empty(reference)
    load(reference, location)
    assert set(build_all(reference).modes.values()) == {FULL}, step
    (synced, synced_graphlets), (fresh, fresh_graphlets) = graph_and_graphlets(target), graph_and_graphlets(reference)
    assert len(synced_graphlets) > 0, step
    for source in sorted(set(synced) | set(fresh)):
        differ = sorted(set(synced.get(source, [])) ^ set(fresh.get(source, [])))
        assert not differ, f"{step}: {source} differs from a fresh load and full build: {differ[:6]}"
    pd.testing.assert_frame_equal(synced_graphlets, fresh_graphlets)


@pytest.fixture(scope="module")
def s_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-cache-s")
    cached_corpus(S["pipelines"], S["days"], S["seed"], folder)
    return folder


def test_synthetic_s_growing_in_mariadb_synced_and_built_incrementally_equals_a_full_build(
        mariadb, growing, s_cache, clean_db, reference_neo4j):
    grow_to = growing("corpus_s_live", S, s_cache, S_FIRST_DAY)
    location = mariadb.location("corpus_s_live")
    load(clean_db, location)
    assert set(build_all(clean_db).modes.values()) == {FULL}
    for day in (S_FIRST_DAY + 1, S_FIRST_DAY + 2):
        grow_to(day)
        result = sync(clean_db, location)
        assert result.status == "synced", day
        report = build_all(clean_db)
        assert report.modes == {result.source: INCREMENTAL} and report.reasons == {result.source: SYNCED}, day
        assert 0 < report.touched[result.source]["rebuilt"] < report.graphlets, (day, report.touched)
        assert_built_as_a_fresh_load_and_full_build(clean_db, reference_neo4j, location, f"day {day}")


def test_a_real_store_growing_in_mariadb_synced_and_built_incrementally_equals_a_full_build(
        mariadb, copy_store, clean_db, reference_neo4j, tmp_path):
    # The real store with the most Trainer runs, as it stood half-way through its recorded times,
    # then grown to the whole store in one commit (the rows it had, with their later states, and
    # the rows that came later).
    path = store("Syahrrulll")
    halfway = cut(path, instants(path, 3)[1], tmp_path / "halfway" / path.name)
    location = mariadb.location(copy_store(halfway, "real_growing"))
    load(clean_db, location)
    first = build_all(clean_db)
    assert set(first.modes.values()) == {FULL} and first.graphlets > 0
    copy_rows(path, mariadb, "real_growing")
    result = sync(clean_db, location)
    assert result.status == "synced" and result.rows_read > 0, result
    report = build_all(clean_db)
    assert report.modes == {result.source: INCREMENTAL}, report.modes
    assert report.graphlets > first.graphlets and report.touched[result.source]["rebuilt"] > 0, report
    assert_built_as_a_fresh_load_and_full_build(clean_db, reference_neo4j, location, "the whole store")


@pytest.fixture(scope="module")
def odd_databases(mariadb, copy_store):
    """A database that is not MLMD and an MLMD store of a schema version from the future."""
    copy_store(store("penguin-tfma"), "sync_future_schema")
    with mariadb.connect() as conn, conn.cursor() as cursor:
        cursor.execute("CREATE DATABASE sync_not_mlmd")
        cursor.execute("CREATE TABLE sync_not_mlmd.notes (id INT PRIMARY KEY, body TEXT)")
        cursor.execute("UPDATE sync_future_schema.MLMDEnv SET schema_version = 11")
        conn.commit()


def test_stores_that_cannot_be_synced_are_refused_with_nothing_written(mariadb, copy_store, odd_databases, free_port,
                                                                      clean_db, monkeypatch):
    synced = mariadb.location(copy_store(store("penguin-tfma"), "sync_target"))
    assert run_cli(clean_db, "sync", synced, "--quiet").returncode == 0
    before = fingerprint_of(clean_db, marks=True)

    def refused(location: str, expected: str) -> None:
        result = run_cli(clean_db, "sync", location)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
        assert expected in errors[0], errors[0]
        assert mariadb.reader.password not in result.stderr + result.stdout
        assert fingerprint_of(clean_db, marks=True) == before

    refused(f"mysql://{mariadb.reader.user}@127.0.0.1:{free_port()}/sync_target", "cannot reach the MySQL server")
    refused(mariadb.location("sync_not_mlmd"), "not an MLMD store")
    refused(mariadb.location("sync_future_schema"), "MLMD schema version 11 is not supported")
    # Another store's rows at the synced location.
    copy_rows(store("Syahrrulll"), mariadb, "sync_target")
    refused(synced, "another store at this location")
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    refused(synced, "access denied")
