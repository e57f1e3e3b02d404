"""Shared fixtures. Each test gets a database of its own with the schema and the national parameter
versions: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set (``.ci/run`` does both). The schema
is built once per session and copied or emptied per test (tests/support/database.py)."""

from __future__ import annotations

import os
import re

import flask_babel
import pytest
from flask import g, request_started

from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app
from tests import factories
from tests.support import database

CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
WORKER_DATABASE = pytest.StashKey[str]()


def _fresh_g_per_request(sender, **extra):
    """The fixture keeps one app context open for the whole test (so tests can use db.session);
    a real server gives every request a fresh ``g``, and so do we."""
    g.__dict__.clear()


def settings(**overrides) -> dict:
    """TestConfig as a dict, with overrides: what every test app is made from."""
    return {**{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}, **overrides}


def pytest_configure(config):
    """Under xdist on PostgreSQL, each worker gets a database of its own (made here, dropped at the end)."""
    worker, url = database.current_worker(), os.environ.get("TEST_DATABASE_URL")
    if worker and database.is_postgresql(url):
        own = database.worker_database(url, worker)
        os.environ["TEST_DATABASE_URL"] = TestConfig.SQLALCHEMY_DATABASE_URI = own
        config.stash[WORKER_DATABASE] = own


def pytest_unconfigure(config):
    own = config.stash.get(WORKER_DATABASE, None)
    if own:
        database.drop_worker_database(own)



@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """The schema and the defaults in one SQLite file, made once per session."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database.build_sqlite_template(create_app(settings(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")), path)
    return path


@pytest.fixture
def app(tmp_path, request):
    url = os.environ.get("TEST_DATABASE_URL")
    postgresql = database.is_postgresql(url)
    if not postgresql:
        path = tmp_path / "test.sqlite3"
        database.copy_sqlite_template(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    app = create_app(settings(SQLALCHEMY_DATABASE_URI=url, MAIL_OUTBOX=str(tmp_path / "outbox")))
    app.instance_path = str(tmp_path / "instance")
    request_started.connect(_fresh_g_per_request, app)
    with app.app_context():
        if postgresql:
            database.reset_postgresql()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def english_requests(client):
    """Every request of the test client asks for English; outside a request the default locale stays."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def english(app, english_requests):
    """Assertions read the English texts: requests ask for English, and so do the services run outside a
    request (they speak the default locale, Dutch unless told). A folder whose tests all read English
    requests it from an autouse fixture of its conftest."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    flask_babel.refresh()
    return english_requests


def csrf_token(client) -> str:
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    match = CSRF_IN_PAGE.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """flaskr's AuthActions: sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = factories.PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_token(self.client)}
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client)})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST with the session's CSRF token, as a browser form would."""
        return self.client.post(url, data={**(data or {}), "csrf_token": csrf_token(self.client)}, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def outbox(app):
    """outbox() -> the mail files, oldest first, once the outbox table's committed mail is sent (what the
    request sends after its response, or the scheduler's job; the test client never closes a response)."""
    from pathlib import Path

    from ila_sme.mail import outbox_messages, send_outbox

    def sent_files():
        send_outbox(limit=10_000)
        return outbox_messages(Path(app.config["MAIL_OUTBOX"]))

    return sent_files
