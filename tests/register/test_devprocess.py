"""The app starts the development register as a separate program: the ``ledger devserver`` launcher becomes
``python -m devregister``, and ``devprocess.started`` runs one for a block of code and stops it after."""

from __future__ import annotations

import subprocess
from datetime import date

import httpx
import pytest

from devregister.store import Store
from ila_sme.register import devprocess
from tests.devregister.conftest import FLASK, LISTENING, PROJECT, Register


def test_the_launcher_runs_the_separate_program_with_the_store_it_is_given(tmp_path):
    store = tmp_path / "launched.sqlite3"
    process = subprocess.Popen([FLASK, "--app", "app", "ledger", "devserver", "--port", "0", "--db", str(store)],
                               cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        output = [process.stdout.readline() for _ in range(2)]
        match = LISTENING.search(output[1])
        assert output[0].startswith("Seeded: ") and match, output
        register = Register(match.group(1), store, process, output)
        with register.client(token="demo-platform-token") as client:
            assert len(client.get("/v1/trainings", params={"limit": 1000}).json()["trainings"]) == 330
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, "the launcher is the register: SIGTERM stops it cleanly"
    assert register.counts()["trainings"] == 330


def test_started_runs_a_register_for_the_block_and_stops_it(tmp_path):
    store = tmp_path / "own.sqlite3"
    with devprocess.started(store=store, today=date(2025, 1, 15), dev_token="a-dev-token") as url:
        assert devprocess.answers(url)
        forgotten = httpx.post(url + "/_dev/forget", json={"employer_id": "0712345630"},
                               headers={"Authorization": "Bearer a-dev-token"}, timeout=10)
        assert forgotten.json() == {"employer_id": "0712345630", "removed": 0}
    assert not devprocess.answers(url, timeout=1)
    checked = Store(store)
    try:
        assert checked.counts()["persons"] == 18
    finally:
        checked.close()


def test_a_register_that_cannot_start_says_why(tmp_path):
    (tmp_path / "a-folder.sqlite3").mkdir()  # not a file: sqlite cannot open it
    with pytest.raises(devprocess.DevRegisterError, match="did not start"):
        with devprocess.started(store=tmp_path / "a-folder.sqlite3"):
            pass


def test_nothing_answers_where_no_register_listens():
    assert not devprocess.answers("http://127.0.0.1:9", timeout=1)
