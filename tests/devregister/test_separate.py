"""The development register is a separate program: it imports nothing from the app, and the app imports
nothing from it (the app starts it by module name, as a process)."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def _imported(package: str) -> dict[str, set[str]]:
    """file -> the top-level names of the absolute modules it imports."""
    found = {}
    for path in sorted((PROJECT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(PROJECT))] = names
    return found


def test_the_development_register_imports_nothing_from_the_app():
    imports = _imported("devregister")
    assert "devregister/app.py" in imports and "devregister/seed.py" in imports
    assert {path: names & {"ila_sme", "flask", "flask_sqlalchemy", "tests"} for path, names in imports.items()
            if names & {"ila_sme", "flask", "flask_sqlalchemy", "tests"}} == {}


def test_the_app_imports_nothing_from_the_development_register():
    imports = _imported("ila_sme")
    assert "ila_sme/register/devprocess.py" in imports
    assert [path for path, names in imports.items() if "devregister" in names] == []
