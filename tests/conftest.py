"""Shared fixtures. Each test gets a fresh database: SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set (``.ci/run`` does both)."""

from __future__ import annotations

import os
import re

import pytest
from flask import g, request_started

from ila_sme import create_app
from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.schemes.services import install_defaults
from tests import factories

CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _fresh_g_per_request(sender, **extra):
    """The fixture keeps one app context open for the whole test (so tests can use db.session);
    a real server gives every request a fresh ``g``, and so do we."""
    g.__dict__.clear()


@pytest.fixture
def app(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            **{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    request_started.connect(_fresh_g_per_request, app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        install_defaults()  # the migration seeds these national parameter versions
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


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
    from pathlib import Path

    from ila_sme.mail import outbox_messages

    return lambda: outbox_messages(Path(app.config["MAIL_OUTBOX"]))
