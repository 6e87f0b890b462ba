"""Every MLMD schema version mlprov claims to read (4 to 10, rules §2) on genuine stores of it.

The real stores in tests/data/mlmd are of versions 6, 8 and 10 only. ml-metadata's own
`metadata_store.downgrade_schema` rewrote copies of four v10 stores to each older version; those
copies are kept in tests/data/mlmd/schema-versions (made once by scripts/make_schema_stores.py,
checksums in SHA256SUMS), so every version is tested on a store that ml-metadata itself wrote. What
a downgrade removes (checked by `test_downgrade_writes_a_genuine_store_of_that_version`):

  9: the `bool_value` and `proto_value` property columns (none of the chosen stores uses them)
  8: and the `external_id` columns
  7: no column (only indexes go, among them the unique index on events)
  6: and the `byte_value` property columns
  5: and the ParentContext and ParentType tables (so no CHILD_OF links), `Type.version`, `description`
  4: and `last_known_state`, `name`, create and update times of executions and artifacts,
     `Artifact.state`, and the create and update times of contexts

So a v5 to v9 store must load into exactly the graph of its v10 original (bar CHILD_OF at v5), and
a v4 store into the same graph except for what rules §2 derives from the missing columns: states
from the legacy `state` property, else COMPLETE iff the execution has an output-like event, else
UNKNOWN; times from its events' milliseconds.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.corpus.oracle.graphlets import compute_graphlets
from mlprov.corpus.oracle.store_rows import read_store_rows
from mlprov.loader.load import default_source_name
from tests.helpers import DATA, SCHEMA_FOLDER, SCHEMA_STORES, fresh_graph, run_cli, sql_count, store

pytestmark = pytest.mark.integration

VERSIONS = range(4, 11)
# Real v10 stores that exercise different rules.
STORES = {
    # an Evaluator with a baseline, a failed blessing, a push, a Resolver with no events and one
    # that only re-emits (INTERNAL_OUTPUT); worked example of rules §9
    "tfma": "penguin-tfma",
    # a CACHED Importer re-outputting the Schema that another Importer created; rules §9
    "transform": "penguin-transform",
    # six FAILED Trainers without a Model, 24 CACHED upstream executions; rules §9
    "syahrrulll": "Syahrrulll",
    # a notebook store: the legacy `state` string property, no ParentContext rows
    "sahaavi": "sahaavi",
}
CASES = [(key, version) for key in STORES for version in VERSIONS]

# What each version lacks, relative to the next: tables, then (table, column).
LACKS = {
    9: {("ArtifactProperty", "bool_value"), ("ArtifactProperty", "proto_value"),
        ("ExecutionProperty", "bool_value"), ("ExecutionProperty", "proto_value"),
        ("ContextProperty", "bool_value"), ("ContextProperty", "proto_value")},
    8: {("Artifact", "external_id"), ("Execution", "external_id"), ("Context", "external_id"),
        ("Type", "external_id")},
    7: set(),
    6: {("ArtifactProperty", "byte_value"), ("ExecutionProperty", "byte_value"),
        ("ContextProperty", "byte_value")},
    5: {"ParentContext", "ParentType", ("Type", "version"), ("Type", "description")},
    4: {("Execution", "last_known_state"), ("Execution", "name"), ("Execution", "create_time_since_epoch"),
        ("Execution", "last_update_time_since_epoch"), ("Artifact", "state"), ("Artifact", "name"),
        ("Artifact", "create_time_since_epoch"), ("Artifact", "last_update_time_since_epoch"),
        ("Context", "create_time_since_epoch"), ("Context", "last_update_time_since_epoch")},
}

# rules §2, what v4 lacks: states come from the legacy property, else from the events.
V4_STATES = {
    # Resolver 2 has no event; Resolver 7 only INTERNAL_OUTPUT events (output-like): COMPLETE.
    "tfma": {2: "UNKNOWN", **{i: "COMPLETE" for i in (1, 3, 4, 5, 6, 7, 8, 9, 10)}},
    # Importer 9 was CACHED; it outputs the Schema again, so without states it is COMPLETE.
    "transform": {i: "COMPLETE" for i in range(1, 15)},
    # The FAILED Trainers wrote no output: UNKNOWN. The CACHED runs output: COMPLETE.
    "syahrrulll": {i: ("UNKNOWN" if i in (6, 12, 18, 24, 30, 36) else "COMPLETE") for i in range(1, 51)},
    # The legacy `state` string survives every downgrade (an execution property).
    "sahaavi": {1: "NEW", 2: "NEW"},
}

OUTPUT_LIKE = (1, 4, 6, 7)  # DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT
INPUT_LIKE = (2, 3, 5)      # DECLARED_INPUT, INPUT, INTERNAL_INPUT

# Every node of a source but its Source node, with its outgoing relationships.
SNAPSHOT = """
MATCH (n) WHERE n.source = $source AND NOT n:Source
OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props,
       collect(CASE WHEN r IS NOT NULL THEN [type(r), properties(r), m.uid] END) AS rels
