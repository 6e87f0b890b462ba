"""Make the schema-version test stores of tests/data/mlmd/schema-versions/ (run once; the stores are committed).

Each chosen real v10 store of tests/data/mlmd is copied and rewritten by ml-metadata's own
`metadata_store.downgrade_schema` to every older version mlprov claims to read (4 to 9, rules §2),
then compacted (VACUUM, which keeps every row). The files are named `<key>_v<version>.sqlite` and
their checksums are written into tests/data/mlmd/SHA256SUMS beside those of the real stores.

ml-metadata pins an old protobuf, so it runs in its own interpreter:

    MLPROV_MLMD_PYTHON=.venv-mlmd/bin/python .venv/bin/python scripts/make_schema_stores.py

tests/integration/test_schema_versions.py loads every one of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "mlmd"
FOLDER = "schema-versions"
VERSIONS = range(4, 10)
# key -> a fragment of the real store's file name (small stores that exercise different rules;
# see tests/integration/test_schema_versions.py).
STORES = {
    "tfma": "penguin-tfma",
    "transform": "penguin-transform",
    "syahrrulll": "Syahrrulll",
    "sahaavi": "sahaavi",
}

DOWNGRADE_WITH_MLMD = """
import json, sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
for path, version in json.loads(sys.argv[1]):
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
    metadata_store.downgrade_schema(config, version)
"""


def original(fragment: str) -> Path:
    matches = [p for p in DATA.glob("*.sqlite") if fragment in p.name]
    if len(matches) != 1:
        raise SystemExit(f"{fragment!r} names {len(matches)} stores in {DATA}")
    return matches[0]


def main() -> None:
    interpreter = os.environ.get("MLPROV_MLMD_PYTHON")
    if not interpreter:
        raise SystemExit("set MLPROV_MLMD_PYTHON to an interpreter with ml-metadata 1.17.1 (scripts/run.sh test makes one)")
    target = DATA / FOLDER
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        jobs, made = [], []
        for key, fragment in STORES.items():
            for version in VERSIONS:
                path = Path(scratch) / f"{key}_v{version}.sqlite"
                shutil.copyfile(original(fragment), path)
                jobs.append((str(path), version))
                made.append(path)
        subprocess.run([interpreter, "-c", DOWNGRADE_WITH_MLMD, json.dumps(jobs)], check=True, timeout=600)
        for path in made:
            conn = sqlite3.connect(path, isolation_level=None)
            # Small pages: most of a small store is one partly filled page per table and index.
            conn.execute("PRAGMA page_size = 1024")
            conn.execute("VACUUM")
            conn.close()
            shutil.copyfile(path, target / path.name)
    sums = DATA / "SHA256SUMS"
    lines = [line for line in sums.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.split(maxsplit=1)[1].lstrip("*").startswith(f"{FOLDER}/")]
    for path in sorted(target.glob("*.sqlite")):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {FOLDER}/{path.name}")
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(made)} stores into {target.relative_to(ROOT)} and their checksums", file=sys.stderr)


if __name__ == "__main__":
    main()
