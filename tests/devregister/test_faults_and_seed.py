"""Injected faults (429/503 with Retry-After, a dropped connection after commit, a slow answer, latency),
the fault spec, and the idempotent seed — each against a register started as a real process."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from devregister.faults import Faults, FaultSpecError
from devregister.store import Store
from ila_sme.demo.data import EMPLOYERS, REGISTER_TOKEN
from tests.devregister.conftest import BAKERS, BAKERY, FLASK, INSTALLERS, PROJECT, book, contribution, key


@pytest.mark.parametrize(("spec", "status", "code"), [
    ("rate_limit=1.0", 429, "rate_limited"),
    ("unavailable=1.0,retry_after=7", 503, "unavailable"),
])
def test_refusals_carry_retry_after_and_do_nothing(start, spec, status, code):
    register = start("--faults", spec)
    with register.client() as client:
        posted = book(client, contribution())
        read = client.get("/v1/trainings")
    assert posted.status_code == read.status_code == status
    assert posted.json()["error"]["code"] == code
    assert int(posted.headers["Retry-After"]) >= 1
    if status == 503:
        assert posted.headers["Retry-After"] == "7"
    assert register.counts()["entries"] == 0


def test_a_dropped_connection_after_commit_books_once_and_the_replay_answers_200(start):
    register = start("--faults", "drop_after_commit=1.0")
    body, idempotency_key = contribution(), key()
    with register.client() as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            book(client, body, idempotency_key)
        assert register.counts()["entries"] == 1  # committed before the connection was dropped
        replay = book(client, body, idempotency_key)
        new_key = book(client, body)
        entries = client.get(f"/v1/employers/{BAKERY}/entries").json()["entries"]
    assert replay.status_code == 200
    assert replay.json()["reference"] == body["reference"]
    assert [entry["entry_id"] for entry in entries] == [replay.json()["entry_id"]]
    assert (new_key.status_code, new_key.json()["entry_id"]) == (409, replay.json()["entry_id"])
    assert register.counts()["entries"] == 1


def test_a_slow_answer_outlasts_the_clients_timeout_but_the_booking_stands(start):
    register = start("--faults", "slow=1.0,slow_seconds=1.5")
    body, idempotency_key = contribution(), key()
    with register.client(timeout=0.4) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            book(impatient, body, idempotency_key)
    assert register.counts()["entries"] == 1
    with register.client(timeout=10) as patient:
        replay = book(patient, body, idempotency_key)
    assert replay.status_code == 200
    assert register.counts()["entries"] == 1


def test_latency_is_added_to_every_answer(start):
    register = start("--faults", "latency=0.3")
    with register.client() as client:
        began = time.monotonic()
        assert client.get("/v1/trainings", params={"limit": 1}).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_faults_are_reproducible_from_their_seed():
    spec = "rate_limit=0.2,unavailable=0.1,drop_after_commit=0.2,slow=0.1,seed=42"
    first, second = Faults.parse(spec), Faults.parse(spec)
    draws = [first.draw() for _ in range(200)]
    assert draws == [second.draw() for _ in range(200)]
    refused = [draw.refuse for draw in draws]
    assert 20 < refused.count(429) < 65 and 5 < refused.count(503) < 40
    assert {draw.late for draw in draws} == {None, "drop", "slow"}
    assert draws != [Faults.parse(spec.replace("42", "43")).draw() for _ in range(200)]


@pytest.mark.parametrize("spec", ["rate_limit=2", "bogus=1", "latency=abc", "rate_limit=0.6,unavailable=0.6"])
def test_a_bad_fault_spec_is_refused(spec):
    with pytest.raises(FaultSpecError):
        Faults.parse(spec)


@pytest.mark.parametrize("program", [
    [sys.executable, "-m", "devregister", "--store"],
    [FLASK, "--app", "app", "ledger", "devserver", "--db"],  # the app's launcher becomes the same program
])
def test_the_program_refuses_a_bad_fault_spec(tmp_path, program):
    result = subprocess.run([*program, str(tmp_path / "r.sqlite3"), "--port", "0", "--faults", "bogus=1"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "unknown fault" in result.stderr
    assert not (tmp_path / "r.sqlite3").exists(), "refused before opening its store"


def test_a_pinned_clock_decides_which_periods_are_open(start):
    register = start("--today", "2025-01-15")
    with register.client() as client:
        old = book(client, contribution(period="2024-01"))
        future = book(client, contribution(period="2025-02"))
    assert old.status_code == 201, old.text
    assert (future.status_code, future.json()["error"]["code"]) == (422, "closed_period")


def test_the_seed_is_idempotent_and_cursors_survive_a_restart(start, tmp_path):
    db = tmp_path / "seeded.sqlite3"
    first = start(db=db)
    with first.client() as client:
        for amount in ("1.00", "2.00"):
            book(client, contribution(amount=amount))
        cursor = client.get(f"/v1/employers/{BAKERY}/entries", params={"limit": 1}).json()["next_cursor"]
    counts = first.counts()
    first.stop()
    second = start(db=db)
    assert second.counts() == counts
    with second.client() as client:
        rest = client.get(f"/v1/employers/{BAKERY}/entries", params={"limit": 1, "cursor": cursor}).json()
    second.stop()
    third = start(db=db)
    assert third.counts() == counts
    assert rest["entries"][0]["amount"] == "2.00"
    assert counts["employers"] == 2 and counts["persons"] == len(BAKERS) + len(INSTALLERS)
    assert counts["trainings"] >= 300 and counts["entries"] == 2


def test_the_seed_matches_the_apps_demo_data(register):
    store = Store(register.db)
    try:
        for spec in EMPLOYERS:
            number = spec["enterprise_number"]
            assert store.caller(REGISTER_TOKEN.format(enterprise_number=number)) == ("employer", number)
        assert store.caller("demo-platform-token") == ("platform", None)
        db = store._connection()
        assert all(store.employed(db, BAKERY, person) for person in BAKERS.values())
        assert not store.employed(db, BAKERY, INSTALLERS["Lucas Wouters"])
        lotte = BAKERS["Lotte Peeters"]  # born in 2001: the 2000+ check rule
        assert store.person_exists(db, lotte) and lotte.startswith("01")
    finally:
        store.close()


def test_no_seed_leaves_an_empty_register(start):
    register = start("--no-seed")
    with register.client() as client:
        assert client.get("/v1/trainings").status_code == 401  # no tokens at all
    assert register.counts()["trainings"] == 0