"""




@pytest.fixture(scope="session")
def downgraded() -> dict[tuple[str, int], Path]:
    """(store key, version) -> the real v10 store (10) or its copy that ml-metadata downgraded to
    that version (tests/data/mlmd/schema-versions)."""
    paths = {}
    for key, fragment in STORES.items():
        original = store(fragment)
        assert _schema_version(original) == 10, original.name
        for version in VERSIONS:
            paths[key, version] = original if version == 10 else DATA / SCHEMA_FOLDER / f"{key}_v{version}.sqlite"
    assert sorted(p for (_, v), p in paths.items() if v != 10) == SCHEMA_STORES
    return paths


@pytest.fixture(scope="module")
def graph(neo4j_target, downgraded):
    """Every downgraded store (and its v10 original) loaded, each as its own source, and built."""
    report = fresh_graph(neo4j_target, list(downgraded.values()))
    assert sorted(report.built) == sorted(default_source_name(p) for p in downgraded.values())
    return neo4j_target


def _schema_version(path: Path) -> int:
    return sql_count(path, "SELECT schema_version FROM MLMDEnv")


def _schema(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: {r[1] for r in conn.execute(f"PRAGMA table_info(`{t}`)")} for t in tables}


def _has_table(path: Path, table: str) -> bool:
    return bool(sql_count(path, f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"))


def cypher(target, text, **params) -> list[dict]:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return [r.data() for r in records]


def source_of(downgraded, key: str, version: int) -> str:
    return default_source_name(downgraded[key, version])


def _rounded(value):
    # Sums of costs come out of Neo4j in no fixed order: the last bits of a float vary between runs.
    if isinstance(value, float):
        return round(value, 6)
    return [_rounded(v) for v in value] if isinstance(value, list) else value


def snapshot(target, source: str, ignore: frozenset = frozenset(), without: tuple[str, ...] = ()) -> list[str]:
    """The source's subgraph as sorted text with the source name replaced, so two sources compare:
    one line per node with its properties and outgoing relationships; `ignore` holds (label or
    relationship type, property) pairs left out, `without` relationship types left out."""
    lines = []
    for row in cypher(target, SNAPSHOT, source=source):
        props = {k: _rounded(v) for k, v in row["props"].items()
                 if not any((label, k) in ignore for label in row["labels"])}
        rels = sorted(
            repr((rel, sorted((k, _rounded(v)) for k, v in rel_props.items() if (rel, k) not in ignore), other))
            for rel, rel_props, other in row["rels"] if rel not in without)
        lines.append(repr((sorted(row["labels"]), sorted(props.items()), rels)).replace(source, "<source>"))
    return sorted(lines)


def graphlet_table(target, source: str) -> pd.DataFrame:
    with target.driver() as driver:
        table = queries.run_df(driver, target.database, "graphlets", source=source)
    return table.sort_values("trainer_id").reset_index(drop=True)


def executions(target, source: str) -> dict[int, dict]:
    rows = cypher(target, """
        MATCH (e:Execution {source: $source})
        RETURN e.mlmd_id AS id, e.state AS state, e.created_at AS created_at, e.ended_at AS ended_at,
               e.cost_s AS cost_s, e.cost_basis AS cost_basis, e.name AS name,
               EXISTS { (e)<-[:CONTAINS]-(:Graphlet) } AS in_graphlet""", source=source)
    return {r.pop("id"): r for r in rows}


# --- the downgraded stores themselves -------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_downgrade_writes_a_genuine_store_of_that_version(downgraded, version):
    for key in STORES:
        path, original = downgraded[key, version], downgraded[key, 10]
        assert _schema_version(path) == version, path.name
        schema, full = _schema(path), _schema(original)
        lacks = set().union(*(LACKS[v] for v in range(version, 10)))
        missing = {t for t in full if t not in schema} | {
            (t, c) for t in schema for c in full[t] - schema[t]}
        assert missing == lacks, (path.name, missing ^ lacks)
        # Only the schema changes: every row of every table the version has is still there.
        for table in schema:
            if table != "sqlite_sequence":
                assert sql_count(path, f"SELECT count(*) FROM `{table}`") == \
                       sql_count(original, f"SELECT count(*) FROM `{table}`"), (path.name, table)


# --- loading them ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key,version", CASES)
def test_counts_equal_the_sqlite_counts(graph, downgraded, key, version):
    path = downgraded[key, version]
    source = default_source_name(path)
    facts = cypher(graph, "MATCH (s:Source {name: $source}) RETURN s.schema_version AS v, s.status AS status, "
                          "s.skipped AS skipped", source=source)
    assert facts == [{"v": version, "status": "loaded", "skipped": 0}]
    nodes = {r["label"]: r["n"] for r in cypher(graph, """
        MATCH (n) WHERE n.source = $source AND (n:Artifact OR n:Execution OR n:Context OR n:Pipeline)
        RETURN labels(n)[0] AS label, count(*) AS n""", source=source)}
    expected_nodes = {label: sql_count(path, f"SELECT count(*) FROM {label}")
                      for label in ("Artifact", "Execution", "Context")}
    # One pipeline per `pipeline` context name (rules §2); every store here has some.
    expected_nodes["Pipeline"] = sql_count(path, "SELECT count(DISTINCT c.name) FROM Context c "
                                                 "JOIN Type t ON t.id = c.type_id WHERE t.name = 'pipeline'")
    assert nodes == {k: v for k, v in expected_nodes.items() if v}
    rels = {r["type"]: r["n"] for r in cypher(graph, """
        MATCH (n)-[r:INPUT|OUTPUT|ATTRIBUTED_TO|ASSOCIATED_WITH|CHILD_OF|IN_PIPELINE]->() WHERE n.source = $source
        RETURN type(r) AS type, count(*) AS n""", source=source)}
    has_parents = _has_table(path, "ParentContext")
    # ParentContext exists from version 6 on; v4 and v5 have no parent links at all.
    assert has_parents == (version >= 6)
    expected = {
        "INPUT": sql_count(path, f"SELECT count(*) FROM Event WHERE type IN {INPUT_LIKE}"),
        "OUTPUT": sql_count(path, f"SELECT count(*) FROM Event WHERE type IN {OUTPUT_LIKE}"),
        "ATTRIBUTED_TO": sql_count(path, "SELECT count(*) FROM Attribution"),
        "ASSOCIATED_WITH": sql_count(path, "SELECT count(*) FROM Association"),
        "CHILD_OF": sql_count(path, "SELECT count(*) FROM ParentContext") if has_parents else 0,
        "IN_PIPELINE": expected_nodes["Execution"],
    }
    assert rels == {k: v for k, v in expected.items() if v}
    if version <= 5 and key != "sahaavi":  # the v10 originals do have parent links, except sahaavi's
        assert sql_count(downgraded[key, 10], "SELECT count(*) FROM ParentContext") > 0


@pytest.mark.parametrize("key,version", [(k, v) for k, v in CASES if 5 <= v <= 9])
def test_versions_5_to_9_give_the_graph_of_the_v10_original(graph, downgraded, key, version):
    # Nothing a downgrade to 5..9 removes is read by mlprov (rules §2) except ParentContext, so
    # the whole subgraph (nodes, properties, events, contexts, graphlets, their links and costs)
    # is the v10 one, without CHILD_OF at v5.
    actual = snapshot(graph, source_of(downgraded, key, version))
    expected = snapshot(graph, source_of(downgraded, key, 10), without=("CHILD_OF",) if version == 5 else ())
    assert actual == expected


# What rules §2 derives from the columns v4 lacks (execution states and times, hence costs), and
# what the graphlet build takes from them: graphlet costs and times, the Trainer's state, each
# member's first holder (the holder whose Trainer started first) and the pipelines' cost sums.
# Everything else must be as on the v10 original.
V4_DERIVED = frozenset({
    ("Execution", "state"), ("Execution", "created_at"), ("Execution", "ended_at"), ("Execution", "name"),
    ("Execution", "cost_s"), ("Execution", "cost_basis"),
    ("Artifact", "state"), ("Artifact", "name"), ("Artifact", "created_at"), ("Artifact", "updated_at"),
    ("Context", "created_at"),
    ("Graphlet", "cost_full_s"), ("Graphlet", "cost_amortized_s"), ("Graphlet", "cost_first_use_s"),
    ("Graphlet", "category_full_s"), ("Graphlet", "category_amortized_s"), ("Graphlet", "category_first_use_s"),
    ("Graphlet", "started_at"), ("Graphlet", "ended_at"), ("Graphlet", "trainer_state"),
    ("Execution", "first_holder"),
    # The pipeline tallies sum those costs and list their bases, and group the executions by state.
    *(("Pipeline", f"tally_{name}") for name in (
        "operators", "categories", "states", "attributed", "executions", "bases", "cost_s", "cost_full_s", "closed_cost_s", "waste_s", "open_cost_s", "closed_full_s",
        "closed_amortized_s", "closed_first_use_s", "waste_full_s", "waste_amortized_s", "waste_first_use_s",
        "outcome_amortized_s")),
})


@pytest.mark.parametrize("key", STORES)
def test_version_4_states_and_times_come_from_the_documented_fallbacks(graph, downgraded, key):
    path = downgraded[key, 4]
    source, original = default_source_name(path), source_of(downgraded, key, 10)
    actual = executions(graph, source)
    # States: the legacy `state` property, else COMPLETE iff an output-like event, else UNKNOWN.
    assert {i: e["state"] for i, e in actual.items()} == V4_STATES[key]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        events = {i: (first, last) for i, first, last in conn.execute(
            "SELECT execution_id, min(milliseconds_since_epoch), max(milliseconds_since_epoch) "
            "FROM Event GROUP BY execution_id")}
    for ex_id, row in actual.items():
        # Times: the earliest and latest milliseconds of the execution's events, else empty.
        first, last = events.get(ex_id, (None, None))
        assert (row["created_at"], row["ended_at"]) == (first, last), ex_id
        # Cost (rules §2): no state says CACHED any more, so every cost is wall time between them.
        if first is None:
            assert (row["cost_s"], row["cost_basis"]) == (0.0, "unknown"), ex_id
        else:
            assert (row["cost_s"], row["cost_basis"]) == (pytest.approx((last - first) / 1000), "wall"), ex_id
        assert row["name"] is None
    # Artifacts have no state, name or times, contexts no create time (they keep their name).
    assert cypher(graph, """
        MATCH (a:Artifact {source: $source})
        WHERE a.state IS NOT NULL OR a.name IS NOT NULL OR a.created_at IS NOT NULL OR a.updated_at IS NOT NULL
        RETURN a.mlmd_id AS id""", source=source) == []
    assert cypher(graph, "MATCH (c:Context {source: $source}) WHERE c.created_at IS NOT NULL RETURN c.mlmd_id AS id",
                  source=source) == []
    trainer_states = cypher(graph, """
        MATCH (g:Graphlet {source: $source}), (t:Execution {source: $source, mlmd_id: g.trainer_id})
        RETURN g.trainer_state = t.state AS same, count(*) AS n""", source=source)
    assert all(r["same"] for r in trainer_states), trainer_states
    # Everything else (nodes, events, contexts, graphlets with their members, outcomes, chains and
    # links) is as on the v10 original, without CHILD_OF.
    assert snapshot(graph, source, V4_DERIVED) == snapshot(graph, original, V4_DERIVED, without=("CHILD_OF",))


# --- graphlets ------------------------------------------------------------------------------------

MEMBERS = ["trainer_id", "model_id", "outcome", "n_executions", "n_artifacts",
           "member_execution_ids", "member_artifact_ids"]
COSTS = ["cost_full_s", "cost_amortized_s", "cost_first_use_s"]


def _comparable(table: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: (None if pd.isna(row[c]) else int(row[c]) if c in ("trainer_id", "model_id", "n_executions",
             "n_artifacts") else row[c]) for c in columns}
            for _, row in table.iterrows()]


def _costs(table: pd.DataFrame) -> list[float]:
    return table[COSTS].astype(float).values.ravel().tolist()


@pytest.mark.parametrize("key,version", CASES)
def test_graphlets_equal_the_oracle_and_the_v10_members(graph, downgraded, key, version):
    path = downgraded[key, version]
    source = default_source_name(path)
    actual = graphlet_table(graph, source)
    # The plain-Python oracle reads every version with the same fallbacks (rules §2).
    oracle = compute_graphlets(path).sort_values("trainer_id").reset_index(drop=True)
    assert _comparable(actual, MEMBERS) == _comparable(oracle, MEMBERS)
    assert _costs(actual) == pytest.approx(_costs(oracle))
    # Members depend on events, types and which executions are CACHED (rules §3). Every version
    # keeps events and types. v5..v9 keep the states, so the table is the v10 one, costs included.
    # v4 has no states: a CACHED execution that outputs becomes COMPLETE, hence live. In these
    # stores every CACHED execution re-runs an upstream step (ExampleGen, StatisticsGen, SchemaGen,
    # ExampleValidator, Importer) after the live one that created its outputs, and reads no
    # Model, so it becomes neither a creator (rules §3 step 2) nor a downstream member (step 5),
    # and no Trainer was CACHED (it would anchor a graphlet of its own at v4). The FAILED Trainers
    # become UNKNOWN, which row 4 of step 9 also calls `failed`. So members, models, links and
    # outcomes stay; only costs follow the event times.
    original = graphlet_table(graph, source_of(downgraded, key, 10))
    assert _comparable(actual, MEMBERS) == _comparable(original, MEMBERS)
    if version >= 5:
        assert _costs(actual) == pytest.approx(_costs(original))
    links = """MATCH (a:Graphlet {source: $source})-[r:NEXT|BASELINE|WARM_STARTS_FROM]->(b:Graphlet)
               RETURN a.trainer_id AS a, type(r) AS rel, b.trainer_id AS b ORDER BY a, rel, b"""
    linked = cypher(graph, links, source=source)
    assert linked == cypher(graph, links, source=source_of(downgraded, key, 10))
    # Baselines and warm starts as the oracle links them (rules §3 step 4, rules §3 step 6).
    for rel, column in (("BASELINE", "baseline_from"), ("WARM_STARTS_FROM", "warm_starts_from")):
        assert sorted((r["a"], r["b"]) for r in linked if r["rel"] == rel) == \
               sorted((int(t), int(b)) for t, b in zip(oracle["trainer_id"], oracle[column]) if not pd.isna(b))


@pytest.mark.parametrize("key,version", [(k, v) for k, v in CASES if v != 10])
def test_every_version_gives_the_outcome_counts_of_its_v10_original(graph, downgraded, key, version):
    outcomes = Counter(graphlet_table(graph, source_of(downgraded, key, version))["outcome"])
    original = Counter(graphlet_table(graph, source_of(downgraded, key, 10))["outcome"])
    assert outcomes == original
    # Not vacuous: every store but the notebook one (no Trainer) has graphlets.
    assert sum(original.values()) > 0 or key == "sahaavi"


@pytest.mark.parametrize("key", STORES)
def test_a_v4_store_loads_through_the_command(graph, downgraded, tmp_path, key):
    # Once, every genuine v4 store crashed: the Artifact query read a `state` column v4 lacks.
    path = tmp_path / f"command_{key}_v4.sqlite"
    shutil.copyfile(downgraded[key, 4], path)
    result = run_cli(graph, "load", "--quiet", str(path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "no such column" not in result.stderr
    facts = cypher(graph, "MATCH (s:Source {name: $name}) RETURN s.status AS status, s.schema_version AS version, "
                          "s.n_nodes AS nodes", name=default_source_name(path))
    assert facts == [{"status": "loaded", "version": 4,
                      "nodes": sum(sql_count(path, f"SELECT count(*) FROM {t}") for t in ("Artifact", "Execution",
                                                                                          "Context"))}]


def test_the_stores_exercise_what_they_were_chosen_for(graph, downgraded):
    """The reasoning above holds only if the stores are what the comments say."""
    v10 = {key: executions(graph, source_of(downgraded, key, 10)) for key in STORES}
    cached = {key: sorted(i for i, e in rows.items() if e["state"] == "CACHED") for key, rows in v10.items()}
    assert cached == {"tfma": [], "transform": [9], "sahaavi": [],
                      "syahrrulll": [7, 8, 9, 10, 13, 14, 15, 16, 19, 20, 21, 22, 25, 26, 27, 28,
                                     31, 32, 33, 34, 37, 38, 39, 40, 44, 45, 46, 47]}
    failed = sorted(i for i, e in v10["syahrrulll"].items() if e["state"] == "FAILED")
    assert failed == [6, 12, 18, 24, 30, 36]
    # At v4 the formerly CACHED executions are live but still in no graphlet, and cost wall time.
    for key, ids in cached.items():
        v4 = executions(graph, source_of(downgraded, key, 4))
        for i in ids:
            assert not v10[key][i]["in_graphlet"] and not v4[i]["in_graphlet"], (key, i)
            assert (v10[key][i]["cost_basis"], v4[i]["cost_basis"]) == ("cached", "wall"), (key, i)
    outcomes = {key: graphlet_table(graph, source_of(downgraded, key, 4))["outcome"].tolist() for key in STORES}
    assert outcomes == {"tfma": ["pushed", "not_blessed"], "transform": ["pushed", "pushed"], "sahaavi": [],
                        "syahrrulll": ["failed"] * 6 + ["pushed"] * 2}


@pytest.mark.parametrize("key,version", CASES)
def test_the_oracle_reads_the_same_states_and_times_as_the_loader(graph, downgraded, key, version):
    path = downgraded[key, version]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = read_store_rows(conn)
    oracle = {i: (e.state, e.created_at, e.ended_at) for i, e in rows.executions.items()}
    loaded = {i: (e["state"], e["created_at"], e["ended_at"])
              for i, e in executions(graph, default_source_name(path)).items()}
    assert oracle == loaded


# --- versions outside 4..10 -----------------------------------------------------------------------

@pytest.mark.parametrize("version", [3, 11])
def test_an_unsupported_version_is_refused(graph, downgraded, tmp_path, version):
    path = tmp_path / f"tfma_v{version}.sqlite"
    shutil.copyfile(downgraded["tfma", 4 if version < 4 else 10], path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE MLMDEnv SET schema_version = ?", (version,))
    before = cypher(graph, "MATCH (n) RETURN count(n) AS nodes")
    result = run_cli(graph, "load", str(path))
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and f"schema version {version} " in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert cypher(graph, "MATCH (n) RETURN count(n) AS nodes") == before
    assert cypher(graph, "MATCH (s:Source {name: $name}) RETURN s", name=default_source_name(path)) == []
