"""The command line against a real Neo4j: `-p key=value` reaches the query as the declared type,
every format of every command with `--format` writes what the library computes, `report
--waste-model` keeps to `--source`, and analyses use the settings the graphlets were built with."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from mlprov.analytics.waste.evaluate import TABLE_COLUMNS
from mlprov.core import queries
from mlprov.corpus import generate
from mlprov.loader.load import default_source_name
from tests.cli import invoke, use_echo_registry
from tests.helpers import fresh_graph, run_cli, store

pytestmark = pytest.mark.integration

CORPUS = "cli_corpus"
ANALYSIS = "outcome_share"


@pytest.fixture(scope="module")
def graph(neo4j_target, tmp_path_factory):
    """A small generated corpus (enough for the waste model) and one real store, graphlets built."""
    corpus = generate(tmp_path_factory.mktemp("cli") / f"{CORPUS}.sqlite", pipelines=6, days=40, seed=7,
                      progress=None)
    fresh_graph(neo4j_target, [corpus.store, store("penguin-tfma")])
    return neo4j_target


@pytest.fixture(scope="module")
def waste_model(graph, tmp_path_factory):
    """A waste model trained by the CLI on the corpus, and the features file it kept."""
    folder = tmp_path_factory.mktemp("waste")
    model, features = folder / "model.joblib", folder / "features.parquet"
    run_cli(graph, "waste", "train", "--model", str(model), "--source", CORPUS, "--features", str(features), "-q",
            check=True)
    return model, features


def strict_json(text: str):
    """JSON as an orchestrator reads it: NaN or Infinity are not JSON."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def library(target, name: str, **params) -> pd.DataFrame:
    with target.driver() as driver:
        return queries.run_df(driver, target.database, name, **params)


def cypher_count(target, text: str, **params) -> int:
    with target.driver() as driver:
        records, _, _ = driver.execute_query(text, params, database_=target.database)
    return records[0][0]


# ------------------------------------------------------------------ -p key=value

@pytest.mark.parametrize(("pair", "column", "expected"), [
    ("i=42", "i", 42),
    ("i=-3", "i", -3),
    ("f=2.5", "f", 2.5),
    ("f=3", "f", 3.0),
    ("b=true", "b", True),
    ("b=no", "b", False),
    ("b=1", "b", True),
    ("l=a,b", "l", ["a", "b"]),
    ("l=a", "l", ["a"]),
    ("s=hello", "s", "hello"),
    ("s=42", "s", "42"),  # a string parameter stays a string, digits or not
    ("i=null", "i", None),
    ("f=none", "f", None),
    ("l=", "l", None),
    ("s=null", "s", None),
])
def test_a_parameter_reaches_the_query_as_its_declared_type(graph, monkeypatch, capsys, tmp_path, pair, column,
                                                             expected):
    use_echo_registry(monkeypatch, tmp_path)
    monkeypatch.setenv("NEO4J_URI", graph.uri)
    monkeypatch.setenv("NEO4J_DATABASE", graph.database)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    code, out, err = invoke(monkeypatch, capsys, "analyze", "echo", "-p", pair, "--format", "json")
    assert code == 0, err
    [row] = strict_json(out)
    assert row[column] == expected and type(row[column]) is type(expected)


# ------------------------------------------------------------------ analyze

def test_analyze_in_every_format(graph, tmp_path):
    expected = library(graph, ANALYSIS, source=CORPUS)
    assert len(expected) >= 3
    args = ("analyze", ANALYSIS, "-p", f"source={CORPUS}")

    table = run_cli(graph, *args, check=True).stdout.splitlines()
    assert table[0].split() == list(expected.columns) and len(table) == 1 + len(expected)
    assert [line.split()[0] for line in table[1:]] == expected["outcome"].tolist()

    csv = pd.read_csv(io.StringIO(run_cli(graph, *args, "--format", "csv", check=True).stdout))
    pd.testing.assert_frame_equal(csv, expected, check_dtype=False)

    records = strict_json(run_cli(graph, *args, "--format", "json", check=True).stdout)
    pd.testing.assert_frame_equal(pd.DataFrame(records), expected, check_dtype=False)

    path = tmp_path / "table.parquet"
    done = run_cli(graph, *args, "--format", "parquet", "--output", str(path), check=True)
    assert done.stdout == ""
    pd.testing.assert_frame_equal(pd.read_parquet(path), expected)

    refused = run_cli(graph, *args, "--format", "parquet")
    assert refused.returncode == 1 and refused.stderr.splitlines() == ["error: --format parquet needs --output PATH"]


# ------------------------------------------------------------------ export

@pytest.mark.parametrize("formats", ["csv", "parquet", "csv,parquet"])
def test_export_in_each_format(graph, tmp_path, formats):
    expected = library(graph, ANALYSIS)
    done = run_cli(graph, "export", "--output", str(tmp_path), "--only", ANALYSIS, "--format", formats, "-q")
    assert done.returncode == 0, done.stderr
    wanted = formats.split(",")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        f"{ANALYSIS}.{fmt}" for fmt in wanted)
    if "csv" in wanted:
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / f"{ANALYSIS}.csv"), expected, check_dtype=False)
    if "parquet" in wanted:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{ANALYSIS}.parquet"), expected)


def test_export_refuses_a_format_it_does_not_write(graph, tmp_path):
    refused = run_cli(graph, "export", "--output", str(tmp_path), "--only", ANALYSIS, "--format", "json")
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "unknown export format(s) json" in refused.stderr


# ------------------------------------------------------------------ waste

