"""Tenant isolation: every route that takes an object id answers 404 for another employer's object.

The routes come from ``app.url_map`` and the models from ``tenancy.URL_OBJECTS``, so a new route is
covered without editing this test; a route with an id argument that is not registered fails here.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ila_sme.accounts.models import Invitation
from ila_sme.extensions import db
from ila_sme.leave.assessments import FinalAssessment
from ila_sme.mail.models import MailState, OutboxMail
from ila_sme.tenancy import URL_OBJECTS
from ila_sme.worktime.models import ClosingDay
from tests import factories

ROLES = ["employee", "manager", "accountant", "admin"]


def _seed_one_of_each(employer, inviter):
    """One object of every registered model for ``employer``."""
    employee = factories.employee(employer, user_id=inviter.id)
    db.session.add(Invitation(employer_id=employer.id, email=f"inv{employer.id}@example.be", name="Invitee",
                              role="employee", invited_by_id=inviter.id))
    own_training = factories.training(employer)
    factories.leave_request(employee, inviter)
    db.session.add(FinalAssessment(employer_id=employer.id, employee_id=employee.id, training_id=own_training.id,
                                   taken_on=date(2026, 3, 13), proof=b"%PDF-1.4", proof_content_type="application/pdf",
                                   proof_filename="proof.pdf", recorded_by_id=inviter.id))
    factories.funding_request(employee, inviter)
    factories.reconciliation_run(employer)
    factories.difference(employer)
    db.session.add(OutboxMail(employer_id=employer.id, recipient=f"mail{employer.id}@example.be", subject="S",
                              body="B", state=MailState.FAILED, attempts=8))
    factories.credential(employee)
    db.session.add(ClosingDay(employer_id=employer.id, day=date(2026, 7, 27), name="Closed"))
    db.session.flush()
    return employee


def _object_of(model, employer):
    obj = db.session.scalar(select(model).where(model.employer_id == employer.id).limit(1))
    assert obj is not None, f"the test seed has no {model.__name__} for employer B: extend _seed_one_of_each"
    return obj


def _id_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if any(arg.endswith("_id") for arg in rule.arguments)]
    assert rules, "no route takes an object id: the test would prove nothing"
    return rules


@pytest.fixture
def two_employers(app):
    a = factories.employer("Employer A")
    b = factories.employer("Employer B")
    b_admin = factories.user("admin-b@example.be", roles={b: ["admin", "manager", "employee"]})
    _seed_one_of_each(b, b_admin)
    users = {role: factories.user(f"{role}-a@example.be", roles={a: role}) for role in ROLES}
    _seed_one_of_each(a, users["admin"])
    db.session.commit()
    return a, b, users


def test_every_registered_argument_names_a_model_with_an_employer(app):
    for rule in _id_rules(app):
        for argument in rule.arguments:
            if argument.endswith("_id"):
                assert argument in URL_OBJECTS, f"{rule.rule}: register '{argument}' with tenancy.register_url_object"
                assert hasattr(URL_OBJECTS[argument], "employer_id")


@pytest.mark.parametrize("role", ROLES)
def test_other_employers_objects_answer_404(app, client, auth, two_employers, role):
    a, b, users = two_employers
    app.config["WTF_CSRF_ENABLED"] = False  # reach the view: the CSRF refusal is tested elsewhere
    assert auth.login(users[role]).status_code == 302
    before = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.revoked_at.isnot(None)))
    checked = 0
    for rule in _id_rules(app):
        values = {arg: _object_of(URL_OBJECTS[arg], b).id for arg in rule.arguments if arg.endswith("_id")}
        values.update({arg: "x" for arg in rule.arguments if arg not in values})
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            body = response.get_data(as_text=True)
            assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
            assert "Employer B" not in body
            checked += 1
    assert checked >= 4
    after = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.revoked_at.isnot(None)))
    assert after == before


def test_own_objects_are_reachable(app, client, auth, two_employers):
    """The same walk for employer A's own objects as its admin: never 404, so the 404s above mean something."""
    a, b, users = two_employers
    auth.login(users["admin"])
    for rule in _id_rules(app):
        if "GET" not in rule.methods:
            continue
        values = {arg: _object_of(URL_OBJECTS[arg], a).id for arg in rule.arguments if arg.endswith("_id")}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        assert client.get(url).status_code == 200, url
