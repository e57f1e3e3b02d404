"""Sign-in limits that cannot be turned against a user: failures per account and address, a slow limit per
account from everywhere, server errors never counted, and counters shared by workers through Redis."""

from __future__ import annotations

import re
import uuid

import pytest
import redis
from sqlalchemy.exc import OperationalError

from ila_sme.accounts import services
from ila_sme.extensions import db
from ila_sme.factory import create_app
from tests import factories
from tests.conftest import csrf_token, settings

REFUSED = "E-mail or password is incorrect."
TOO_MANY = "Too many attempts. Wait a few minutes and try again."
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def people(app):
    employer = factories.employer("Bakkerij Test")
    factories.user("ann@example.be", roles={employer: "employee"}, name="Ann")
    factories.user("bob@example.be", roles={employer: "manager"}, name="Bob")
    db.session.commit()


def _browser(app, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
    return client


def _login(client, email: str, password: str = factories.PASSWORD):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def _password_error(response) -> str:
    match = re.search(r'<small id="password-error" class="field-error">([^<]*)</small>',
                      response.get_data(as_text=True))
    assert match, "no error on the password field"
    return match.group(1)


def test_the_pair_limit_stops_guessing_from_one_address(app, people):
    attacker = _browser(app, "203.0.113.9")
    for attempt in range(5):
        assert _login(attacker, "ann@example.be", f"guess {attempt}").status_code == 401
    for password in ("guess 6", factories.PASSWORD):  # the right password gets the same answer: no oracle
        blocked = _login(attacker, "ann@example.be", password)
        assert blocked.status_code == 429
        assert _password_error(blocked) == TOO_MANY


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app, people):
    attacker = _browser(app, "203.0.113.9")
    for attempt in range(12):
        _login(attacker, "ann@example.be", f"guess {attempt}")
    assert _login(attacker, "ann@example.be", "guess again").status_code == 429
    owner = _browser(app, "198.51.100.20")
    assert _login(owner, "ann@example.be").status_code == 302
    # The owner's own typo from their address is still counted on their pair only.
    owner_colleague = _browser(app, "198.51.100.21")
    assert _login(owner_colleague, "ann@example.be", "typo").status_code == 401
    assert _login(owner_colleague, "ann@example.be").status_code == 302


def test_a_success_forgets_the_failures_of_that_pair(app, people):
    owner = _browser(app, "198.51.100.20")
    for _attempt in range(4):
        assert _login(owner, "ann@example.be", "typo").status_code == 401
    assert _login(owner, "ann@example.be").status_code == 302
    owner.post("/logout", data={"csrf_token": csrf_token(owner)})
    for _attempt in range(5):
        assert _login(owner, "ann@example.be", "typo").status_code == 401
    assert _login(owner, "ann@example.be", "typo").status_code == 429


def test_the_account_limit_stops_guessing_spread_over_many_addresses(app, people):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "50 per hour"
    for n in range(10):  # 10 addresses × 5 guesses: every pair stays within its own limit
        bot = _browser(app, f"203.0.113.{n + 1}")
        for attempt in range(5):
            assert _login(bot, "ann@example.be", f"guess {n}-{attempt}").status_code == 401, (n, attempt)
    fresh = _browser(app, "192.0.2.200")
    assert _login(fresh, "ann@example.be", "guess 51").status_code == 429
    assert _login(fresh, "ann@example.be").status_code == 429  # the owner waits too: said in the README
    assert _login(fresh, "bob@example.be").status_code == 302  # other accounts are not affected


def test_unknown_accounts_are_counted_like_real_ones(app, people):
    attacker = _browser(app, "203.0.113.9")
    for _attempt in range(5):
        assert _password_error(_login(attacker, "ghost@example.be", "guess")) == REFUSED
    assert _login(attacker, "ghost@example.be", "guess").status_code == 429


