"""The bulk-import-files sink: quoting the importer reads back exactly, typed columns, strict types."""

import math

import pytest

from mlprov.core.errors import BadInputError
from mlprov.loader import graph_rows, mlmd
from mlprov.loader.graph_stream import GraphStream
from mlprov.loader.import_files_sink import NODE_COLUMNS, CsvFile, ImportFilesSink, _TypeMismatch
from mlprov.loader.operators import default_map
from mlprov.loader.sinks import fill
from tests.helpers import store


def write_files(path, folder, source_node):
    opened = mlmd.open_store(path)
    try:
        sink = ImportFilesSink(folder, path, source_node)
        return sink, fill(sink, GraphStream(opened, "s", default_map()), quiet=True)
    finally:
        opened.close()


def written(tmp_path, rows, kind="Execution"):
    """The text a CsvFile of `kind` writes for `rows`, after its header line."""
    csv = CsvFile(tmp_path / f"{kind}.csv", kind, NODE_COLUMNS[kind], node=True)
    for row in rows:
        csv.append(row)
    csv.close()
    return (tmp_path / f"{kind}.csv").read_text().split("\n", 1)[1]


def test_strings_are_quoted_with_doubled_quotes_and_none_is_an_empty_field(tmp_path):
    names = [name for name, _ in NODE_COLUMNS["Execution"]]
    text = written(tmp_path, [{"uid": "s:e:1", "name": 'say "hi", then\nleave', "mlmd_id": 7, "cost_s": 0.1},
                              {"uid": "s:e:2", "name": "", "mlmd_id": None, "cost_s": None}])
    first, second = text.split('\n"s:e:2"')
    assert '"say ""hi"", then\nleave"' in first and ",7," in first and ",0.1" in first
    second = ('"s:e:2"' + second).rstrip("\n").split(",")
    assert second[names.index("name")] == '""'  # an empty string is quoted: it is not an absent value
    assert second[names.index("mlmd_id")] == "" and second[names.index("cost_s")] == ""


@pytest.mark.parametrize("value, column", [(True, "mlmd_id"), (3, "cost_s"), (3, "name"), ("3", "mlmd_id")])
def test_a_value_of_another_type_is_refused_not_converted(tmp_path, value, column):
    with pytest.raises(_TypeMismatch) as refused:
        written(tmp_path, [{"uid": "s:e:1", column: value}])
    assert (refused.value.column, refused.value.value, refused.value.kind) == (column, value, "Execution")


def test_headers_type_every_column_and_name_the_id(tmp_path):
    csv = CsvFile(tmp_path / "artifact.csv", "Artifact", NODE_COLUMNS["Artifact"], node=True)
    csv.append({"uid": "s:a:1", "props": '{"a": "x,\\"y\\""}', "span": 3, "drift_score": None})
    csv.close()
    header, line = (tmp_path / "artifact.csv").read_text().splitlines()
    assert header.startswith("uid:ID,source:string,mlmd_id:long,") and "drift_score:double" in header
    assert line.startswith('"s:a:1",,,') and '"{""a"": ""x,\\""y\\""""}"' in line


def test_every_property_the_online_loader_writes_has_a_column(tmp_path):
    path = store("Syahrrulll")
    sink, written = write_files(path, tmp_path / "csv", {"name": "s", "kind": "mlmd-sqlite", "path": str(path),
                                                         "sha256": "0", "schema_version": 10, "status": "loading"})
    rows = {f.kind: f.rows for f in sink.files}
    assert rows["Execution"] == rows["IN_PIPELINE"] > 0 and rows["Source"] == 1
    assert written.nodes == rows["Context"] + rows["Artifact"] + rows["Execution"]
    lifted = {prop for prop, _ in graph_rows.ARTIFACT_LIFTED.values()}
    assert lifted <= {name for name, _ in NODE_COLUMNS["Artifact"]}


def test_a_store_value_of_an_unexpected_type_is_refused_naming_the_store(tmp_path, monkeypatch):
    path = store("penguin-tfma")
    real_row = graph_rows.context_row
    monkeypatch.setattr(graph_rows, "context_row", lambda source, row: {**real_row(source, row), "name": 42})
    with pytest.raises(BadInputError, match="without --bulk") as refused:
        write_files(path, tmp_path / "csv", {"name": "s"})
    assert str(path) in str(refused.value)


def test_rows_are_written_a_batch_at_a_time_in_order_and_non_finite_doubles_as_java_spells_them(tmp_path, monkeypatch):
    from mlprov.loader import import_files_sink
    monkeypatch.setattr(import_files_sink, "BATCH_ROWS", 3)
    csv = CsvFile(tmp_path / "execution.csv", "Execution", NODE_COLUMNS["Execution"], node=True)
    costs = [math.nan, math.inf, -math.inf, 0.1, None, 2.5, 1e20]
    for i, cost in enumerate(costs):
        csv.append({"uid": f"s:e:{i}", "cost_s": cost, "name": "" if i == 0 else None})
    csv.close()
    lines = (tmp_path / "execution.csv").read_text().splitlines()[1:]
    assert len(lines) == csv.rows == len(costs)
    column = [name for name, _ in NODE_COLUMNS["Execution"]].index("cost_s")
    fields = [line.split(",")[column] for line in lines]
    # A batch with a non-finite value writes its doubles as text (the importer reads them quoted).
    assert fields[:3] == ['"NaN"', '"Infinity"', '"-Infinity"']
    assert [float(f) for f in fields[3:4] + fields[5:]] == [0.1, 2.5, 1e20] and fields[4] == ""
    name = [name for name, _ in NODE_COLUMNS["Execution"]].index("name")
    assert lines[0].split(",")[name] == '""' and lines[1].split(",")[name] == ""  # "" is not an absent name
    assert all(line.startswith(f'"s:e:{i}"') for i, line in enumerate(lines))


def test_an_int_in_a_double_column_is_refused_by_the_sink_naming_the_file_kind(tmp_path):
    sink = ImportFilesSink(tmp_path / "csv", "store.sqlite", {"name": "s"})
    from mlprov.loader.graph_stream import EXECUTIONS
    sink.write(EXECUTIONS, {"uid": "s:e:1", "pipeline_uid": "s:p:x", "node": {"uid": "s:e:1", "cost_s": 3}})
    with pytest.raises(BadInputError, match="Execution property 'cost_s' holds int '3' where the bulk import expects a double"):
        sink.finish()
    sink.close()
