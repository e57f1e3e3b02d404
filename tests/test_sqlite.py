"""SQLite as an embedded database (ila_sme/sqlite.py), on a FILE database with real concurrent connections:
a transaction that may write takes the lock when it begins, so a second writer waits and succeeds instead of
failing with "database is locked"; a GET reads at the same time as a writer; the PRAGMAs hold.

Each thread has its own app context, so its own session and connection (as a request of a threaded
server has). Always SQLite, whatever TEST_DATABASE_URL says: this is SQLite's own behaviour.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import text

from ila_sme import sqlite as tuning
from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app
from ila_sme.readonly import writes_on_get

WAIT = 20.0  # seconds: only a bound against hanging; nothing asserts on a duration


@pytest.fixture
def file_app(tmp_path) -> Flask:
    """An app on a SQLite file, beginning outside a request as production does (IMMEDIATE)."""
    app = create_app({**{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()},
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tuning.sqlite3'}",
                      "SQLITE_BEGIN_OUTSIDE_REQUEST": "IMMEDIATE", "SQLITE_BUSY_TIMEOUT_SECONDS": 15,
                      "MAIL_OUTBOX": str(tmp_path / "outbox")})
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        db.session.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _counter() -> int:
    return db.session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()


def _in_thread(target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except Exception as error:  # noqa: BLE001 - handed to the test, which asserts on it
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_every_connection_gets_the_pragmas(file_app):
    with file_app.app_context():
        pragma = {name: db.session.execute(text(f"PRAGMA {name}")).scalar_one()
                  for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size")}
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 15000,
                      "cache_size": -16000}


def test_the_busy_timeout_defaults_to_thirty_seconds(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'default.sqlite3'}",
                      "SECRET_KEY": "x", "ENV_NAME": "testing"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
        db.engine.dispose()


@pytest.mark.parametrize(("method", "mode"), [("POST", "IMMEDIATE"), ("DELETE", "IMMEDIATE"),
                                              ("GET", "DEFERRED"), ("HEAD", "DEFERRED")])
def test_the_request_method_decides_how_a_transaction_begins(file_app, method, mode):
    with file_app.test_request_context("/", method=method):
        assert tuning.begin_mode() == mode
    with file_app.app_context():
        assert tuning.begin_mode() == "IMMEDIATE"  # a CLI command or a scheduler job


def test_a_get_view_that_writes_by_design_begins_immediate(file_app):
    @writes_on_get("a feed records that it was fetched")
    def feed():
        return "ok"

    file_app.add_url_rule("/feed-for-test", "feed_for_test", feed)
    with file_app.test_request_context("/feed-for-test", method="GET"):
        assert tuning.begin_mode() == "IMMEDIATE"


def test_a_second_writer_waits_for_the_first_and_then_succeeds(file_app):
    """Two read-modify-write transactions at once (a POST each, or a job): the second one's BEGIN waits for
    the first's COMMIT, reads what it wrote, and both increments stand. With SQLite's default (deferred)
    begin, both read 0 and the second write fails with "database is locked" (SQLITE_BUSY_SNAPSHOT)."""
    first_holds, first_may_go = threading.Event(), threading.Event()
    second_began = threading.Event()

    def first():
        with file_app.test_request_context("/", method="POST"), file_app.app_context():
            seen = _counter()  # BEGIN IMMEDIATE: the write lock is taken here
            first_holds.set()
            assert first_may_go.wait(WAIT)
            db.session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": seen + 1})
            db.session.commit()
            db.session.remove()
            return seen

    def second():
        assert first_holds.wait(WAIT)
        with file_app.test_request_context("/", method="POST"), file_app.app_context():
            second_began.set()
            seen = _counter()  # waits in BEGIN IMMEDIATE until the first commits
            db.session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": seen + 1})
            db.session.commit()
            db.session.remove()
            return seen

    (one, first_out), (two, second_out) = _in_thread(first), _in_thread(second)
    assert second_began.wait(WAIT)
    two.join(0.5)
    assert two.is_alive(), "the second writer did not wait for the first one's lock"
    first_may_go.set()
    one.join(WAIT)
    two.join(WAIT)
    assert "error" not in first_out and "error" not in second_out, (first_out, second_out)
    assert (first_out["value"], second_out["value"]) == (0, 1)  # the second read the first one's write
    with file_app.app_context():
        assert _counter() == 2


def test_a_get_reads_while_a_writer_holds_the_lock(file_app):
    """Under WAL a GET's deferred transaction reads the last committed state at once, without waiting."""
    writer_holds, reader_done = threading.Event(), threading.Event()

    def writer():
        with file_app.app_context():  # a scheduler job: IMMEDIATE
            db.session.execute(text("UPDATE counter SET n = 41 WHERE id = 1"))
            writer_holds.set()
            assert reader_done.wait(WAIT)  # holds the lock until the reader is done
            db.session.commit()
            db.session.remove()

    thread, outcome = _in_thread(writer)
    assert writer_holds.wait(WAIT)
    with file_app.test_request_context("/", method="GET"), file_app.app_context():
        seen = _counter()  # never waits: the writer's uncommitted change is not seen
        db.session.remove()
    reader_done.set()
    thread.join(WAIT)
    assert seen == 0 and "error" not in outcome
    with file_app.app_context():
        assert _counter() == 41


def test_many_writers_at_once_all_succeed(file_app):
    """Sixteen read-modify-write transactions at once: none fails, none is lost."""
    start = threading.Barrier(16, timeout=WAIT)

    def increment():
        start.wait()
        with file_app.app_context():
            seen = _counter()
            db.session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": seen + 1})
            db.session.commit()
            db.session.remove()

    started = [_in_thread(increment) for _ in range(16)]
    for thread, _ in started:
        thread.join(WAIT)
    assert [outcome for _, outcome in started if "error" in outcome] == []
    with file_app.app_context():
        assert _counter() == 16
