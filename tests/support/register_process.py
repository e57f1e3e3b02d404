"""Start ``tests.support.register_stub`` as a real process on loopback, for the duration of a test."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class RunningRegister:
    url: str
    token: str
    data_file: Path

    def write(self, **state) -> None:
        """Replace the register's state (read again at every request)."""
        self.data_file.write_text(json.dumps(state))


@pytest.fixture
def register(tmp_path):
    data_file = tmp_path / "register.json"
    data_file.write_text(json.dumps({"trainings": [], "accounts": {}}))
    token = "platform-token"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.register_stub", "--data", str(data_file), "--token", token],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("READY "), f"the register stub did not start: {line!r}"
        yield RunningRegister(f"http://127.0.0.1:{int(line.split()[1])}", token, data_file)
    finally:
        process.terminate()
        process.wait(timeout=10)
