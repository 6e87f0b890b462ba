"""The CLI's one output layer without a server: each format's writer, strict JSON, atomic files,
the refusals (bad `-p` values, parquet to stdout, a format a command does not offer) and
`corpus describe` in each of its formats."""

from __future__ import annotations

import io
import json
import math
import os

import numpy as np
import pandas as pd
import pytest

from mlprov.core import queries
from mlprov.core.output import Format, atomic_write, json_text, write_frame
from tests.cli import invoke, use_echo_registry
from tests.helpers import store

# Nothing listens here: a command that tried to reach Neo4j would fail with "cannot reach".
UNREACHABLE = "bolt://127.0.0.1:9"

FRAME = pd.DataFrame({
    "name": ["a", "b", None],
    "count": pd.array([1, None, 3], dtype="Int64"),
    "share": [0.25, np.nan, np.inf],
    "flag": pd.array([True, False, None], dtype="boolean"),
})


def strict_json(text: str):
    """JSON as an orchestrator reads it: NaN or Infinity are not JSON."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", UNREACHABLE)


def test_json_of_a_table_is_strict_and_keeps_types(capsys):
    write_frame(FRAME, Format.json)
    rows = strict_json(capsys.readouterr().out)
    assert rows == [{"name": "a", "count": 1, "share": 0.25, "flag": True},
                    {"name": "b", "count": None, "share": None, "flag": False},
                    {"name": None, "count": 3, "share": None, "flag": None}]


def test_json_of_a_document_is_strict():
    document = {"tau": np.float64("nan"), "rows": [np.int64(3), math.inf, pd.NA], "ok": np.bool_(True)}
    assert strict_json(json_text(document)) == {"tau": None, "rows": [3, None, None], "ok": True}


def test_csv_and_table_to_stdout(capsys):
    write_frame(FRAME, Format.csv)
    read = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(read.columns) == list(FRAME.columns) and read["count"].tolist()[0] == 1
    write_frame(FRAME, Format.table, decimals=3)
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == list(FRAME.columns) and "0.250" in table[1]
    write_frame(FRAME.head(0), Format.table)
    assert capsys.readouterr().out == "(no rows)\n"


@pytest.mark.parametrize("fmt", [Format.csv, Format.json, Format.table, Format.parquet])
def test_a_file_is_written_whole_and_nothing_else_is_left(tmp_path, capsys, fmt):
    path = tmp_path / f"out.{fmt.value}"
    write_frame(FRAME, fmt, path)
    assert capsys.readouterr().out == ""
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    if fmt is Format.parquet:
        pd.testing.assert_frame_equal(pd.read_parquet(path), FRAME)
    elif fmt is Format.json:
        assert len(strict_json(path.read_text(encoding="utf-8"))) == 3


def test_an_atomic_write_that_fails_leaves_the_old_file(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("old\n", encoding="utf-8")

    def dies(temporary):
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(path, dies)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_parquet_to_stdout_is_refused_in_one_line_before_any_work(monkeypatch, capsys, offline):
    code, out, err = invoke(monkeypatch, capsys, "analyze", "waste_total", "--format", "parquet")
    assert code == 1 and out == ""
    assert err.splitlines() == ["error: --format parquet needs --output PATH"]


@pytest.mark.parametrize(("param", "value", "kind"), [
    ("i", "4.5", "int"), ("i", "x", "int"), ("f", "1,5", "float"), ("b", "maybe", "bool"),
])
def test_a_bad_parameter_value_is_one_line_naming_it(monkeypatch, capsys, tmp_path, offline, param, value, kind):
    use_echo_registry(monkeypatch, tmp_path)
    code, out, err = invoke(monkeypatch, capsys, "analyze", "echo", "-p", f"{param}={value}")
    assert code == 1 and out == ""
    assert err.splitlines() == [f"error: parameter {param}: {value!r} is not a valid {kind}"]


def test_an_undeclared_parameter_or_a_pair_without_value_is_one_line(monkeypatch, capsys, tmp_path, offline):
    use_echo_registry(monkeypatch, tmp_path)
    code, _, err = invoke(monkeypatch, capsys, "analyze", "echo", "-p", "hops=3")
    assert code == 1 and len(err.splitlines()) == 1 and "has no parameter(s) hops" in err
    code, _, err = invoke(monkeypatch, capsys, "analyze", "echo", "-p", "i")
    assert code == 1 and err.splitlines() == ["error: -p expects key=value, got 'i'"]


@pytest.mark.parametrize(("command", "fmt"), [
    (("corpus", "describe", "STORE"), "csv"),
    (("analyze", "waste_total"), "text"),
    (("waste", "advise", "--pipeline", "p"), "table"),
    (("waste", "evaluate"), "parquet"),
])
def test_a_format_the_command_does_not_offer_is_a_usage_error(monkeypatch, capsys, offline, command, fmt):
    args = [str(store("penguin-tfma")) if part == "STORE" else part for part in command]
    code, out, err = invoke(monkeypatch, capsys, *args, "--format", fmt)
    assert code == 2 and out == "" and "--format" in err


DESCRIBED = {"pipelines": 1, "trainer_executions": 2, "push_share": 0.5}


def test_corpus_describe_as_json(monkeypatch, capsys):
    code, out, _ = invoke(monkeypatch, capsys, "corpus", "describe", str(store("penguin-tfma")), "--format", "json")
    assert code == 0
    rows = {row["quantity"]: row["value"] for row in strict_json(out)}
    assert {q: rows[q] for q in DESCRIBED} == DESCRIBED
    assert isinstance(rows["pipelines"], int)  # counts stay integers beside the shares


def test_corpus_describe_as_a_table(monkeypatch, capsys):
    code, out, _ = invoke(monkeypatch, capsys, "corpus", "describe", str(store("penguin-tfma")))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["quantity", "value", "target"]
    values = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert {q: values[q] for q in DESCRIBED} == {"pipelines": "1", "trainer_executions": "2", "push_share": "0.5"}


WRITE_QUERIES = [query.name for query in queries.registry() if query.mode != "read"]


def test_the_registry_has_write_queries_for_analyze_to_refuse():
    assert {"graphlets.clear", "load.source_delete", "schema.constraints"} <= set(WRITE_QUERIES)


@pytest.mark.parametrize("name", WRITE_QUERIES)
def test_analyze_refuses_every_write_query_before_connecting(monkeypatch, capsys, offline, name):
    """rules §13: analyze runs read queries only. NEO4J_URI is unreachable, so a refusal that came
    from a failed connection would say so instead."""
    code, out, err = invoke(monkeypatch, capsys, "analyze", name, "-p", "source=s")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {name} is a ") and "read queries only" in err


def test_analyze_refuses_a_write_query_by_its_short_name(monkeypatch, capsys, offline):
    code, _, err = invoke(monkeypatch, capsys, "analyze", "clear", "-p", "source=s")
    assert code == 2 and "graphlets.clear is a write query" in err and "mlprov graphlets build" in err


def test_the_analytics_runner_refuses_a_write_query_before_connecting(offline):
    from mlprov.analytics import runner
    from mlprov.core.errors import UsageError

    with pytest.raises(UsageError, match="source_delete is a write query"):
        runner.run("source_delete", source="s")


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_an_atomic_write_gets_the_mode_the_umask_gives(tmp_path, umask):
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "table.csv", lambda path: path.write_text("a\n", encoding="utf-8"))
        with open(tmp_path / "plain.csv", "w", encoding="utf-8") as plain:
            plain.write("a\n")
    finally:
        os.umask(previous)
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == (tmp_path / "plain.csv").stat().st_mode & 0o777
