"""Reading MLMD SQLite stores: validation, streams, rules §2 normalisation (no server)."""

import shutil
import sqlite3

import pytest

from mlprov.core.errors import BadInputError
from mlprov.loader import graph_rows, mlmd
from mlprov.loader.operators import OperatorMap, default_map, load_map
from tests.helpers import NOT_MLMD, REAL_STORES, read_everything, sql_count, store


@pytest.mark.parametrize("path", REAL_STORES, ids=lambda p: p.name[:40])
def test_every_real_store_streams_completely(path):
    opened = mlmd.open_store(path)
    try:
        assert sum(1 for _ in mlmd.artifacts(opened)) == sql_count(path, "SELECT count(*) FROM Artifact")
        assert sum(1 for _ in mlmd.executions(opened)) == sql_count(path, "SELECT count(*) FROM Execution")
        assert sum(1 for _ in mlmd.contexts(opened)) == sql_count(path, "SELECT count(*) FROM Context")
        assert sum(1 for _ in mlmd.events(opened)) == sql_count(path, "SELECT count(*) FROM Event WHERE type <> 0")
    finally:
        opened.close()


@pytest.mark.parametrize("path", NOT_MLMD, ids=lambda p: p.name)
def test_sqlite_that_is_not_mlmd_is_refused(path):
    with pytest.raises(BadInputError, match="not an MLMD store"):
        mlmd.open_store(path)


def test_non_sqlite_empty_and_truncated_files_are_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("hello, not a database")
    with pytest.raises(BadInputError, match=f"{text}: not a SQLite database"):
        mlmd.open_store(text)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(BadInputError, match="empty"):
        mlmd.open_store(empty)
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(store("penguin-tfma").read_bytes()[:50_000])
    with pytest.raises(BadInputError, match="truncated"):
        mlmd.open_store(truncated)


def test_unknown_schema_version_is_refused(tmp_path):
    copy = tmp_path / "future.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE MLMDEnv SET schema_version = 11")
    with pytest.raises(BadInputError, match="schema version 11 is not supported"):
        mlmd.open_store(copy)


def test_dangling_rows_are_skipped_and_counted(tmp_path):
    copy = tmp_path / "damaged.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        deleted = conn.execute("SELECT count(*) FROM Event WHERE artifact_id = 3").fetchone()[0]
        attributions = conn.execute("SELECT count(*) FROM Attribution WHERE artifact_id = 3").fetchone()[0]
        conn.execute("DELETE FROM Artifact WHERE id = 3")
    opened = mlmd.open_store(copy)
    try:
        events, attributions_read = list(mlmd.events(opened)), list(mlmd.attributions(opened))
        # Every other row is read: the filter dropped the dangling ones, not everything.
        assert len(events) == sql_count(copy, "SELECT count(*) FROM Event WHERE type <> 0") - deleted > 0
        assert len(attributions_read) == sql_count(copy, "SELECT count(*) FROM Attribution") - attributions > 0
        assert all(e["artifact_id"] != 3 for e in events)
        assert all(a["owner_id"] != 3 for a in attributions_read)
        assert opened.skipped["event pointing at a deleted artifact"] == deleted > 0
        assert opened.skipped["attribution pointing at a deleted artifact"] == attributions > 0
    finally:
        opened.close()


def test_legacy_store_state_span_and_pipelines():
    opened = mlmd.open_store(store("Skye-Tran"))
    try:
        assert opened.schema_version == 6
        rows = list(mlmd.executions(opened))
        # Legacy notebook stores keep the state in a string property and open a new
        # `pipeline` context per session: each stays a separate pipeline.
        assert {mlmd.execution_state(r) for r in rows} == {"NEW"}
        assert len({r["pipeline_context"] for r in rows}) == len(mlmd.pipeline_contexts(opened)) == 16
        spans = [graph_rows.artifact_row("s", a).get("span") for a in mlmd.artifacts(opened)]
        assert all(isinstance(s, int) for s in spans if s is not None) and any(s is not None for s in spans)
    finally:
        opened.close()


