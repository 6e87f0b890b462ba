"""The README stays honest: its commands, its analyses table, its first two code blocks."""

import re
from pathlib import Path

import typer.main

from mlprov.cli import app
from scripts.update_readme import BEGIN, END, analyses_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def all_commands():
    click_app = typer.main.get_command(app)
    for name, command in click_app.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for sub_name, sub in subcommands.items():
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


def test_every_command_has_help_and_is_in_the_readme():
    commands = dict(all_commands())
    assert {"load", "demo", "analyze", "graphlets build", "server start", "corpus generate"} <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), f"`mlprov {name}` has no help text"
        group, _, sub = name.partition(" ")
        mentioned = f"mlprov {name}" in README or (sub and re.search(rf"mlprov {group} [^|\n]*\b{sub}\b", README))
        assert mentioned, f"`mlprov {name}` is not in the README"


def test_readme_analyses_table_matches_the_query_headers():
    block = README.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert block == analyses_table(), "run .venv/bin/python scripts/update_readme.py"


def test_first_two_code_blocks_are_the_demo_and_test_commands():
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", README, flags=re.S | re.M)
    assert blocks[0].strip() == "scripts/run.sh demo"
    assert blocks[1].strip() == "scripts/run.sh test"
    assert "scripts/run.sh test" in (ROOT / ".ci" / "run").read_text()
