"""The import contract of ``ila_sme/``, checked on the real import graph (grimp, the engine of import-linter).

* Layers: a module imports only its own package, lower layers and the core; packages on one line are
  independent siblings. The core imports no feature. So the packages have no import cycle.
* Every top-level module of ``ila_sme`` has a place in the picture: a new one must be placed on purpose.
* No ``ila_sme`` import inside a function (the way a cycle is dodged); ``if TYPE_CHECKING:`` imports are
  left out of the graph, they are never executed.
* The development register is a separate program: it imports nothing of ``ila_sme``.

The README's "Architecture" section draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ila_sme"

# Top to bottom. A feature may be called by the layers above it; it tells those above through signals.
FEATURES = (
    ("factory",),  # the composition root: create_app, blueprints, commands
    ("demo",),
    ("scheduler", "home"),
    ("statements",),
    ("reconciliation",),
    ("approvals", "credentials", "calendar", "refunds"),
    ("learning_accounts",),
    ("funding",),
    ("leave",),
    ("worktime",),
    ("trainings", "schemes"),
    ("people",),
    ("accounts",),
    ("employers",),
    ("notifications", "audit", "register"),
    ("mail",),
)
CORE = ("config", "db_types", "dates", "errors", "extensions", "forms", "identifiers", "locales", "locks", "messages",
        "money", "outcomes", "paging", "permissions", "readonly", "roles", "security", "sqlite", "static_files",
        "tenancy", "urls", "web")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ila_sme", "devregister", exclude_type_checking_imports=True, cache_dir=None)


def _layers():
    return [grimp.Layer(*names, independent=True) for names in FEATURES] + [grimp.Layer(*CORE, independent=False)]


def _describe(dependencies) -> str:
    lines = []
    for dependency in sorted(dependencies, key=lambda d: (d.importer, d.imported)):
        lines.append(f"{dependency.importer} must not import {dependency.imported}:")
        for route in dependency.routes:
            chain = [" | ".join(sorted(route.heads)), *route.middle, " | ".join(sorted(route.tails))]
            lines.append("    " + " -> ".join(chain))
    return "\n".join(lines)


def test_the_layers_hold(graph):
    illegal = graph.find_illegal_dependencies_for_layers(layers=_layers(), containers={"ila_sme"})
    assert not illegal, "imports against the layers (tests/test_architecture.py):\n" + _describe(illegal)


def test_every_module_has_a_place(graph):
    placed = {name for layer in FEATURES for name in layer} | set(CORE)
    children = {module.removeprefix("ila_sme.") for module in graph.find_children("ila_sme")}
    assert children - placed == set(), "place these in FEATURES or CORE"
    assert placed - children == set(), "these are placed but do not exist"


def test_no_import_cycle_between_packages(graph):
    children = sorted(graph.find_children("ila_sme"))
    cycles = [(a, b) for i, a in enumerate(children) for b in children[i + 1:]
              if graph.chain_exists(a, b, as_packages=True) and graph.chain_exists(b, a, as_packages=True)]
    assert cycles == []


def test_nothing_imports_the_composition_root(graph):
    assert {m for m in graph.find_modules_that_directly_import("ila_sme.factory")} == set()


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            if (isinstance(node, ast.ImportFrom) and node.level) or any(n.split(".")[0] == "ila_sme" for n in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_import_inside_a_function():
    found = [where for path in sorted(PACKAGE.rglob("*.py")) for where in _function_level_imports(path)]
    assert found == [], "move these imports to the module's top (a cycle is fixed by the layers, not hidden)"


def test_the_function_level_check_sees_one():
    source = "def f():\n    from ila_sme.web import render\n    return render\n"
    path = PACKAGE / "_architecture_probe.py"
    path.write_text(source, encoding="utf-8")
    try:
        assert _function_level_imports(path) == ["ila_sme/_architecture_probe.py:2"]
    finally:
        path.unlink()


def test_the_development_register_imports_no_app_module(graph):
    imported = {imported for module in graph.find_descendants("devregister") | {"devregister"}
                for imported in graph.find_modules_directly_imported_by(module)}
    assert {m for m in imported if m.split(".")[0] == "ila_sme"} == set()
