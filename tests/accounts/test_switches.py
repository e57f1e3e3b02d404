"""Switching the current employer and the language."""

from __future__ import annotations

import re

import pytest

from ila_sme.accounts.models import User
from ila_sme.extensions import db
from tests import factories


@pytest.fixture
def two_jobs(app):
    alpha = factories.employer("Alpha Bakery")
    beta = factories.employer("Beta Garage")
    gamma = factories.employer("Gamma Shop")
    user = factories.user("two@example.be", roles={alpha: "employee", beta: ["manager", "employee"]}, name="Tess Two")
    factories.user("g@example.be", roles={gamma: "admin"})
    factories.employee(beta, first_name="Bert", last_name="Beta")
    db.session.commit()
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "user": user}


def _current(html: str) -> str:
    """The employer named in the home page heading (not the switcher, which lists all)."""
    match = re.search(r"<hgroup>.*?<p>([^<·]+?) ·", html, re.S)
    assert match, "no employer in the heading"
    return match.group(1).strip()


def _selected(html: str) -> str:
    match = re.search(r'<option value="(\d+)" selected>', html)
    assert match, "no selected employer"
    return match.group(1)


def test_the_switcher_lists_only_the_users_employers(two_jobs, auth, client):
    auth.login("two@example.be")
    html = client.get("/").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    assert options == [(str(two_jobs["alpha"].id), "Alpha Bakery"), (str(two_jobs["beta"].id), "Beta Garage")]
    assert _current(html) == "Alpha Bakery"
    assert _selected(html) == str(two_jobs["alpha"].id)


def test_switch_to_the_other_employer(two_jobs, auth, client):
    auth.login("two@example.be")
    response = auth.post("/employer", {"employer_id": two_jobs["beta"].id})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert _current(html) == "Beta Garage"
    assert _selected(html) == str(two_jobs["beta"].id)
    assert "My team" in html  # the manager role at Beta
    with client.session_transaction() as session:
        assert session["employer_id"] == two_jobs["beta"].id
    # What the user may do follows the employer: People is open at Beta (manager) ...
    people = client.get("/people")
    assert people.status_code == 200 and "Bert Beta" in people.get_data(as_text=True)
    # ... and closed again after switching back to Alpha (employee only).
    auth.post("/employer", {"employer_id": two_jobs["alpha"].id})
    assert _current(client.get("/").get_data(as_text=True)) == "Alpha Bakery"
    assert client.get("/people").status_code == 403


def test_switch_to_an_employer_the_user_does_not_belong_to_is_404(two_jobs, auth, client):
    auth.login("two@example.be")
    auth.post("/employer", {"employer_id": two_jobs["beta"].id})
    response = auth.post("/employer", {"employer_id": two_jobs["gamma"].id})
    assert response.status_code == 404
    assert "Gamma Shop" not in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["employer_id"] == two_jobs["beta"].id
    assert _current(client.get("/").get_data(as_text=True)) == "Beta Garage"


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_switch_to_nonsense_is_404(two_jobs, auth, client, value):
    auth.login("two@example.be")
    assert auth.post("/employer", {"employer_id": value}).status_code == 404
    assert _current(client.get("/").get_data(as_text=True)) == "Alpha Bakery"


def test_a_forged_session_employer_is_ignored(two_jobs, auth, client):
    auth.login("two@example.be")
    with client.session_transaction() as session:
        session["employer_id"] = two_jobs["gamma"].id
    html = client.get("/").get_data(as_text=True)
    assert _current(html) == "Alpha Bakery"
    assert "Gamma Shop" not in html


def test_switch_requires_sign_in(two_jobs, client):
    from tests.conftest import csrf_token

    response = client.post("/employer", data={"employer_id": two_jobs["beta"].id, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# Language ------------------------------------------------------------------------------------


def _lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', html).group(1)


def test_language_switch_sets_the_html_lang(two_jobs, auth, client):
    assert _lang(client.get("/login").get_data(as_text=True)) == "en"  # from Accept-Language
    response = auth.post("/language", {"language": "fr", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert _lang(html) == "fr"
    assert 'lang="fr" aria-pressed="true"' in html


def test_language_choice_is_saved_for_a_signed_in_user(two_jobs, auth, client):
    auth.login("two@example.be")
    auth.post("/language", {"language": "fr"})
    assert _lang(client.get("/").get_data(as_text=True)) == "fr"
    assert db.session.get(User, two_jobs["user"].id).language == "fr"
    # A new session (another browser) starts in the saved language.
    auth.logout()
    other = auth.client.application.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    from tests.conftest import Auth

    Auth(other).login("two@example.be")
    assert _lang(other.get("/").get_data(as_text=True)) == "fr"


def test_language_survives_sign_in(two_jobs, auth, client):
    auth.post("/language", {"language": "nl"})
    auth.login("two@example.be")
    assert _lang(client.get("/").get_data(as_text=True)) == "nl"


def test_unknown_language_is_ignored(two_jobs, auth, client):
    auth.post("/language", {"language": "fr"})
    response = auth.post("/language", {"language": "de"})
    assert response.status_code == 302
    assert _lang(client.get("/login").get_data(as_text=True)) == "fr"


def test_language_switch_does_not_redirect_off_site(two_jobs, auth):
    response = auth.post("/language", {"language": "fr", "next": "//evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