def test_modern_store_trainer_node_cost_and_state():
    opened = mlmd.open_store(store("penguin-tfma"))
    try:
        normaliser = graph_rows.ExecutionNormaliser("src", mlmd.pipeline_contexts(opened), default_map())
        rows = {r["mlmd_id"]: normaliser.row(r)["node"] for r in mlmd.executions(opened)}
    finally:
        opened.close()
    trainer = rows[3]
    assert (trainer["operator"], trainer["category"], trainer["state"]) == ("Trainer", "training", "COMPLETE")
    assert trainer["node"] == "Trainer" and trainer["pipeline"] == "penguin-tfma"
    assert trainer["cost_basis"] == "wall" and trainer["cost_s"] == pytest.approx(
        (trainer["ended_at"] - trainer["created_at"]) / 1000)
    assert rows[2]["operator"] == "Resolver" and rows[2]["category"] == "other"
    assert trainer["uid"] == "src:e:3"


def test_cost_rules():
    assert graph_rows.cost("CACHED", {"cpu_seconds": 9.0}, 0, 5000) == (0.0, "cached")
    assert graph_rows.cost("COMPLETE", {"cpu_seconds": 9.5}, 0, 5000) == (9.5, "cpu")
    assert graph_rows.cost("COMPLETE", {}, 1000, 4000) == (3.0, "wall")
    assert graph_rows.cost("RUNNING", {}, 1000, None) == (0.0, "unknown")


def test_operator_mapping_is_exact_not_substring(tmp_path):
    mapping = default_map()
    assert mapping.classify("tfx.components.trainer.component.Trainer") == ("Trainer", "training")
    assert mapping.classify("__main__.MyTrainerComponent") == ("MyTrainerComponent", "other")
    assert mapping.classify("system.ImporterExecution") == ("Importer", "ingestion")
    extra = tmp_path / "ops.toml"
    extra.write_text('[type_names]\n"__main__.MyTrainerComponent" = "Trainer"\n')
    assert load_map(extra).classify("__main__.MyTrainerComponent") == ("Trainer", "training")
    extra.write_text('[categories]\nTrainer = "magic"\n')
    with pytest.raises(BadInputError, match="unknown categories"):
        load_map(extra)
    assert OperatorMap().operator("plain") == "plain"


@pytest.mark.parametrize("fragment", ["penguin-tfma", "Skye-Tran", "Syahrrulll", "ksuchoi216"])
def test_chunk_boundaries_change_nothing(fragment, tmp_path):
    """Keyset chunks of 1, 2 or 3 rows give the rows that one chunk gives, damaged stores included
    (one with every third execution gone, so the ids that windows of context names span are sparse)."""
    copy = tmp_path / "damaged.sqlite"
    shutil.copy(store(fragment), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM Artifact WHERE id = (SELECT min(id) FROM Artifact)")
        conn.execute("DELETE FROM Execution WHERE id % 3 = 0")
    for path in (store(fragment), copy):
        results = [read_everything(path, chunk_rows) for chunk_rows in (1, 2, 3, 1_000_000)]
        assert all(r == results[-1] for r in results)


def test_sqlite_locations_and_identity():
    path = store("penguin-tfma")
    for location in (path, str(path), f"sqlite:///{path}"):
        opened = mlmd.open_store(location)
        try:
            assert opened.path == path
            assert mlmd.store_identity(opened) == mlmd.StoreIdentity("mlmd-sqlite", str(path), path.stem)
        finally:
            opened.close()


def test_a_sqlite_store_written_while_it_is_read_is_seen_at_one_instant(tmp_path):
    """In WAL mode a pipeline can commit while the reader reads; the reader's one transaction keeps
    seeing the store as it was when the read began."""
    copy = tmp_path / "live.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        artifacts_before = conn.execute("SELECT count(*) FROM Artifact").fetchone()[0]
    opened = mlmd.open_store(copy)
    try:
        opened.chunk_rows = 1
        stream = mlmd.artifacts(opened)
        first = next(stream)
        with sqlite3.connect(copy) as writer:
            writer.execute("INSERT INTO Artifact (type_id, uri) SELECT type_id, 'written-meanwhile' FROM Artifact LIMIT 1")
        rest = list(stream)
        assert len([first, *rest]) == artifacts_before == opened.count("Artifact")
        assert all(a["uri"] != "written-meanwhile" for a in rest)
    finally:
        opened.close()
    assert sql_count(copy, "SELECT count(*) FROM Artifact WHERE uri = 'written-meanwhile'") == 1


# --- rules §2 step 1: checked, then decoded ---------------------------------------------------------

def test_a_directory_and_a_fifo_are_named_for_what_they_are(tmp_path):
    import os

    folder = tmp_path / "store.sqlite"
    folder.mkdir()
    with pytest.raises(BadInputError, match=f"{folder}: a directory, not an MLMD store"):
        mlmd.open_store(folder)
    fifo = tmp_path / "pipe.sqlite"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError, match=f"{fifo}: not a regular file"):
        mlmd.open_store(fifo)


