"""Signing in and out: fresh sessions, one answer for every refusal, rate limits, safe redirects."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from tests import factories
from tests.conftest import csrf_token

GENERIC_REFUSAL = "E-mail or password is incorrect."
TOO_MANY = "Too many attempts. Wait a few minutes and try again."


@pytest.fixture
def people(app):
    employer = factories.employer("Bakkerij Test")
    ann = factories.user("ann@example.be", roles={employer: "employee"}, name="Ann")
    bob = factories.user("bob@example.be", roles={employer: "manager"}, name="Bob")
    gone = factories.user("gone@example.be", roles={employer: "employee"}, name="Gone", active=False)
    db.session.commit()
    return {"employer": employer, "ann": ann, "bob": bob, "gone": gone}


def _login(client, email: str, password: str = factories.PASSWORD, next_: str | None = None, query: str = ""):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login" + query, data=data)


def _password_error(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'<small id="password-error" class="field-error">([^<]*)</small>', html)
    assert match, "no error on the password field"
    return match.group(1)


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


# Signing in ----------------------------------------------------------------------------------


def test_good_login_redirects_home_and_signs_in(people, client):
    response = _login(client, "ann@example.be")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _signed_in(client)
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Ann" in page
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.signed_in")))
    assert [event.actor_id for event in events] == [people["ann"].id]


def test_email_is_matched_case_insensitively(people, client):
    assert _login(client, "  ANN@Example.BE ").status_code == 302
    assert _signed_in(client)


def test_login_renews_the_session(people, client):
    csrf_token(client)  # an anonymous session with a CSRF token
    with client.session_transaction() as session:
        session["planted"] = "by an attacker or a previous visitor"
        session["language"] = "en"
        old_csrf = session["csrf_token"]
    old_cookie = client.get_cookie("session").value

    assert _login(client, "ann@example.be").status_code == 302

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["language"] == "en"  # the language choice survives
        assert session["_user_id"] == people["ann"].get_id()
        assert session.get("csrf_token") != old_csrf
    assert client.get_cookie("session").value != old_cookie
    # A request with the old cookie is anonymous.
    client.set_cookie("session", old_cookie)
    assert client.get("/").status_code == 302


def test_csrf_token_changes_at_sign_in(people, client):
    before = csrf_token(client)
    _login(client, "ann@example.be")
    page = client.get("/").get_data(as_text=True)
    after = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert after != before


def test_wrong_password_and_unknown_email_get_the_same_answer(people, client):
    wrong = _login(client, "ann@example.be", "not the password")
    unknown = _login(client, "nobody@example.be", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert _password_error(wrong) == _password_error(unknown) == GENERIC_REFUSAL
    assert not _signed_in(client)
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "not the password" not in html  # the password is never sent back
        assert "no account" not in html.lower()


def test_inactive_user_cannot_log_in(people, client):
    response = _login(client, "gone@example.be")
    assert response.status_code == 401
    assert _password_error(response) == GENERIC_REFUSAL
    assert not _signed_in(client)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_an_open_session(people, client):
    assert _login(client, "ann@example.be").status_code == 302
    people["ann"].active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_empty_form_is_refused(people, client):
    response = client.post("/login", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert not _signed_in(client)


def test_login_without_csrf_token_is_refused(people, client):
    response = client.post("/login", data={"email": "ann@example.be", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert not _signed_in(client)


# Rate limits ---------------------------------------------------------------------------------


def test_sixth_failure_for_one_account_is_429(people, client):
    for attempt in range(5):
        response = _login(client, "ann@example.be", f"wrong {attempt}")
        assert response.status_code == 401, attempt
    blocked = _login(client, "ann@example.be", "wrong again")
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert _password_error(blocked) == TOO_MANY
    assert "locked" not in html.lower() and "no account" not in html.lower()
    # Even the right password waits now.
    assert _login(client, "ann@example.be").status_code == 429
    assert not _signed_in(client)


def test_account_limit_ignores_case_and_spaces(people, client):
    for variant in ["ann@example.be", "ANN@example.be", " Ann@Example.be", "ann@EXAMPLE.BE ", "aNn@example.be"]:
        assert _login(client, variant, "wrong").status_code == 401
    assert _login(client, "Ann@Example.Be", "wrong").status_code == 429


def test_account_limit_does_not_block_other_accounts(people, client):
    for _attempt in range(5):
        _login(client, "ann@example.be", "wrong")
    assert _login(client, "ann@example.be", "wrong").status_code == 429
    # Same address, another account: still allowed.
    assert _login(client, "bob@example.be", "wrong").status_code == 401
    assert _login(client, "bob@example.be").status_code == 302
    assert _signed_in(client)


def test_unknown_accounts_are_limited_like_real_ones(people, client):
    for _attempt in range(5):
        assert _login(client, "ghost@example.be", "wrong").status_code == 401
    assert _login(client, "ghost@example.be", "wrong").status_code == 429


def test_address_limit_blocks_many_accounts_from_one_address(app, people, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        assert _login(client, f"someone{n}@example.be", "wrong").status_code == 401
    blocked = _login(client, "someone-else@example.be", "wrong")
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.get_data(as_text=True)
    assert _login(client, "ann@example.be").status_code == 429  # a good password too
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    response = other.post("/login", data={"email": "ann@example.be", "password": factories.PASSWORD,
                                          "csrf_token": csrf_token(other)})
    assert response.status_code == 302


def test_successful_logins_are_not_counted(app, people, client, auth):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for _round in range(7):
        assert _login(client, "ann@example.be").status_code == 302
        assert auth.logout().status_code == 302
    # Neither limit was touched by the seven good sign-ins.
    for _attempt in range(3):
        assert _login(client, "ann@example.be", "wrong").status_code == 401
    assert _login(client, "ann@example.be", "wrong").status_code == 429


def test_getting_the_login_page_is_not_limited(app, people, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    for _n in range(10):
        assert client.get("/login").status_code == 200
    assert _login(client, "ann@example.be").status_code == 302


# Redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/people",
        "https://evil.example/",
        "http:evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ],
)
def test_open_redirect_is_ignored(people, client, target):
    client.get("/login", query_string={"next": target})
    response = _login(client, "ann@example.be", next_=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    # As a browser reads it (backslashes count as slashes, tabs are dropped): still this site.
    as_browser = location.replace("\\", "/").replace("\t", "")
    assert urlsplit(urljoin("http://localhost/login", as_browser)).netloc == "localhost"
    assert location == "/" or location.startswith("/%5C")


def test_local_next_is_followed(people, client):
    response = _login(client, "bob@example.be", next_="/people?q=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/people?q=x"


def test_next_from_the_query_string_is_kept_in_the_form(people, client):
    html = client.get("/login?next=/people").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="next"[^>]*value="/people"', html) or \
        re.search(r'<input[^>]*value="/people"[^>]*name="next"', html)


def test_protected_page_sends_to_login_with_next(people, client):
    response = client.get("/people")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_signed_in_user_visiting_login_goes_home(people, client):
    _login(client, "ann@example.be")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# Signing out ---------------------------------------------------------------------------------


def test_logout_requires_post(people, client):
    _login(client, "ann@example.be")
    response = client.get("/logout")
    assert response.status_code == 405
    assert _signed_in(client)
    assert "Welcome, Ann" in client.get("/").get_data(as_text=True)


def test_logout_without_csrf_token_is_refused(people, client):
    _login(client, "ann@example.be")
    assert client.post("/logout").status_code == 400
    assert _signed_in(client)


def test_logout_clears_the_session(people, client, auth):
    _login(client, "ann@example.be")
    with client.session_transaction() as session:
        session["employer_id"] = people["employer"].id
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "employer_id" not in session
    assert client.get("/").status_code == 302
    assert "You are signed out." in client.get("/login").get_data(as_text=True)
