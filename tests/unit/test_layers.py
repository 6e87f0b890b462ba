"""The package's floors: what each part may import, and no import circles.

mlprov.core is the ground floor and imports nothing of mlprov above it. The loader, the corpus,
the analytics and the local server stand on it and never import the roof (the CLI, the demo, the
bulk path). Read from the source files' import statements (module level and inside functions),
so a lazy import that would tie a circle counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Where each import name lives (pyproject's package-dir).
PACKAGE_DIRS = {"mlprov.loader": "loader", "mlprov.corpus": "corpus", "mlprov.analytics": "analytics",
                "mlprov.cypher": "cypher", "mlprov": "mlprov"}
ROOF = ("mlprov.cli", "mlprov.demo", "mlprov.bulk_load", "mlprov.refresh", "mlprov.__main__")
# What each part may import of mlprov besides itself.
ALLOWED = {
    "mlprov.core": (),
    "mlprov.server": ("mlprov.core",),
    "mlprov.loader": ("mlprov.core", "mlprov.cypher"),
    "mlprov.corpus": ("mlprov.core", "mlprov.loader.vocabulary", "mlprov.loader.operators"),
    "mlprov.analytics": ("mlprov.core", "mlprov.cypher", "mlprov.server.locate"),
}


def _module_name(path: Path) -> str:
    relative = path.relative_to(REPO)
    for name, folder in PACKAGE_DIRS.items():
        if relative.parts[0] == folder and (folder != "mlprov" or name == "mlprov"):
            parts = [*name.split("."), *relative.parts[1:]]
            break
    else:
        raise AssertionError(f"{relative} is in no package")
    parts[-1] = parts[-1].removesuffix(".py")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for folder in {folder for folder in PACKAGE_DIRS.values()}:
        for path in (REPO / folder).rglob("*.py"):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> set[str]:
    """mlprov modules that `module` imports, resolved to module names (not the names inside them)."""
    names = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.add(candidate if candidate in MODULES else base)
    return {name for name in names if name == "mlprov" or name.startswith("mlprov.")}


GRAPH = {module: _imports(path, module) for module, path in MODULES.items()}


def _part(module: str) -> str:
    for part in ALLOWED:
        if module == part or module.startswith(part + "."):
            return part
    return module


def test_the_modules_are_found() -> None:
    # The checks below would pass on nothing: make sure they see the whole package.
    for expected in ("mlprov.core.queries", "mlprov.server.locate", "mlprov.loader.load", "mlprov.corpus.generate",
                     "mlprov.corpus.oracle.graphlets", "mlprov.analytics.graphlets", "mlprov.cli", "mlprov.demo"):
        assert expected in MODULES
    assert "mlprov.core.errors" in GRAPH["mlprov.loader.mlmd"]


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_floor_imports_only_what_is_below_it(part: str) -> None:
    members = [m for m in MODULES if _part(m) == part]
    assert members, part
    wrong = {}
    for module in members:
        for imported in GRAPH[module]:
            if _part(imported) == part or imported == "mlprov":
                continue
            if not any(imported == allowed or imported.startswith(allowed + ".") for allowed in ALLOWED[part]):
                wrong.setdefault(module, []).append(imported)
    assert not wrong, f"{part} may import only {ALLOWED[part]}; found {wrong}"


def test_nothing_below_the_roof_imports_the_roof() -> None:
    offenders = {m: sorted(i for i in imported if i.startswith(ROOF))
                 for m, imported in GRAPH.items() if not m.startswith(ROOF)}
    assert not {m: i for m, i in offenders.items() if i}


def test_no_import_circles() -> None:
    circles = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(GRAPH.get(module, ())):
            if imported not in GRAPH or imported == module:
                continue
            if state.get(imported) == 1:
                circles.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not circles, circles
