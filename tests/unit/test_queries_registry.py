"""The stored-query registry: header parsing, and what it refuses (undeclared or unused parameters, a
name other than the file stem, duplicate names, unknown modes, read queries without `returns`, a
graphlet setting with a default of its own); settings come from the settings object."""

import re
from pathlib import Path

import pytest

from mlprov.analytics.graphlets import BUILD_STEPS
from mlprov.core import queries
from mlprov.core.queries import QueryError, Registry, parse_query_file
from mlprov.core.settings import SETTING_NAMES, GraphletSettings


def write(folder: Path, rel: str, text: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


GOOD = """// name: by_op
// summary: Cost per operator.
// mode: read
// params: {since: {type: int, default: null, doc: only executions after this}}
// returns: {operator: string, cost_s: float}
// browser: ":params {since: null}"
MATCH (e:Execution) WHERE $since IS NULL OR e.created_at >= $since
RETURN e.operator AS operator, sum(e.cost_s) AS cost_s
"""


def test_header_is_parsed(tmp_path):
    query = parse_query_file(write(tmp_path, "a/by_op.cypher", GOOD), "a.by_op")
    assert query.mode == "read"
    assert query.params["since"].type == "int"
    assert query.params["since"].default is None
    assert query.params["since"].doc == "only executions after this"
    assert query.returns == {"operator": "string", "cost_s": "float"}
    assert query.examples == {"since": None}
    assert query.params_line() == ":params {since: null}"
    assert query.body.startswith("MATCH (e:Execution)")


def test_namespaces_come_from_folders(tmp_path):
    write(tmp_path, "a/by_op.cypher", GOOD)
    registry = Registry(tmp_path)
    assert registry.get("a.by_op").name == "a.by_op"
    assert registry.get("by_op").name == "a.by_op"


def test_undeclared_parameter_is_refused_with_file_and_line(tmp_path):
    path = write(tmp_path, "by_op.cypher", GOOD.replace("$since IS NULL OR ", "$until IS NULL OR $since IS NULL OR "))
    with pytest.raises(QueryError, match=rf"{path}:4: .*used but not declared: until"):
        parse_query_file(path, "by_op")


def test_unused_parameter_is_refused(tmp_path):
    path = write(tmp_path, "by_op.cypher", GOOD.replace("WHERE $since IS NULL OR e.created_at >= $since", ""))
    with pytest.raises(QueryError, match="declared but not used: since"):
        parse_query_file(path, "by_op")


def test_name_must_match_file_stem(tmp_path):
    path = write(tmp_path, "other.cypher", GOOD)
    with pytest.raises(QueryError, match=rf"{path}:1: name 'by_op' differs from the file stem 'other'"):
        parse_query_file(path, "other")


def test_duplicate_analysis_names_are_refused_naming_both_files(tmp_path):
    first = write(tmp_path, "a/by_op.cypher", GOOD)
    second = write(tmp_path, "b/by_op.cypher", GOOD)
    with pytest.raises(QueryError) as err:
        Registry(tmp_path)
    assert str(first) in str(err.value) and str(second) in str(err.value)


def test_unknown_mode_and_missing_returns_are_refused(tmp_path):
    with pytest.raises(QueryError, match="mode 'maybe'"):
        parse_query_file(write(tmp_path, "by_op.cypher", GOOD.replace("mode: read", "mode: maybe")), "by_op")
    no_returns = GOOD.replace("// returns: {operator: string, cost_s: float}\n", "")
    with pytest.raises(QueryError, match="must declare"):
        parse_query_file(write(tmp_path, "x/by_op.cypher", no_returns), "by_op")


def test_unknown_parameter_at_run_time_is_refused(tmp_path):
    query = parse_query_file(write(tmp_path, "by_op.cypher", GOOD), "by_op")
    assert query.bind({}) == {"since": None}
    with pytest.raises(QueryError, match="no parameter"):
        query.bind({"sinse": 3})


def test_statements_split_on_semicolons_outside_strings():
    text = "CREATE (a {x: 'a;b'});\n// c;omment\nCREATE (b);\n"
    assert [s.strip() for s in queries._split_statements(text) if s.strip()] == [
        "CREATE (a {x: 'a;b'})",
        "// c;omment\nCREATE (b)",
    ]


def test_every_shipped_query_is_valid_and_documented():
    registry = queries.registry()
    names = [q.name for q in registry]
    assert "analyses.graphlets" in names and "schema.constraints" in names
    for query in registry:
        assert query.summary, query.path
        line = query.params_line()
        shown = queries._parse_flow_map(line.removeprefix(":params").strip(), query.path)
        assert list(shown) == list(query.params), f"{query.path}: {line}"


def test_list_defaults_are_lists(tmp_path):
    text = GOOD.replace("{since: {type: int, default: null, doc: only executions after this}}",
                        "{since: {type: list, default: [\"Tuner\", 'Pusher', 3], doc: operators}}")
    query = parse_query_file(write(tmp_path, "by_op.cypher", text), "by_op")
    assert query.params["since"].default == ["Tuner", "Pusher", 3]


@pytest.mark.parametrize(("tail", "own"), [
    ("} IN TRANSACTIONS OF 10 ROWS", True),
    ("} IN 2 CONCURRENT TRANSACTIONS OF 10 ROWS", True),
    ("} IN CONCURRENT TRANSACTIONS", True),
    ("}", False),
])
def test_batched_queries_run_in_implicit_transactions(tmp_path, tail, own):
    path = tmp_path / "q.cypher"
    path.write_text("// name: q\n// summary: s\n// mode: write\nMATCH (n) CALL (n) { SET n.x = 1\n" + tail + "\n",
                    encoding="utf-8")
    assert queries.parse_query_file(path, "q").runs_in_own_transactions is own
    # Every shipped batched write says so, or the server refuses it inside a managed transaction.
    # The batched ones are found from the files themselves, so that the loop cannot be empty.
    shipped = Path(__file__).resolve().parents[2] / "cypher"
    batched_files = {".".join(p.relative_to(shipped).with_suffix("").parts) for p in shipped.rglob("*.cypher")
                     if "TRANSACTIONS" in p.read_text(encoding="utf-8").upper()}
    batched = [query for query in queries.registry() if "TRANSACTIONS" in query.body.upper()]
    assert batched_files and {query.name for query in batched} == batched_files
    for query in batched:
        assert query.runs_in_own_transactions, query.name


SETTING_QUERY = """// name: runs
// summary: Trainer runs.
// mode: read
// params: {trainer_operator: {type: string, doc: the Trainer operator}}
// returns: {runs: int}
// browser: ":params {}"
MATCH (t:Execution {operator: $trainer_operator}) RETURN count(t) AS runs
"""


def test_a_setting_takes_its_value_from_the_settings_object(tmp_path):
    query = parse_query_file(write(tmp_path, "runs.cypher", SETTING_QUERY), "runs")
    assert query.params["trainer_operator"].setting
    assert query.bind({}) == {"trainer_operator": GraphletSettings().trainer_operator}
    learner = GraphletSettings(trainer_operator="Learner")
    assert query.bind({}, learner) == {"trainer_operator": "Learner"}
    assert query.bind({"trainer_operator": "Fit"}, learner) == {"trainer_operator": "Fit"}
    # The Browser line shows the same values.
    assert query.params_line() == f":params {{trainer_operator: '{GraphletSettings().trainer_operator}'}}"
    assert query.params_line(learner) == ":params {trainer_operator: 'Learner'}"


@pytest.mark.parametrize(("header", "refusal"), [
    ("{trainer_operator: {type: string, default: Trainer, doc: d}}", "graphlet setting: its default comes from mlprov.core.settings"),
    ("{trainer_operator: {type: string, default: null, doc: d}}", "graphlet setting: its default comes from mlprov.core.settings"),
    ("{trainer_operator: {type: list, doc: d}}", "graphlet setting of type string, not list"),
])
def test_a_header_cannot_write_a_settings_default_of_its_own(tmp_path, header, refusal):
    text = SETTING_QUERY.replace("{trainer_operator: {type: string, doc: the Trainer operator}}", header)
    path = write(tmp_path, "runs.cypher", text)
    with pytest.raises(QueryError, match=rf"{path}:4: parameter trainer_operator is a {refusal}"):
        parse_query_file(path, "runs")


@pytest.mark.parametrize(("browser", "refusal"), [
    (":params {trainer_operator: 'Trainer'}", "gives graphlet setting.s. trainer_operator"),
    (":params {since: 3}", "names undeclared parameter.s.: since"),
    ("{}", "a browser line is ':params"),
])
def test_a_browser_line_gives_examples_of_declared_non_settings_only(tmp_path, browser, refusal):
    path = write(tmp_path, "runs.cypher", SETTING_QUERY.replace(":params {}", browser))
    with pytest.raises(QueryError, match=rf"{path}:6: .*{refusal}"):
        parse_query_file(path, "runs")


def test_shipped_queries_take_every_setting_from_the_settings_object():
    for query in queries.registry():
        for name in set(query.params) & set(SETTING_NAMES):
            assert query.params[name].setting and query.params[name].default is None, query.path


def test_no_query_names_the_trainer_operator_itself():
    # A query that means the Trainer operator takes $trainer_operator, as the build does.
    for query in queries.registry():
        code = re.sub(r"//[^\n]*", "", query.body)
        assert not re.search(r"""['"]Trainer['"]""", code), query.path


def test_each_build_step_declares_the_source_settings_and_scopes_that_default_to_the_whole_source():
    # The build passes the source and its settings object; each step takes what its header declares.
    # An incremental build (rules §11) also passes scopes, which a full build leaves null: so the
    # step run with the source alone (as in the Browser) covers the whole source.
    for step in BUILD_STEPS:
        query = queries.registry().get(f"graphlets.{step}")
        assert "source" in query.params, query.path
        scopes = set(query.params) - {"source", *SETTING_NAMES}
        bound = query.bind({"source": "s"}, GraphletSettings(open_window_ms=1))
        assert bound["source"] == "s"
        assert all(not query.params[name].setting and bound[name] is None for name in scopes), query.path
    takes = {step: sorted(set(queries.registry().get(f"graphlets.{step}").params) & set(SETTING_NAMES))
             for step in BUILD_STEPS}
    assert takes["members"] == ["model_types", "trainer_operator"]
    assert takes["outcomes"] == ["open_window_ms"]


def test_the_incremental_build_reads_input_spans_as_derive_writes_them():
    # graphlets.scope_spans finds graphlets whose stored input spans a sync made stale by computing
    # them again (rules §11): with the very expression graphlets.derive stores them with.
    # Both read the Trainer's input Examples into a list, then take the spans from it.
    body = queries.registry().get("graphlets.scope_spans").body
    examples = re.search(r"COLLECT \{ MATCH \(t\)<-\[i:INPUT\]-\(x:Artifact\).*?\} AS examples", body, re.S)
    spans = re.search(r"COLLECT \{ UNWIND examples AS x .*?x\[1\] IS NOT NULL.*?\}", body)
    assert examples and spans, "graphlets.scope_spans no longer computes the spans"
    derive = queries.registry().get("graphlets.derive").body
    assert " ".join(examples.group(0).split()) in " ".join(derive.split())
    assert spans.group(0) in derive


def test_a_read_query_is_wrapped_to_return_its_declared_columns_in_chunks(tmp_path):
    query = parse_query_file(write(tmp_path, "analyses/by_op.cypher", GOOD), "analyses.by_op")
    statement = queries.chunked_statement(query)
    assert statement is not None
    assert query.body.strip() in statement  # the stored text itself, unchanged, inside
    assert "collect([`operator`, `cost_s`])" in statement
    assert statement.rstrip().endswith("RETURN rows[first..first + $mlprov_chunk_rows] AS chunk")


def test_planner_options_stay_in_front_of_the_wrapped_statement():
    query = queries.registry().get("graphlets.scope_graphlets")
    assert query.body.lstrip().startswith("CYPHER replan=force")
    statement = queries.chunked_statement(query)
    assert statement is not None and statement.startswith("CYPHER replan=force\nCALL () {")


@pytest.mark.parametrize("name", ["graphlets.members", "schema.constraints"])
def test_writes_and_schema_statements_are_not_wrapped(name):
    assert queries.chunked_statement(queries.registry().get(name)) is None


PARTITIONED = """// name: per_pipeline
// summary: Executions per pipeline.
// mode: read
// params: {source: {type: string, default: null, doc: d}, pipelines: {type: list, default: null, doc: d}}
// returns: {source: string, pipeline: string, executions: int}
// partition: executions desc, source, pipeline
MATCH (p:Pipeline)<-[:IN_PIPELINE]-(e:Execution)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
RETURN p.source AS source, p.name AS pipeline, count(e) AS executions
ORDER BY executions DESC, source, pipeline
"""


def test_a_partition_line_gives_the_rows_order(tmp_path):
    query = parse_query_file(write(tmp_path, "per_pipeline.cypher", PARTITIONED), "per_pipeline")
    assert query.partition == (("executions", True), ("source", False), ("pipeline", False))
    assert parse_query_file(write(tmp_path, "by_op.cypher", GOOD), "by_op").partition == ()


@pytest.mark.parametrize(("change", "refusal"), [
    (("// partition: executions desc, source, pipeline", "// partition: source, pipeline, run"),
     "names 'run', which the query does not return"),
    (("// partition: executions desc, source, pipeline", "// partition: executions"),
     "must include source and pipeline"),
    (("// partition: executions desc, source, pipeline", "// partition: source downwards, pipeline"),
     "is 'column \\[asc|desc\\], ...'"),
    (("AND ($pipelines IS NULL OR p.name IN $pipelines)", ""), "parameter(s)? pipelines|needs parameter pipelines"),
    (("// mode: read", "// mode: write"), "only a read query"),
])
def test_a_partition_needs_the_pipelines_parameter_and_returned_columns(tmp_path, change, refusal):
    assert_refused(tmp_path, PARTITIONED, "per_pipeline", change, refusal, "pipelines")


def assert_refused(tmp_path, template: str, name: str, change: tuple[str, str], refusal: str, param: str) -> None:
    """`template` with `change` made is refused with `refusal` (the declaration of the list
    parameter `param` goes too once the body no longer uses it)."""
    text = template.replace(*change)
    if f"${param}" not in text:
        text = text.replace(f", {param}: {{type: list, default: null, doc: d}}", "")
    path = write(tmp_path, f"{name}.cypher", text)
    with pytest.raises(QueryError, match=rf"{path}:\d+: .*({refusal})"):
        parse_query_file(path, name)


def test_shipped_partitioned_queries_filter_on_their_pipelines_parameter():
    partitioned = [q for q in queries.registry() if q.partition]
    assert len(partitioned) >= 10
    for query in partitioned:
        assert re.search(r"\$pipelines IS NULL OR \w+\.(name|pipeline) IN \$pipelines", query.body), query.path


BY_GRAPHLET = """// name: per_graphlet
// summary: Members per graphlet.
// mode: read
// params: {source: {type: string, default: null, doc: d}, pipelines: {type: list, default: null, doc: d}, graphlets: {type: list, default: null, doc: d}}
// returns: {source: string, pipeline: string, trainer_id: int, members: int}
// partition: source, pipeline, trainer_id
// graphlet: trainer_id
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND ($pipelines IS NULL OR g.pipeline IN $pipelines)
      AND ($graphlets IS NULL OR g.uid IN $graphlets)
RETURN g.source AS source, g.pipeline AS pipeline, g.trainer_id AS trainer_id, g.n_executions AS members
ORDER BY source, pipeline, trainer_id
"""


def test_a_graphlet_line_names_the_column_of_each_rows_graphlet(tmp_path):
    query = parse_query_file(write(tmp_path, "per_graphlet.cypher", BY_GRAPHLET), "per_graphlet")
    assert (query.graphlet, query.graphlet_facts) == ("trainer_id", False)
    facts = BY_GRAPHLET.replace("// graphlet: trainer_id", "// graphlet: trainer_id, facts")
    query = parse_query_file(write(tmp_path, "per_graphlet.cypher", facts), "per_graphlet")
    assert (query.graphlet, query.graphlet_facts) == ("trainer_id", True)
    assert parse_query_file(write(tmp_path, "per_pipeline.cypher", PARTITIONED), "per_pipeline").graphlet is None


@pytest.mark.parametrize(("change", "refusal"), [
    (("// graphlet: trainer_id", "// graphlet: members"), "named by the int column trainer_id"),
    (("// graphlet: trainer_id", "// graphlet: trainer_id, costs"), "is 'trainer_id' or 'trainer_id, facts'"),
    (("trainer_id: int, members", "trainer_id: string, members"), "named by the int column trainer_id"),
    (("// partition: source, pipeline, trainer_id\n", ""), "is partitioned by pipeline and takes \\$graphlets"),
    (("      AND ($graphlets IS NULL OR g.uid IN $graphlets)\n", ""), "takes \\$graphlets"),
])
def test_a_graphlet_line_needs_a_partition_the_graphlets_parameter_and_trainer_ids(tmp_path, change, refusal):
    assert_refused(tmp_path, BY_GRAPHLET, "per_graphlet", change, refusal, "graphlets")


def test_shipped_queries_by_graphlet_filter_on_their_graphlets_parameter():
    by_graphlet = [q for q in queries.registry() if q.graphlet]
    assert {q.name for q in by_graphlet} >= {"analyses.graphlets", "analyses.input_overlap"}
    for query in by_graphlet:
        assert "$graphlets IS NULL OR g.uid IN $graphlets" in query.body, query.path
        assert query.partition[-1][0] in ("trainer_id", "chain_index"), "a pipeline's rows in a complete order"
        # Rows that read no costs say so, and those that do are not declared so.
        reads_costs = bool(re.search(r"\bcost_\w+|:WARM_STARTS_FROM|:BASELINE", query.body))
        assert query.graphlet_facts is not reads_costs, query.path
