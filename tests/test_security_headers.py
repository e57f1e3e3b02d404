"""Security headers on every response, cookie flags, and the secret key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from ila_sme.config import TestConfig, ensure_secret_key
from ila_sme.extensions import db
from ila_sme.factory import PROJECT_ROOT, create_app
from tests import factories


def _assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == "script-src 'self'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert directives.get("object-src") == "object-src 'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_page_has_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "<form" in response.get_data(as_text=True)
    _assert_security_headers(response)


def test_redirect_has_security_headers(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    _assert_security_headers(response)


def test_404_has_security_headers(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)
    _assert_security_headers(response)


def test_405_has_security_headers(client):
    response = client.get("/logout")
    assert response.status_code == 405
    _assert_security_headers(response)


def test_healthz_has_security_headers(client):
    response = client.get("/healthz")
    assert response.get_json()["status"] == "ok"
    _assert_security_headers(response)


def test_static_file_has_security_headers(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.get_data()  # the real file
    _assert_security_headers(response)
    response.close()


def test_htmx_fragment_and_error_fragment_have_security_headers(app, client, auth):
    employer = factories.employer()
    factories.user("m@example.be", roles={employer: "manager"})
    db.session.commit()
    auth.login("m@example.be")
    fragment = client.get("/people?q=x", headers={"HX-Request": "true"})
    assert 'id="people-results"' in fragment.get_data(as_text=True)
    _assert_security_headers(fragment)
    missing = client.get("/people/999999/edit", headers={"HX-Request": "true"})
    assert missing.status_code == 404
    assert 'hx-swap-oob="true"' in missing.get_data(as_text=True)
    _assert_security_headers(missing)


def test_no_hsts_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


# Cookies ------------------------------------------------------------------------------------


def _session_cookie_header(response, name="session"):
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = _session_cookie_header(client.get("/login"))  # the CSRF token goes in the session
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes.get("samesite") == "SameSite=Lax"
    assert "secure" not in attributes  # the test configuration runs over http


def test_session_cookie_after_sign_in_is_httponly_and_lax(app, client, auth):
    employer = factories.employer()
    factories.user("u@example.be", roles={employer: "employee"})
    db.session.commit()
    response = auth.login("u@example.be")
    assert response.status_code == 302
    cookie = _session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


PRODUCTION_SCRIPT = textwrap.dedent(
    """
    import json
    from ila_sme.factory import create_app
    app = create_app()
    client = app.test_client()
    response = client.get("/login")
    print(json.dumps({
        "status": response.status_code,
        "cookies": response.headers.getlist("Set-Cookie"),
        "hsts": response.headers.get("Strict-Transport-Security"),
        "secure_config": app.config["SESSION_COOKIE_SECURE"],
    }))
    """
)


def test_production_environment_sets_secure_cookies_and_hsts(tmp_path):
    """ILA_ENV=production as it is deployed: the configuration is read from the environment."""
    import json

    env = {
        **os.environ,
        "ILA_ENV": "production",
        "SECRET_KEY": "a-production-secret-for-this-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "ILA_INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
    }
    env.pop("SESSION_COOKIE_SECURE", None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["status"] == 200
    assert data["secure_config"] is True
    session_cookies = [cookie for cookie in data["cookies"] if cookie.startswith("session=")]
    assert session_cookies
    for cookie in session_cookies:
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert data["hsts"] and "max-age=" in data["hsts"]
    assert not (tmp_path / "instance" / "secret_key").exists()  # the given key is used, none is made


def _production_like_app(tmp_path, **extra):
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.pop("SESSION_COOKIE_SECURE")  # the test configuration turns it off: let ENV_NAME decide
    return create_app(
        {
            **settings,
            "TESTING": True,
            "ENV_NAME": "production",
            "SECRET_KEY": "a-production-secret-for-this-test-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            **extra,
        }
    )


def test_env_name_production_given_to_create_app_makes_cookies_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = _production_like_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    cookie = _session_cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_development_cookies_are_not_secure(tmp_path, monkeypatch):
    if "SESSION_COOKIE_SECURE" in os.environ:
        pytest.skip("SESSION_COOKIE_SECURE set in the environment")
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    app = _production_like_app(tmp_path, ENV_NAME="development")
    cookie = _session_cookie_header(app.test_client().get("/login"))
    assert "Secure" not in cookie
    assert "HttpOnly" in cookie


def test_secure_cookie_setting_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    app = _production_like_app(tmp_path, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    cookie = _session_cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age=" in response.headers["Strict-Transport-Security"]


# Secret key ---------------------------------------------------------------------------------


def test_ensure_secret_key_refuses_production_without_a_key(tmp_path):
    fake = SimpleNamespace(config={"ENV_NAME": "production", "SECRET_KEY": None}, instance_path=str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ensure_secret_key(fake)
    assert not (tmp_path / "secret_key").exists()
    assert fake.config["SECRET_KEY"] is None


def test_ensure_secret_key_refuses_production_with_an_empty_key(tmp_path):
    fake = SimpleNamespace(config={"ENV_NAME": "production", "SECRET_KEY": ""}, instance_path=str(tmp_path))
    with pytest.raises(RuntimeError):
        ensure_secret_key(fake)


def test_ensure_secret_key_keeps_a_given_key(tmp_path):
    fake = SimpleNamespace(config={"ENV_NAME": "production", "SECRET_KEY": "given"}, instance_path=str(tmp_path))
    ensure_secret_key(fake)
    assert fake.config["SECRET_KEY"] == "given"
    assert not (tmp_path / "secret_key").exists()


def test_create_app_refuses_to_start_in_production_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_development_generates_a_private_key_and_reuses_it(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(instance))
    settings = {"ENV_NAME": "development", "SECRET_KEY": None, "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.sqlite3'}"}
    first = create_app(dict(settings))
    key_file = instance / "secret_key"
    assert key_file.exists()
    key = first.config["SECRET_KEY"]
    assert key and len(key) >= 32
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    second = create_app(dict(settings))
    assert second.config["SECRET_KEY"] == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_generated_keys_differ_between_instances(tmp_path, monkeypatch):
    keys = []
    for name in ("one", "two"):
        monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / name))
        app = create_app({"ENV_NAME": "development", "SECRET_KEY": None,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3"})
        keys.append(app.config["SECRET_KEY"])
        assert Path(tmp_path / name / "secret_key").read_text().strip() == keys[-1]
    assert keys[0] != keys[1]
