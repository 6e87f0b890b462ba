"""ml-metadata 1.17.1 itself opens a generated store and sees the same rows.

ml-metadata pins an old protobuf, so it lives in its own interpreter (MLPROV_MLMD_PYTHON, set up by
scripts/run.sh) and runs here as a subprocess.
"""

import json
import sqlite3
import subprocess

import pytest

from mlprov.corpus import generate
from tests.helpers import mlmd_interpreter

pytestmark = pytest.mark.mlmd

READ_WITH_MLMD = """
import json, sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
config = metadata_store_pb2.ConnectionConfig()
config.sqlite.filename_uri = sys.argv[1]
config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
store = metadata_store.MetadataStore(config)
executions = store.get_executions()
events = store.get_events_by_execution_ids([e.id for e in executions])
trainers = store.get_executions_by_type("tfx.components.trainer.component.Trainer")
print(json.dumps({
    "artifacts": len(store.get_artifacts()), "executions": len(executions), "events": len(events),
    "contexts": len(store.get_contexts()), "trainers": len(trainers),
    "keyed_events": sum(1 for e in events if e.path.steps and e.path.steps[0].key),
    "cpu_seconds": sum(1 for e in executions if "cpu_seconds" in e.custom_properties),
}))
"""




def test_ml_metadata_opens_the_store_and_counts_match(tmp_path):
    interpreter = mlmd_interpreter()
    files = generate(tmp_path / "corpus.sqlite", pipelines=4, days=12, seed=3, progress=None)
    result = subprocess.run([interpreter, "-c", READ_WITH_MLMD, str(files.store)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    with sqlite3.connect(files.store) as con:
        count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        expected = {
            "artifacts": count("SELECT COUNT(*) FROM Artifact"),
            "executions": count("SELECT COUNT(*) FROM Execution"),
            "events": count("SELECT COUNT(*) FROM Event"),
            "contexts": count("SELECT COUNT(*) FROM Context"),
            "trainers": count("SELECT COUNT(*) FROM Execution e JOIN Type t ON t.id = e.type_id "
                              "WHERE t.name = 'tfx.components.trainer.component.Trainer'"),
        }
    assert {k: seen[k] for k in expected} == expected
    assert seen["keyed_events"] == seen["events"]
    assert seen["cpu_seconds"] == seen["executions"]
