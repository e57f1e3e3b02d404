"""Every state-changing route refuses a request without a CSRF token, and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for
from sqlalchemy import func, select

from ila_sme.accounts.models import Invitation
from ila_sme.extensions import db
from ila_sme.mail.models import MailState, OutboxMail
from ila_sme.tenancy import URL_OBJECTS
from ila_sme.worktime.models import ClosingDay
from tests import factories

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def admin(app):
    employer = factories.employer("Bakkerij")
    user = factories.user("admin@example.be", roles={employer: ["admin", "manager", "employee"]})
    employee = factories.employee(employer, email="e@example.be", user_id=user.id)
    factories.training(employer)
    factories.leave_request(employee, user)
    factories.funding_request(employee, user)
    factories.reconciliation_run(employer)
    factories.difference(employer)
    factories.credential(employee)
    db.session.add(ClosingDay(employer_id=employer.id, day=date(2026, 7, 27), name="Closed"))
    db.session.add(Invitation(employer_id=employer.id, email="x@example.be", name="X", role="employee",
                              invited_by_id=user.id))
    db.session.add(OutboxMail(employer_id=employer.id, recipient="x@example.be", subject="S", body="B",
                              state=MailState.FAILED, attempts=8))
    db.session.commit()
    return user


def _unsafe_urls(app):
    found = []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods & UNSAFE)
        if not methods:
            continue
        values = {}
        for argument in rule.arguments:
            if argument in URL_OBJECTS:
                values[argument] = db.session.scalar(select(URL_OBJECTS[argument].id).limit(1))
            else:
                values[argument] = "token"
        with app.test_request_context():
            found.extend((method, url_for(rule.endpoint, **values)) for method in methods)
    assert len(found) >= 8, "fewer state-changing routes than the foundation has: the walk is broken"
    return found


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_unsafe_requests_without_token_are_refused(app, client, auth, admin, signed_in, htmx):
    if signed_in:
        assert auth.login(admin).status_code == 302
    before = _row_counts()
    headers = {"HX-Request": "true"} if htmx else {}
    for method, url in _unsafe_urls(app):
        response = client.open(url, method=method, headers=headers,
                               data={"email": "admin@example.be", "password": factories.PASSWORD,
                                     "language": "fr", "name": "Evil", "role": "admin"})
        assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
        text = response.get_data(as_text=True)
        assert "session expired" in text or "sessie" in text or "session" in text
    assert _row_counts() == before


def test_a_wrong_token_is_refused_too(app, client, auth, admin):
    auth.login(admin)
    response = client.post("/language", data={"language": "fr", "csrf_token": "forged"})
    assert response.status_code == 400


def test_htmx_requests_send_the_token_as_a_header(app, client, auth, admin):
    auth.login(admin)
    page = client.get("/").get_data(as_text=True)
    from tests.conftest import CSRF_IN_PAGE

    token = CSRF_IN_PAGE.search(page).group(1)
    response = client.post("/language", data={"language": "fr", "next": "/"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
