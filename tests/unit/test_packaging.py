"""The installed package carries every stored query: each folder of `cypher/` that holds `.cypher`
files is a package in pyproject.toml with its `.cypher` files as package data (a folder left out
would be missing from a non-editable install, and setuptools warns about it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_cypher_folder_is_packaged_with_its_queries():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = sorted({path.parent.name for path in (ROOT / "cypher").glob("*/*.cypher")})
    assert folders, "no stored queries found under cypher/"
    for folder in folders:
        package = f"mlprov.cypher.{folder}"
        assert package in setuptools["packages"], f"{package} is not in pyproject's packages"
        assert "*.cypher" in setuptools["package-data"].get(package, []), f"{package} lacks its *.cypher package data"
