"""`corpus replay`: a store grown day by day equals the snapshot of that day, table for table."""

import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from mlprov.cli import app
from mlprov.core.errors import BadInputError
from mlprov.corpus import day_end_ms, replay, write_snapshot
from mlprov.corpus.delta import read_delta
from mlprov.corpus.delta_writer import apply_delta, insert_statement, update_statement
from mlprov.corpus.full_cache import cached_corpus
from mlprov.corpus.timeline import open_source
from tests.unit.test_corpus_asof import TINY, table_rows


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache")
    cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], folder)
    return folder


@pytest.fixture(scope="module")
def snapshots(cache_dir, tmp_path_factory):
    """Snapshots at the end of days 3 and 8, written once."""
    folder = tmp_path_factory.mktemp("snapshots")
    return {day: write_snapshot(folder / f"day{day}" / "tiny.sqlite", day_end_ms(day), cache_dir=cache_dir,
                                progress=None, **TINY).store for day in (3, 8)}


def _copy(path, tmp_path):
    target = tmp_path / "growing.sqlite"
    shutil.copyfile(path, target)
    return target


def test_replay_equals_the_snapshot_of_that_day(snapshots, cache_dir, tmp_path):
    store = _copy(snapshots[3], tmp_path)
    done = replay(store, 8, cache_dir=cache_dir, progress=None, **TINY)
    # The store cannot tell it was cut at the end of day 3: the rest of day 3 (nothing), then days 4 to 8.
    assert done.days_applied == 6 and done.inserted > 0 and done.updated > 0  # runs ended, contexts touched
    assert table_rows(store) == table_rows(snapshots[8])


def test_replay_from_a_mid_day_snapshot(cache_dir, snapshots, tmp_path):
    store = write_snapshot(tmp_path / "mid" / "tiny.sqlite", day_end_ms(5) + 13 * 3_600_000, cache_dir=cache_dir,
                           progress=None, **TINY).store
    replay(store, 8, cache_dir=cache_dir, progress=None, **TINY)
    assert table_rows(store) == table_rows(snapshots[8])


def test_replay_from_the_types_only_to_the_end_is_the_full_store(cache_dir, tmp_path):
    store = write_snapshot(tmp_path / "zero" / "tiny.sqlite", day_end_ms(0), cache_dir=cache_dir,
                           progress=None, **TINY).store
    done = replay(store, TINY["days"] + 5, cache_dir=cache_dir, progress=None, **TINY)
    assert done.days_applied == TINY["days"]  # nothing happens after the window's end
    full = cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], cache_dir)
    assert table_rows(store) == table_rows(full.store)


def test_replaying_to_a_day_reached_changes_nothing(snapshots, cache_dir, tmp_path):
    store = _copy(snapshots[3], tmp_path)
    replay(store, 8, cache_dir=cache_dir, progress=None, **TINY)
    before = table_rows(store)
    again = replay(store, 8, cache_dir=cache_dir, progress=None, **TINY)
    assert (again.inserted, again.updated) == (0, 0)
    assert table_rows(store) == before


def test_refuses_to_go_back_or_to_grow_another_corpus(snapshots, cache_dir, tmp_path):
    store = _copy(snapshots[8], tmp_path)
    before = table_rows(store)
    with pytest.raises(BadInputError, match="only grows"):
        replay(store, 3, cache_dir=cache_dir, progress=None, **TINY)
    with pytest.raises(BadInputError, match="seed 8"):
        replay(store, 10, cache_dir=cache_dir, progress=None, **{**TINY, "seed": 8})
    assert table_rows(store) == before


def test_a_failing_day_leaves_the_store_as_it_was(snapshots, cache_dir, tmp_path):
    store = _copy(snapshots[3], tmp_path)
    before = table_rows(store)
    full = cached_corpus(TINY["pipelines"], TINY["days"], TINY["seed"], cache_dir)
    source = open_source(full.store, full.timeline)
    target = sqlite3.connect(store)
    try:
        # Days 1 to 8 on a store at day 3: the new rows go in, then days 1-3's rows collide.
        delta = read_delta(source, day_end_ms(3), day_end_ms(8))
        delta.inserts += read_delta(source, None, day_end_ms(3)).inserts
        with pytest.raises(sqlite3.IntegrityError):
            apply_delta(target, delta)
    finally:
        target.close()
        source.close()
    assert table_rows(store) == before


def test_statements_are_standard_sql_with_the_drivers_placeholder():
    assert insert_statement("Event", ["id", "type"], "qmark") == "INSERT INTO `Event` (`id`, `type`) VALUES (?, ?)"
    assert update_statement("Execution", ["last_known_state"], ["id"], "format") == (
        "UPDATE `Execution` SET `last_known_state` = %s WHERE `id` = %s")


def test_cli_as_of_then_replay(cache_dir, snapshots, tmp_path):
    runner = CliRunner()
    corpus = ["--pipelines", str(TINY["pipelines"]), "--days", str(TINY["days"]), "--seed", str(TINY["seed"]),
              "--cache-dir", str(cache_dir), "--quiet"]
    store = tmp_path / "live" / "tiny.sqlite"
    made = runner.invoke(app, ["corpus", "generate", "--as-of", "2024-01-04T00:00:00Z", "-o", str(store), *corpus])
    assert made.exit_code == 0, made.output
    grown = runner.invoke(app, ["corpus", "replay", str(store), "--through-day", "8", *corpus])
    assert grown.exit_code == 0, grown.output
    assert grown.stdout.startswith(f"{store}\tday 8\t")
    assert table_rows(store) == table_rows(snapshots[8])
    bad = runner.invoke(app, ["corpus", "generate", "--as-of", "soon", "-o", str(tmp_path / "x.sqlite"), *corpus])
    # `mlprov` (cli.main) prints this error as one line on stderr with exit code 1.
    assert isinstance(bad.exception, BadInputError) and "neither a day number nor" in str(bad.exception)
