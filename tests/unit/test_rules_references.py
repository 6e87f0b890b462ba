"""docs/rules.md is the repository's own statement of its rules, and everything points at it.

- Every `rules` reference (a section, or a section and a step) in a tracked file names a section
  or step that docs/rules.md has, and every Markdown link into it names an existing heading.
- No tracked file cites a document that users of the repository do not have.
- The worked examples of docs/rules.md are what the plain-Python graphlet oracle computes.

Patterns here are spelled so that they do not match themselves (the section sign as an escape, the
cited names with a character class): this file is one of the tracked files it scans.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mlprov.corpus import compute

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
RULES_TEXT = RULES.read_text(encoding="utf-8")

SECTION_HEADING = re.compile(r"^## (\d+)\. (.+)$", re.M)
STEP_HEADING = re.compile(r"^### Step (\d+)\. (.+)$", re.M)
REFERENCE = re.compile(r"rules \u00a7(\d+)(?: step (\d+))?")
SECTION_SIGN = re.compile("\u00a7")
# How the form itself is written down (the rules' preamble, the README).
FORM_PLACEHOLDER = re.compile(r"rules \u00a7N(?: step K)?\b")
# One form only: "steps 1-7" or "step 4 and 6" would leave all but the first step unchecked.
PLURAL_STEPS = re.compile(r"rules \u00a7\d+,? steps\b")
RULES_LINK = re.compile(r"\]\(([^)\s]*rules\.md)(#[^)\s]*)?\)")
# Documents outside the repository that users do not have.
FOREIGN_CITATIONS = {
    "the upstream specification": re.compile(r"SP[E]C"),
    "the design notes": re.compile(r"DESIG[N]\.md"),
    "the style guide": re.compile(r"STYL[E]\.md"),
    "a folder beside the repository": re.compile(r"\.\./share[d]\b"),
}


def rules_outline(text: str) -> dict[int, set[int]]:
    """Section number -> the step numbers of its `### Step K.` headings."""
    outline: dict[int, set[int]] = {}
    headings = sorted([(m.start(), "section", int(m.group(1))) for m in SECTION_HEADING.finditer(text)]
                      + [(m.start(), "step", int(m.group(1))) for m in STEP_HEADING.finditer(text)])
    current = None
    for _, kind, number in headings:
        if kind == "section":
            current = number
            outline[current] = set()
        else:
            assert current is not None, f"step {number} comes before the first section"
            outline[current].add(number)
    return outline


OUTLINE = rules_outline(RULES_TEXT)


@dataclass(frozen=True)
class Reference:
    where: str
    section: int
    step: int | None

    def __str__(self) -> str:
        return f"{self.where}: section {self.section}" + (f" step {self.step}" if self.step else "")


def references_in(text: str, where: str) -> list[Reference]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in REFERENCE.finditer(line):
            step = int(match.group(2)) if match.group(2) else None
            found.append(Reference(f"{where}:{number}", int(match.group(1)), step))
    return found


def unresolved(references: list[Reference], outline: dict[int, set[int]]) -> list[Reference]:
    return [r for r in references
            if r.section not in outline or (r.step is not None and r.step not in outline[r.section])]


def heading_anchors(text: str) -> set[str]:
    """The anchors a Markdown renderer gives the headings: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def tracked_text_files() -> dict[str, str]:
    """Repository-relative path -> text of every tracked (or new, not ignored) text file."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    files = {}
    for relative in filter(None, listed):
        path = ROOT / relative
        if not path.is_file():
            continue  # deleted in the work tree, not yet in the index
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary: the MLMD test stores
        try:
            files[relative] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


FILES = tracked_text_files()
REFERENCES = [r for path, text in sorted(FILES.items()) for r in references_in(text, path)]


def test_rules_sections_and_steps_are_numbered_in_order():
    assert list(OUTLINE) == list(range(1, len(OUTLINE) + 1)), OUTLINE
    for section, steps in OUTLINE.items():
        assert sorted(steps) == list(range(1, len(steps) + 1)), (section, steps)
    assert any(OUTLINE.values()), "the graphlet algorithm should be numbered steps"


def test_references_are_found_across_the_repository():
    # Guards the checks below against passing because the pattern stopped matching.
    assert len(REFERENCES) >= 40
    assert {r.where.split(":")[0] for r in REFERENCES} >= {"README.md", "ARCHITECTURE.md"}


@pytest.mark.parametrize("reference", REFERENCES, ids=str)
def test_reference_names_an_existing_section_and_step(reference):
    assert not unresolved([reference], OUTLINE), f"{reference}: docs/rules.md has no such section or step"


def test_a_reference_to_a_missing_section_or_step_is_caught():
    last_section = max(OUTLINE)
    section_with_steps = next(s for s, steps in OUTLINE.items() if steps)
    missing_step = max(OUTLINE[section_with_steps]) + 1
    text = (f"see rules \u00a7{last_section + 1}\n"
            f"see rules \u00a7{section_with_steps} step {missing_step}\n"
            f"see rules \u00a7{section_with_steps} step 1 and rules \u00a71\n")
    found = references_in(text, "made-up")
    assert [str(r) for r in unresolved(found, OUTLINE)] == [
        f"made-up:1: section {last_section + 1}", f"made-up:2: section {section_with_steps} step {missing_step}"]
    assert len(found) == 4


def test_every_section_sign_is_a_rules_reference_in_the_one_form():
    stray = []
    for path, text in FILES.items():
        for number, line in enumerate(text.splitlines(), 1):
            signs = len(SECTION_SIGN.findall(line))
            if signs != len(REFERENCE.findall(line)) + len(FORM_PLACEHOLDER.findall(line)) or PLURAL_STEPS.search(line):
                stray.append(f"{path}:{number}: {line.strip()}")
    assert not stray, "write `rules <section sign>N` or `rules <section sign>N step K`:\n" + "\n".join(stray)


def test_links_into_the_rules_land_on_a_heading():
    anchors = heading_anchors(RULES_TEXT)
    links, broken = 0, []
    for path, text in FILES.items():
        if not path.endswith(".md"):
            continue
        for target, anchor in RULES_LINK.findall(text):
            links += 1
            resolved = ((ROOT / path).parent / target).resolve()
            if resolved != RULES or (anchor and anchor[1:] not in anchors):
                broken.append(f"{path}: ({target}{anchor})")
    assert links >= 5, "the README, ARCHITECTURE.md and the folder READMEs link to the rules"
    assert not broken, "\n".join(broken)


def test_no_file_cites_a_document_outside_the_repository():
    citations = [f"{path}:{number}: {what}: {line.strip()}"
                 for path, text in sorted(FILES.items())
                 for number, line in enumerate(text.splitlines(), 1)
                 for what, pattern in FOREIGN_CITATIONS.items() if pattern.search(line)]
    assert not citations, "\n".join(citations)


# The worked examples: a marker names the store, the table under it lists every graphlet.
WORKED_EXAMPLE = re.compile(r"^<!-- worked-example: (\S+) -->\n((?:\|[^\n]*\|\n)+)(.*?)(?=^<!--|^#|\Z)", re.M | re.S)
COLUMNS = {"Trainer": "trainer_id", "model": "model_id", "member executions": "member_execution_ids",
           "member artifacts": "member_artifact_ids", "outcome": "outcome", "BASELINE to": "baseline_from",
           "full (s)": "cost_full_s", "amortized (s)": "cost_amortized_s", "first use (s)": "cost_first_use_s"}
WORKED_EXAMPLES = WORKED_EXAMPLE.findall(RULES_TEXT)


def store_label(store: str) -> str:
    """`owner:file tail` of a test store, short enough for a test id."""
    parts = Path(store).name.split("__")
    return f"{parts[0]}:{parts[-1]}"


def parse_table(lines: str) -> list[dict[str, str]]:
    rows = [[cell.strip().strip("`") for cell in line.strip().strip("|").split("|")] for line in lines.splitlines()]
    header, body = rows[0], rows[2:]
    unknown = set(header) - set(COLUMNS)
    assert not unknown, f"worked example columns the test cannot check: {unknown}"
    return [dict(zip(header, row)) for row in body]


def as_int_or_none(cell: str) -> int | None:
    return None if cell == "—" else int(cell)


def test_the_rules_have_worked_examples():
    assert len(WORKED_EXAMPLES) >= 2


@pytest.mark.parametrize("store, table, after", WORKED_EXAMPLES, ids=[store_label(s) for s, _, _ in WORKED_EXAMPLES])
def test_worked_example_is_what_the_graphlet_oracle_computes(store, table, after):
    computed = compute(ROOT / store)
    expected = {int(row.trainer_id): row for row in computed.graphlets.itertuples()}
    documented = parse_table(table)
    assert sorted(int(row["Trainer"]) for row in documented) == sorted(expected), "the table lists every graphlet"
    for row in documented:
        graphlet = expected[int(row["Trainer"])]
        for column, cell in row.items():
            field = COLUMNS[column]
            actual = getattr(graphlet, field)
            if field.startswith("cost_"):
                assert actual == pytest.approx(float(cell), abs=1e-6), (row["Trainer"], column)
            elif field in ("model_id", "baseline_from"):
                assert (None if pd.isna(actual) else int(actual)) == as_int_or_none(cell), (row["Trainer"], column)
            elif field == "trainer_id":
                continue
            else:
                assert str(actual) == cell, (row["Trainer"], column)
    unattributed = re.search(r"^Executions in no graphlet: ([\d ]+)", after, flags=re.M)
    if unattributed:
        assert [int(i) for i in unattributed.group(1).split()] == computed.unattributed_executions
