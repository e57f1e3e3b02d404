"""Commands and workers start fast: ``import app`` (what ``flask --app app …`` and ``gunicorn app:app`` do first)
loads no heavy library. Each is imported by the function that uses it (the PDF writer imports fpdf2, the
register's client httpx …), so a command that does not need one does not pay for it.

Checked in a fresh interpreter: this test process has long imported everything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Top-level packages, and what imports them when they are used.
HEAVY = {
    "openpyxl": "the XLSX export", "fpdf": "the PDF export", "fontTools": "fpdf2", "PIL": "fpdf2",
    "pyld": "credential proofs (JSON-LD)", "lxml": "pyld", "requests": "pyld",
    "cryptography": "credential keys and proofs", "jwt": "credential proofs (VC-JWT)",
    "holidays": "the working-time calendar", "icalendar": "the calendar feeds",
    "apscheduler": "the scheduler's triggers", "httpx": "the register's client", "rich": "httpx",
}


def _heavy_loaded(tmp_path: Path, extra: str = "") -> dict[str, str]:
    code = f"import app{extra}; import sys; print(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "ILA_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = {name.split(".")[0] for name in done.stdout.split()}
    return {name: why for name, why in HEAVY.items() if name in loaded}


def test_the_app_starts_without_the_heavy_libraries(tmp_path):
    assert _heavy_loaded(tmp_path) == {}, "imported at start: import them in the function that uses them"


def test_the_check_sees_a_heavy_library(tmp_path):
    assert "openpyxl" in _heavy_loaded(tmp_path, extra="; import openpyxl")
