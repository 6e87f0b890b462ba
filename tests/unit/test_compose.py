"""docker-compose.yml keeps the Neo4j password off every command line (rules §13)."""

from __future__ import annotations

import re
from pathlib import Path

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_the_health_check_passes_the_password_in_the_environment_not_as_an_argument():
    text = COMPOSE.read_text(encoding="utf-8")
    [test] = re.findall(r"^\s*test: (.*)$", text, flags=re.MULTILINE)
    command = test.split('"CMD-SHELL", ', 1)[1]
    assert "cypher-shell" in command
    # The password goes to cypher-shell as NEO4J_PASSWORD in its environment ...
    assert re.search(r"NEO4J_PASSWORD=\\\"\$\$\{NEO4J_AUTH#neo4j/\}\\\" cypher-shell ", command), command
    # ... and no option carries it.
    assert not re.search(r"(^|\s)(-p|--password)(\s|=)", command), command
