"""Links read away from the page (mail, notifications, feeds): PUBLIC_URL in front, whoever builds them."""

from __future__ import annotations

import logging

from ila_sme.config import DEVELOPMENT_PUBLIC_URL, TestConfig
from ila_sme.factory import create_app
from ila_sme.urls import absolute_url, local_path


def test_outside_a_request_the_link_starts_with_public_url_and_its_path_prefix(app):
    app.config["PUBLIC_URL"] = "https://ila.example.be/kmo"
    assert absolute_url("funding.requests") == "https://ila.example.be/kmo/funding/requests"
    assert absolute_url("refunds.vov", school_year="2025-26") == "https://ila.example.be/kmo/refunds/vov?school_year=2025-26"


def test_inside_a_request_public_url_wins_over_the_host_asked(app):
    app.config["PUBLIC_URL"] = "https://ila.example.be"
    with app.test_request_context("/", base_url="http://10.0.0.7:8000"):
        assert absolute_url("approvals.inbox") == "https://ila.example.be/approvals"


def test_local_path_keeps_path_and_query_of_a_full_link():
    link = "https://ila.example.be/kmo/refunds/vov?school_year=2025-26"
    assert local_path(link) == "/kmo/refunds/vov?school_year=2025-26"
    assert local_path("/approvals") == "/approvals" and local_path(None) is None


def _app(tmp_path, monkeypatch, **config):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path))
    return create_app({**{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}, **config})


def test_public_url_defaults_to_the_development_server_outside_production(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, PUBLIC_URL=None, ENV_NAME="development")
    assert app.config["PUBLIC_URL"] == DEVELOPMENT_PUBLIC_URL == "http://127.0.0.1:5000"
    assert _app(tmp_path, monkeypatch, PUBLIC_URL="https://ila.example.be/").config["PUBLIC_URL"] == "https://ila.example.be"


def test_production_without_public_url_is_warned_about(tmp_path, monkeypatch, caplog):
    # Alembic's fileConfig (a migration test in the same worker) disables the loggers that existed before it
    monkeypatch.setattr(logging.getLogger("ila_sme"), "disabled", False)
    with caplog.at_level(logging.WARNING):
        app = _app(tmp_path, monkeypatch, PUBLIC_URL=None, ENV_NAME="production", SESSION_COOKIE_SECURE=True)
    assert app.config["PUBLIC_URL"] is None
    assert "PUBLIC_URL is not set" in caplog.text
