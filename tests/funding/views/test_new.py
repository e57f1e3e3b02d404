"""Asking for co-funding (an employee, for a course fee) and granting a top-up (a manager), with the live
preview and every refusal at its edge."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding.models import FundingRequest
from tests import factories
from tests.funding.views.conftest import eur, htmx, snapshot, text, token, training

COURSE_FEE = {"kind": "course-fee", "q": "", "part_account": "", "part_employer": "", "part_vouchers": "",
              "part_sme_wallet": "", "part_other": "", "note": ""}


def _form(world, **parts) -> dict:
    return {**COURSE_FEE, "training_id": str(world.course.id), **parts}


def _requests() -> list[FundingRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(FundingRequest).order_by(FundingRequest.id)))


# The course-fee form -------------------------------------------------------------------------


def test_the_employee_form_offers_trainings_with_a_cost(world, auth, client):
    free = training(title="Free webinar", cost_cents=0)
    own = training(employer_id=world.employer.id, registry_id=None, title="Interne opleiding", cost_cents=45050)
    training(title="Withdrawn course", withdrawn=True)
    training(title="Expired course", valid_until=date(2026, 1, 31))
    training(employer_id=factories.employer("Other BV").id, registry_id=None, title="Someone else's course")
    db.session.commit()
    auth.login(world.worker)
    response = client.get("/funding/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert re.search(r'<form method="post" action="/funding/new\?kind=course-fee" id="funding-form"', html)
    select_html = re.search(r'<select id="training_id" name="training_id".*?</select>', html, re.S).group(0)
    assert f'value="{world.course.id}"' in select_html
    assert f"Boekhouden voor KMO's · Syntra West · {world.course.registry_id} · {eur('1000.00')}" in text(select_html)
    assert f"Interne opleiding · Syntra · own training · {eur('450.50')}" in text(select_html)
    assert f'value="{own.id}"' in select_html and f'value="{free.id}"' not in select_html
    for gone in ("Withdrawn course", "Expired course", "Someone else"):
        assert gone not in html
    for name in ("part_account", "part_employer", "part_vouchers", "part_sme_wallet", "part_other", "note"):
        assert f'name="{name}"' in html
    assert 'inputmode="decimal"' in html
    assert 'hx-get="/funding/new/preview?kind=course-fee" hx-trigger="change, input delay:400ms"' in html
    assert 'hx-get="/funding/new/trainings?kind=course-fee"' in html
    assert "Grant a top-up" not in html  # an employee does not grant
    assert "Choose a training to see what is left for you to pay." in text(html)


def test_the_form_as_an_htmx_fragment(world, auth, client):
    auth.login(world.worker)
    response = client.get(f"/funding/new?training_id={world.course.id}&part_employer=100", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<form method="post" action="/funding/new?kind=course-fee" id="funding-form"')
    assert f"Left to pay yourself {eur('900.00')}" in text(html)  # a complete link shows its preview at once


def test_the_training_search_narrows_the_select(world, auth, client):
    training(title="Excel voor gevorderden", provider_name="VDAB")
    db.session.commit()
    auth.login(world.worker)
    response = client.get("/funding/new/trainings?kind=course-fee&q=excel", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="training-options">')
    assert "Excel voor gevorderden" in html and "Boekhouden" not in html
    html = client.get("/funding/new/trainings?kind=course-fee&q=nothing-like-this",
                      headers=htmx()).get_data(as_text=True)
    assert "No training with a cost matches “nothing-like-this”." in html


def test_live_preview_shows_the_totals_and_what_is_left(world, auth, client):
    auth.login(world.worker)
    response = client.get("/funding/new/preview", query_string=_form(world, part_account="250", part_employer="500,00"),
                          headers=htmx())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    page = text(html)
    assert f"Cost of the training {eur('1000.00')}" in page
    assert f"All sources together {eur('750.00')}" in page
    assert f"Left to pay yourself {eur('250.00')}" in page
    assert "Every rule is met: once sent, a manager decides." in page
    assert _requests() == []  # a preview saves nothing


def test_live_preview_names_the_rule_and_the_amount(world, auth, client):
    auth.login(world.worker)
    html = client.get("/funding/new/preview", query_string=_form(world, part_employer="500,01", part_vouchers="10"),
                      headers=htmx()).get_data(as_text=True)
    problems = text(re.search(r'<ul class="errors-list" id="preview-problems">.*?</ul>', html, re.S).group(0))
    assert f"The employer pays at most 50 % of the cost ({eur('500.00')}): {eur('0.01')} too much." in problems
    assert "Training vouchers cannot be used when the employer pays the training." in problems


def test_preview_without_javascript_is_the_whole_page(world, auth, client):
    auth.login(world.worker)
    response = client.get("/funding/new/preview", query_string=_form(world, part_employer="100"))
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert f"Left to pay yourself {eur('900.00')}" in text(html)
    assert 'value="100"' in html


def test_the_employee_asks_for_a_course_fee(world, auth, client):
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee",
                         _form(world, part_account="300", part_employer="500,00", note="Voor mijn functie"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/funding/requests")
    [asked] = _requests()
    assert (asked.kind, asked.status, asked.employee_id, asked.requested_by_id) == (
        "course-fee", "pending", world.employee.id, world.worker.id)
    assert asked.training_id == world.course.id and asked.cost_cents == 100000 and asked.employer_cents == 50000
    assert {part.source: part.amount_cents for part in asked.parts} == {"account": 30000, "employer": 50000}
    assert asked.note == "Voor mijn functie" and asked.leave_request_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.requested")) is not None
    page = text(client.get("/funding/requests").get_data(as_text=True))
    assert "Your co-funding request was sent: your employer decides." in page
    assert f"Learning account: {eur('300.00')} Employer: {eur('500.00')}" in page
    assert "Waiting for approval" in page


def test_asking_with_htmx_redirects_with_an_event(world, auth, client):
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee", _form(world, part_employer="100"), headers=htmx())
    assert response.status_code == 302
    assert response.headers["HX-Trigger"] == "fundingRequested"
    assert len(_requests()) == 1


@pytest.mark.parametrize(("parts", "message"), [
    ({"part_employer": "500,01"}, "The employer pays at most 50 % of the cost ({half}): {cent} too much."),
    ({"part_account": "500", "part_employer": "500", "part_other": "0,01"},
     "All sources together ({total}) exceed the cost ({cost}) by {cent}."),
    ({"part_account": "500,01"}, "The learning account holds {half}; this asks {cent} more."),
    ({"part_vouchers": "250,01"},
     "Training vouchers reach at most {vouchers} a school year ({zero} used): {cent} too much."),
    ({"part_sme_wallet": "300,01"}, "The SME wallet pays at most 30 % of the cost ({wallet}): {cent} too much."),
    ({"part_vouchers": "100", "part_sme_wallet": "100"},
     "Training vouchers and the SME wallet cannot meet on one training."),
    ({}, "Ask for an amount from at least one source."),
])
def test_a_refusal_at_the_edge_names_the_rule_and_saves_nothing(world, auth, client, parts, message):
    message = message.format(half=eur("500.00"), cent=eur("0.01"), total=eur("1000.01"), cost=eur("1000.00"),
                             vouchers=eur("250.00"), zero=eur("0.00"), wallet=eur("300.00"))
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/new?kind=course-fee", data={**_form(world, **parts), "csrf_token": csrf})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    refused = text(re.search(r'<div id="funding-refused" role="alert">.*?</div>', html, re.S).group(0))
    assert "This was not asked for, and nothing was saved:" in refused
    assert message in refused
    assert snapshot() == before
    for name, value in parts.items():  # what was typed stays
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"', html)


def test_an_unknown_account_balance_stops_the_account_part(world, auth, client):
    auth.login(world.colleague_user)
    response = auth.post("/funding/new?kind=course-fee", _form(world, part_account="1"))
    assert response.status_code == 422
    assert "The learning account's balance is not known yet: refresh the account first." in text(
        response.get_data(as_text=True))
    assert _requests() == []


def test_exactly_at_the_edges_is_accepted(world, auth, client):
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee", _form(world, part_employer="500", part_account="500"))
    assert response.status_code == 302
    other = training(title="Lassen", cost_cents=100000)
    db.session.commit()
    response = auth.post("/funding/new?kind=course-fee",
                         {**COURSE_FEE, "training_id": str(other.id), "part_vouchers": "250", "part_other": "750"})
    assert response.status_code == 302
    assert [r.employer_cents for r in _requests()] == [50000, 0]


def test_the_cap_per_employee_counts_what_is_already_asked(world, auth, client):
    world.ask(employer=Decimal("300.00"))  # pending: counts against the €600 cap
    second = training(title="Lassen", cost_cents=100000)
    db.session.commit()
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/new?kind=course-fee",
                           data={**COURSE_FEE, "training_id": str(second.id), "part_employer": "300,01",
                                 "csrf_token": csrf})
    assert response.status_code == 422
    assert (f"The cap per employee is {eur('600.00')} a year and {eur('300.00')} is already granted or asked: "
            f"{eur('0.01')} too much.") in text(response.get_data(as_text=True))
    assert snapshot() == before
    response = client.post("/funding/new?kind=course-fee",
                           data={**COURSE_FEE, "training_id": str(second.id), "part_employer": "300",
                                 "csrf_token": csrf})
    assert response.status_code == 302


@pytest.mark.parametrize(("value", "message"), [("12,345", "At most two decimals."),
                                                ("-1", "An amount cannot be negative."),
                                                ("abc", "Not an amount: type it like 1250,50.")])
def test_a_badly_typed_amount_is_refused_beside_its_field(world, auth, client, value, message):
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/new?kind=course-fee",
                           data={**_form(world, part_employer=value), "csrf_token": csrf})
    assert response.status_code == 422
    assert re.search(rf'<small id="part_employer-error" class="field-error">{re.escape(message)}</small>',
                     response.get_data(as_text=True))
    assert snapshot() == before


def test_a_training_of_another_employer_cannot_be_chosen(world, auth, client):
    theirs = training(employer_id=factories.employer("Other BV").id, registry_id=None, title="Theirs")
    db.session.commit()
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee",
                         {**COURSE_FEE, "training_id": str(theirs.id), "part_employer": "100"})
    assert response.status_code == 422
    assert "Choose a training from the catalogue." in response.get_data(as_text=True)
    assert _requests() == []


# Granting a top-up ---------------------------------------------------------------------------


def test_the_manager_form_grants_a_top_up_under_four_eyes(world, auth, client):
    auth.login(world.manager)
    response = client.get("/funding/new")  # a manager without an employee record: the top-up
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<form method="post" action="/funding/new\?kind=top-up" id="funding-form"', html)
    options = re.search(r'<select[^>]*name="employee_id".*?</select>', html, re.S).group(0)
    assert "Wim Worker" in options and "Cora Colleague" in options
    assert "Four eyes: what you grant here waits for another manager or an admin to approve it" in text(html)
    assert 'name="training_id"' not in html and 'name="part_account"' not in html


def test_the_manager_does_not_grant_to_themselves(world, auth, client):
    from ila_sme.employers.models import Membership

    factories.employee(world.employer, first_name="Mia", last_name="Manager", user_id=world.manager.id)
    db.session.add(Membership(user_id=world.manager.id, employer_id=world.employer.id, role="employee"))
    db.session.commit()
    auth.login(world.manager)
    html = client.get("/funding/new?kind=top-up").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="employee_id".*?</select>', html, re.S).group(0)
    assert "Mia Manager" not in options and "Wim Worker" in options
    assert "Ask for a course fee instead" in html  # a manager with a record may also ask for themselves


def test_top_up_preview(world, auth, client):
    auth.login(world.manager)
    html = client.get("/funding/new/preview", query_string={"kind": "top-up", "employee_id": world.employee.id,
                                                             "amount": "600,01"}, headers=htmx()).get_data(as_text=True)
    page = text(html)
    assert "<html" not in html
    assert f"Top-up, paid by the employer {eur('600.01')}" in page
    assert (f"The cap per employee is {eur('600.00')} a year and {eur('0.00')} is already granted or asked: "
            f"{eur('0.01')} too much.") in page


def test_a_manager_grants_a_top_up_that_stays_pending(world, auth, client):
    auth.login(world.manager)
    response = auth.post("/funding/new?kind=top-up",
                         {"kind": "top-up", "employee_id": str(world.employee.id), "amount": "250,00",
                          "note": "Goed werk"})
    assert response.status_code == 302
    [grant] = _requests()
    assert (grant.kind, grant.status, grant.employee_id, grant.requested_by_id) == (
        "top-up", "pending", world.employee.id, world.manager.id)
    assert grant.cost_cents == 25000 and grant.employer_cents == 25000 and grant.training_id is None
    assert [(p.source, p.amount_cents) for p in grant.parts] == [("employer", 25000)]
    page = text(client.get("/funding/requests").get_data(as_text=True))
    assert ("The top-up for Wim Worker now waits for another manager or an admin: nobody approves what they "
            "asked for themselves.") in page
    assert "Granted by you, waiting for another decision" in page


def test_a_top_up_over_the_budget_is_refused(world, auth, client):
    world.policy(budget=Decimal("200.00"))
    auth.login(world.manager)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/new?kind=top-up", data={
        "kind": "top-up", "employee_id": str(world.employee.id), "amount": "200,01", "csrf_token": csrf})
    assert response.status_code == 422
    assert f"The co-funding budget has {eur('200.00')} left: {eur('0.01')} too much." in text(
        response.get_data(as_text=True))
    assert snapshot() == before


def test_a_top_up_needs_an_employee(world, auth, client):
    auth.login(world.manager)
    response = auth.post("/funding/new?kind=top-up", {"kind": "top-up", "employee_id": "0", "amount": "10"})
    assert response.status_code == 422
    assert '<small id="employee_id-error" class="field-error">Choose an employee.</small>' in response.get_data(
        as_text=True)
    assert _requests() == []


# Who may ask what ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "kind", "status"), [
    ("employee", "course-fee", 200), ("employee", "top-up", 403),
    ("manager", "top-up", 200), ("manager", "course-fee", 403),  # no employee record: nothing to ask for
    ("admin", "top-up", 200), ("accountant", "top-up", 403), ("accountant", "course-fee", 403),
    ("employee", "bogus", 404),
])
def test_who_may_ask_what(world, auth, client, role, kind, status):
    from tests.funding.views.conftest import users_by_role

    auth.login(users_by_role(world)[role])
    assert client.get(f"/funding/new?kind={kind}").status_code == status
    response = auth.post(f"/funding/new?kind={kind}", {"kind": kind, "employee_id": str(world.employee.id),
                                                        "amount": "10", "training_id": str(world.course.id),
                                                        "part_employer": "10"})
    assert response.status_code == (302 if status == 200 else status)
    assert len(_requests()) == (1 if status == 200 else 0)


def test_an_employee_without_a_record_is_told_so(world, auth, client):
    loose = factories.user("loose@example.be", roles={world.employer: "employee"})
    db.session.commit()
    auth.login(loose)
    html = client.get("/funding/new").get_data(as_text=True)
    assert "Your account is not linked to an employee record at Drukkerij Test yet." in text(html)
    assert 'id="funding-form"' not in html


def test_signed_out_goes_to_sign_in(world, client):
    response = client.get("/funding/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