def _rebuilt_without_keys(path, table):
    with sqlite3.connect(path) as conn:
        info = conn.execute(f"PRAGMA table_info(`{table}`)").fetchall()
        conn.execute(f"CREATE TABLE `{table}__new` ({', '.join(f'`{r[1]}` {r[2]}' for r in info)})")
        conn.execute(f"INSERT INTO `{table}__new` SELECT * FROM `{table}`")
        conn.execute(f"DROP TABLE `{table}`")
        conn.execute(f"ALTER TABLE `{table}__new` RENAME TO `{table}`")


def test_a_schema_version_stored_as_text_is_read_as_the_number(tmp_path):
    copy = tmp_path / "text-version.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        # A column declared without a type keeps text as text (an INTEGER one would convert it).
        conn.execute("DROP TABLE MLMDEnv")
        conn.execute("CREATE TABLE MLMDEnv (schema_version)")
        conn.execute("INSERT INTO MLMDEnv VALUES ('10')")
        assert conn.execute("SELECT typeof(schema_version) FROM MLMDEnv").fetchone()[0] == "text"
    opened = mlmd.open_store(copy)
    try:
        assert opened.schema_version == 10
    finally:
        opened.close()


def test_a_column_its_schema_version_has_missing_is_refused_before_reading(tmp_path):
    copy = tmp_path / "no-uri.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP INDEX idx_artifact_uri")
        conn.execute("ALTER TABLE Artifact DROP COLUMN uri")
    with pytest.raises(BadInputError, match=f"{copy}: a SQLite file of MLMD schema version 10 .*Artifact.uri is missing"):
        mlmd.open_store(copy)


def _latin1_uri(tmp_path):
    """A copy of a real store whose artifact 4 has a uri in Latin-1, not UTF-8."""
    copy = tmp_path / "latin1.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE Artifact SET uri = CAST(X'50696e67fc696e' AS TEXT) WHERE id = 4")
    return copy


def test_text_that_is_not_utf8_is_refused_naming_the_row(tmp_path):
    copy = _latin1_uri(tmp_path)
    opened = mlmd.open_store(copy)
    try:
        with pytest.raises(BadInputError, match=f"{copy}: the uri of artifact 4 is not UTF-8 text"):
            list(mlmd.artifacts(opened))
    finally:
        opened.close()


def test_repeated_links_are_skipped_and_counted_in_sql_alike(tmp_path):
    copy = tmp_path / "repeats.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    for table in ("Event", "Attribution", "Association"):
        _rebuilt_without_keys(copy, table)
    with sqlite3.connect(copy) as conn:
        conn.execute("INSERT INTO Event SELECT id + 1000, artifact_id, execution_id, type, milliseconds_since_epoch "
                     "FROM Event WHERE id IN (1, 2)")
        conn.execute("INSERT INTO Attribution SELECT id + 1000, context_id, artifact_id FROM Attribution WHERE id = 1")
        conn.execute("INSERT INTO Association SELECT id + 1000, context_id, execution_id FROM Association")
    opened = mlmd.open_store(copy)
    try:
        events = list(mlmd.events(opened))
        list(mlmd.attributions(opened))
        associations = list(mlmd.associations(opened))
        assert len(events) == sql_count(copy, "SELECT count(*) FROM Event WHERE type <> 0") - 2
        assert len(associations) == sql_count(copy, "SELECT count(*) FROM Association") // 2
        assert opened.skipped == {
            "event repeating an earlier event (same artifact, execution and type)": 2,
            "attribution repeating an earlier one (same context and artifact)": 1,
            "association repeating an earlier one (same context and execution)": len(associations)}
        assert mlmd.count_skipped(opened) == opened.skipped
    finally:
        opened.close()