def test_waste_evaluate_in_every_format(graph, waste_model, tmp_path):
    model, features = waste_model
    args = ("waste", "evaluate", "--model", str(model), "--features", str(features), "-q")

    document = strict_json(run_cli(graph, *args, "--format", "json", "--output", str(tmp_path), check=True).stdout)
    assert set(document) == {"table", "operating_point", "family_importance", "metrics"}
    expected = pd.DataFrame(document["table"])
    assert list(expected.columns) == [*TABLE_COLUMNS, "tau"]
    assert "oracle" in set(expected["policy"]) and expected["tau"].isna().sum() == 5  # the baselines have no τ
    # The files beside: the figures and the whole tables.
    assert {"waste_table.csv", "waste_importances.csv", "waste_cadence.csv", "waste_tradeoff.png"} <= {
        p.name for p in tmp_path.iterdir()}
    assert pd.read_csv(tmp_path / "waste_table.csv")["policy"].tolist() == expected["policy"].tolist()

    csv = pd.read_csv(io.StringIO(run_cli(graph, *args, "--format", "csv", check=True).stdout))
    pd.testing.assert_frame_equal(csv, expected, check_dtype=False)

    table = run_cli(graph, *args, check=True).stdout.splitlines()
    assert table[0].split()[:3] == ["policy", "skip_rate", "waste_removed"]
    assert any(line.startswith("operating point: ") for line in table)
    assert table[-1].startswith("importance by family: ")


def test_waste_evaluate_stores_the_operating_point_in_the_model(graph, waste_model):
    from mlprov.analytics.waste.model import WasteModel

    model, features = waste_model
    document = strict_json(run_cli(graph, "waste", "evaluate", "--model", str(model), "--features", str(features),
                                   "--format", "json", "-q", check=True).stdout)
    point = document["operating_point"]
    assert point is not None, "the small corpus should have an operating point"
    assert WasteModel.load(model).tau == point["tau"]


def test_waste_advise_in_every_format(graph, waste_model):
    model, _ = waste_model
    pipeline = library(graph, "waste.pipelines", source=CORPUS)["pipeline"].iloc[0]
    args = ("waste", "advise", "--pipeline", pipeline, "--source", CORPUS, "--model", str(model))
    advice = strict_json(run_cli(graph, *args, "--format", "json", check=True).stdout)
    # The answer is the model's: P(push) of the pipeline's latest graphlet, recomputed here, against τ.
    from mlprov.analytics.waste.features import source_frame
    from mlprov.analytics.waste.model import WasteModel

    fitted = WasteModel.load(model)
    with graph.driver() as driver:
        frame = source_frame(driver, graph.database, CORPUS, fitted.settings, pipelines=[pipeline])
    latest = frame.sort_values(["started_at", "trainer_id"]).tail(1).reset_index(drop=True)
    probability = float(fitted.push_probability(latest)[0])
    assert (advice["pipeline"], advice["trainer_id"]) == (pipeline, int(latest.at[0, "trainer_id"]))
    assert advice["push_probability"] == pytest.approx(probability, abs=1e-4)
    assert advice["recommendation"] == ("skip" if probability < fitted.tau else "train")
    text = run_cli(graph, *args, "--format", "text", check=True).stdout.splitlines()
    assert text[0].startswith(f"{advice['recommendation'].upper()} Trainer {advice['trainer_id']} of "
                              f"{CORPUS}/{pipeline}: P(push) = {advice['push_probability']:.2f}")
    assert run_cli(graph, *args, check=True).stdout.splitlines() == text  # text is the default


# ------------------------------------------------------------------ report --waste-model

def test_report_waste_model_keeps_to_the_source(graph, tmp_path):
    # penguin-tfma has two graphlets: too few to train on. Were --source ignored, the section
    # would train on the corpus too and draw its figures.
    real = default_source_name(store("penguin-tfma"))
    small = run_cli(graph, "report", "--output", str(tmp_path / "small"), "--source", real, "--waste-model", "-q")
    assert small.returncode == 0, small.stderr
    page = (tmp_path / "small" / "index.html").read_text(encoding="utf-8")
    assert "Not enough closed graphlets" in page and not (tmp_path / "small" / "waste_tradeoff.png").exists()

    corpus = run_cli(graph, "report", "--output", str(tmp_path / "corpus"), "--source", CORPUS, "--waste-model", "-q")
    assert corpus.returncode == 0, corpus.stderr
    page = (tmp_path / "corpus" / "index.html").read_text(encoding="utf-8")
    assert 'src="waste_tradeoff.png"' in page and (tmp_path / "corpus" / "waste_tradeoff.png").exists()


# ------------------------------------------------------------------ built settings (mutates: keep last)

def test_analyses_use_the_settings_the_graphlets_were_built_with(graph):
    count = "MATCH (e:Execution {source: $source, operator: $operator}) RETURN count(e)"
    trainers = cypher_count(graph, count, source=CORPUS, operator="Trainer")
    evaluators = cypher_count(graph, count, source=CORPUS, operator="Evaluator")
    assert trainers != evaluators

    def corpus_summary(*extra: str) -> dict:
        rows = strict_json(run_cli(graph, "analyze", "corpus_summary", "--format", "json", *extra, check=True).stdout)
        return {row["source"]: row for row in rows}[CORPUS]

    assert corpus_summary()["trainer_executions"] == trainers
    try:
        run_cli(graph, "graphlets", "build", "--force", "--trainer-operator", "Evaluator", "-q", check=True)
        assert corpus_summary()["trainer_executions"] == evaluators
        assert corpus_summary("-p", "trainer_operator=Trainer")["trainer_executions"] == trainers
    finally:
        run_cli(graph, "graphlets", "build", "--force", "-q", check=True)
    assert corpus_summary()["trainer_executions"] == trainers
