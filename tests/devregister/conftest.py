"""Start the development register as a REAL process on loopback (``python -m devregister``, the separate
program), wait until it answers, and talk to it with httpx. Demo people and tokens come from ila_sme.demo.data,
computed as the app's demo seed computes them (tests/devregister/test_seed.py checks the register agrees)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from devregister.store import Store
from ila_sme.demo.data import EMPLOYERS, REGISTER_TOKEN, STAFF
from ila_sme.identifiers import make_insz

PROJECT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
LISTENING = re.compile(r"listening on (http://\S+)")
PLATFORM_TOKEN = "demo-platform-token"

BAKERY, INSTALLER = (spec["enterprise_number"] for spec in EMPLOYERS)
TOKENS = {number: REGISTER_TOKEN.format(enterprise_number=number) for number in (BAKERY, INSTALLER)}


def staff_ids(key: str) -> dict[str, str]:
    """'First Last' -> national number, exactly as ila_sme/demo/cli.py computes it."""
    spec = next(spec for spec in EMPLOYERS if spec["key"] == key)
    return {f"{row[0]} {row[1]}": make_insz(row[3], serial) for serial, row in enumerate(STAFF[key],
                                                                                      start=spec["serials"])}


BAKERS, INSTALLERS = staff_ids("bakery"), staff_ids("installer")


def period(months_ago: int = 0) -> str:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months_ago
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def reference() -> str:
    return f"C-TEST-{uuid.uuid4().hex[:10]}"


def key() -> str:
    return uuid.uuid4().hex


@dataclass
class Register:
    url: str
    db: Path
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def client(self, employer: str | None = BAKERY, *, token: str | None = None, timeout: float = 10.0):
        token = token if token is not None else (TOKENS[employer] if employer else PLATFORM_TOKEN)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def counts(self) -> dict[str, int]:
        store = Store(self.db)
        try:
            return store.counts()
        finally:
            store.close()

    def stop(self) -> None:
        """SIGTERM (a clean stop: the store is closed); a register that has not stopped after 30 s on a
        loaded machine is killed, which SQLite's WAL survives."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_register(db: Path, *args: str) -> Register:
    """``python -m devregister --port 0 --store DB *args`` (no faults unless ``args`` ask for them)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devregister", "--port", "0", "--store", str(db), *args],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "LEDGER_FAULTS": ""},
    )
    output = []
    for line in process.stdout:
        output.append(line)
        match = LISTENING.search(line)
        if match:
            register = Register(match.group(1), db, process, output)
            break
    else:
        process.wait(timeout=10)
        raise AssertionError(f"the development register did not start: {''.join(output)!r}")
    response = httpx.get(register.url + "/healthz", timeout=5)  # it answers as soon as it listens
    assert response.json() == {"status": "ok"}
    return register


@pytest.fixture
def start(tmp_path):
    """start(*cli_args, db=None) -> a running Register; every one started is stopped after the test."""
    started: list[Register] = []

    def _start(*args: str, db: Path | None = None) -> Register:
        register = start_register(db or tmp_path / f"register-{len(started)}.sqlite3", *args)
        started.append(register)
        return register

    yield _start
    for register in started:
        register.stop()


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """One fault-free register per test module (tests use their own references and keys)."""
    running = start_register(tmp_path_factory.mktemp("register") / "register.sqlite3")
    yield running
    running.stop()


def contribution(**fields) -> dict:
    body = {"employer_id": BAKERY, "person_id": BAKERS["Tom Claes"], "amount": "150.00", "currency": "EUR",
            "period": period(0), "reference": reference(), "kind": "top-up"}
    body.update(fields)
    return {name: value for name, value in body.items() if value is not None}


def book(client: httpx.Client, body: dict, idempotency_key: str | None = None) -> httpx.Response:
    return client.post("/v1/contributions", json=body, headers={"Idempotency-Key": idempotency_key or key()})


def today() -> date:
    return datetime.now(UTC).date()
