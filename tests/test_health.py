"""/healthz: a JSON answer for the load balancer, 503 when the database is unreachable."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app


def test_healthz_reports_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["database"]["dialect"] == db.engine.dialect.name


def test_healthz_needs_no_sign_in(client):
    response = client.get("/healthz", follow_redirects=False)
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.get_json()["status"] == "ok"


def test_healthz_is_503_when_the_database_query_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused to db.internal:5432"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "error"
    assert data["database"]["ok"] is False
    assert data["database"]["error"] == "OperationalError"
    assert "db.internal" not in response.get_data(as_text=True)  # no connection details leak


def test_healthz_is_503_with_an_unreachable_database_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    missing = tmp_path / "no" / "such" / "directory" / "db.sqlite3"
    app = create_app(
        {
            **{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()},
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    data = response.get_json()
    assert data == {"status": "error", "database": {"ok": False, "error": "OperationalError"}}
    assert str(missing) not in response.get_data(as_text=True)
    assert not missing.parent.exists()
    with app.app_context():
        db.engine.dispose()


def test_healthz_recovers_after_a_failure(client, monkeypatch):
    original = db.session.execute
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("gone"))
        return original(*args, **kwargs)

    monkeypatch.setattr(db.session, "execute", flaky)
    assert client.get("/healthz").status_code == 503
    second = client.get("/healthz")
    assert second.status_code == 200
    assert second.get_json()["database"]["ok"] is True