def test_a_query_meeting_text_that_is_not_utf8_is_read_again_keeping_its_bytes(tmp_path):
    """The driver decodes text itself (fast) and fails a query on text that is not UTF-8; that query
    is read again in the same transaction with the text kept as lone surrogates, and the next
    query is decoded by the driver again."""
    copy = _latin1_uri(tmp_path)
    opened = mlmd.open_store(copy)
    try:
        rows = opened.db.rows("SELECT id, uri FROM Artifact WHERE id IN (3, 4) ORDER BY id")
        assert rows[1] == (4, b"Ping\xfcin".decode("utf-8", "surrogateescape"))
        assert opened.conn.text_factory is str
        with sqlite3.connect(copy) as plain:
            assert rows[0] == plain.execute("SELECT id, uri FROM Artifact WHERE id = 3").fetchone()
        assert opened.db.rows("SELECT count(*) FROM Artifact") == [(sql_count(copy, "SELECT count(*) FROM Artifact"),)]
    finally:
        opened.close()


def test_a_whole_table_read_asks_for_context_names_a_window_of_chunks_at_a_time(monkeypatch):
    """Each query of context names probes the index once per context of the type, so a whole-table
    read asks for a window of chunks at once; a read of chosen ids still asks chunk by chunk."""
    monkeypatch.setattr(mlmd, "CONTEXT_NAME_WINDOW", 3)
    opened = mlmd.open_store(store("penguin-tfma"))
    try:
        opened.chunk_rows = 1
        executions = opened.count("Execution")
        asked = []
        rows = opened.db.rows
        opened.db.rows = lambda sql, params=(): (asked.append(sql) if "JOIN Context" in sql else None) or rows(sql, params)
        whole = list(mlmd.executions(opened))
        windows = -(-executions // mlmd.CONTEXT_NAME_WINDOW)
        assert executions > mlmd.CONTEXT_NAME_WINDOW
        assert len(asked) == 2 * windows  # pipeline and node names, once per window
        asked.clear()
        chosen = list(mlmd.executions(opened, [row["mlmd_id"] for row in whole]))
        assert chosen == whole
        assert len(asked) == 2 * executions
    finally:
        opened.close()


def test_repeats_are_looked_for_only_where_no_unique_key_rules_them_out(tmp_path):
    """MLMD's unique keys on Event, Attribution and Association mean no row repeats another: the
    reader then asks no per-row question about repeats. A table rebuilt without its key is asked."""
    copy = tmp_path / "one-table-without-keys.sqlite"
    shutil.copy(store("penguin-tfma"), copy)
    _rebuilt_without_keys(copy, "Attribution")
    opened = mlmd.open_store(copy)
    try:
        assert opened.unique("Event", {"execution_id", "artifact_id", "type"})
        assert opened.unique("Association", {"context_id", "execution_id"})
        assert not opened.unique("Attribution", {"context_id", "artifact_id"})
        asked = []
        rows = opened.db.rows
        opened.db.rows = lambda sql, params=(): asked.append(sql) or rows(sql, params)
        for read in (mlmd.events, mlmd.attributions, mlmd.associations):
            asked.clear()
            assert list(read(opened))
            repeat_checks = [sql for sql in asked if "EXISTS" in sql]
            assert bool(repeat_checks) == (read is mlmd.attributions), read.__name__
        asked.clear()
        assert mlmd.count_skipped(opened) == {}
        assert [sql for sql in asked if "EXISTS" in sql] == [next(sql for sql in asked if "`Attribution` l" in sql)]
    finally:
        opened.close()