def test_a_server_error_is_not_counted(app, people, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production
    real_authenticate = services.authenticate

    def locked(email, password):
        raise OperationalError("INSERT INTO audit_events", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "authenticate", locked)
    client = _browser(app)
    for _attempt in range(8):
        assert _login(client, "ann@example.be", "guess").status_code == 500
    monkeypatch.setattr(services, "authenticate", real_authenticate)
    for _attempt in range(5):  # all five real failures are still allowed
        assert _login(client, "ann@example.be", "guess").status_code == 401
    assert _login(client, "ann@example.be", "guess").status_code == 429


def test_a_failed_commit_leaves_nobody_half_signed_in(app, people, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def locked():
        raise OperationalError("INSERT INTO audit_events", {}, Exception("database is locked"))

    client = _browser(app)
    csrf_token(client)
    monkeypatch.setattr(db.session, "commit", locked)
    response = _login(client, "ann@example.be")
    monkeypatch.undo()
    db.session.rollback()
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True)  # true: the commit failed
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/").status_code == 302
    # The error did not count either: five real failures are still allowed.
    for _attempt in range(5):
        assert _login(client, "ann@example.be", "guess").status_code == 401
    assert _login(client, "ann@example.be").status_code == 429


# The client's address -----------------------------------------------------------------------


def test_behind_a_trusted_proxy_each_client_counts_on_its_own(app, people):
    behind = create_app(settings(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXIES=1))
    attacker = _browser(behind, "10.0.0.1")  # every request comes from the proxy's address
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    for _attempt in range(5):
        assert _login(attacker, "ann@example.be", "guess").status_code == 401
    assert _login(attacker, "ann@example.be", "guess").status_code == 429
    owner = _browser(behind, "10.0.0.1")
    owner.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.20"
    assert _login(owner, "ann@example.be").status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app, people):
    attacker = _browser(app, "203.0.113.9")
    for attempt in range(5):
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{attempt}"
        assert _login(attacker, "ann@example.be", "guess").status_code == 401
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.99"
    assert _login(attacker, "ann@example.be", "guess").status_code == 429


# Counters shared by workers -----------------------------------------------------------------


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _two_workers(app, storage: str, prefix: str):
    """Two app instances on the same database, as two gunicorn workers would be."""
    return [create_app(settings(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                                RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix))
            for _worker in range(2)]


def _fail_on_one_then_try_the_other(first, second) -> int:
    client_one, client_two = _browser(first, "203.0.113.9"), _browser(second, "203.0.113.9")
    for _attempt in range(5):
        assert _login(client_one, "ann@example.be", "guess").status_code == 401
    return _login(client_two, "ann@example.be", "guess").status_code


def test_memory_storage_counts_per_worker(app, people):
    """Why production needs Redis: each worker counts on its own with memory://."""
    first, second = _two_workers(app, "memory://", "")
    assert _fail_on_one_then_try_the_other(first, second) == 401


@pytest.mark.skipif(not _redis_available(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_redis_storage_is_shared_by_workers(app, people):
    prefix = f"test-{uuid.uuid4().hex}-"
    first, second = _two_workers(app, REDIS_URL, prefix)
    try:
        assert _fail_on_one_then_try_the_other(first, second) == 429
        owner = _browser(second, "198.51.100.20")
        assert _login(owner, "ann@example.be").status_code == 302  # the pair limit of another address
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(match=f"*{prefix}*"):
            connection.delete(key)


def test_a_server_error_does_not_count_against_the_reset_limit(app, people, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def locked(email):
        raise OperationalError("SELECT users", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "request_password_reset", locked)
    client = _browser(app)
    for _attempt in range(12):
        response = client.post("/password/forgot", data={"email": "ann@example.be", "csrf_token": csrf_token(client)})
        assert response.status_code == 500
    monkeypatch.undo()
    response = client.post("/password/forgot", data={"email": "ann@example.be", "csrf_token": csrf_token(client)})
    assert response.status_code == 302  # the ten requests an hour are all still there
