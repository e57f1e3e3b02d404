"""Co-funding inside the training-leave request: the fieldset, its live preview, submitting both in one
transaction, and the approvals inbox deciding both at once."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, Contribution, FundingRequest
from ila_sme.leave.models import LeaveRequest
from tests.funding.views.conftest import COURSE_END, COURSE_START, count, eur, htmx, snapshot, text, token, training


def _leave_form(world, **overrides) -> dict:
    """Three days of the course at 8 h a day, and the co-funding fields empty unless told."""
    data = {"leave_type_id": str(world.vov.id), "training_id": str(world.course.id),
            "start_date": COURSE_START.isoformat(), "end_date": COURSE_END.isoformat(), "hours_per_day": "8",
            "exams": "0", "evc_competences": "0", "note": "", "part_account": "", "part_employer": "",
            "part_vouchers": "", "part_sme_wallet": "", "part_other": ""}
    data.update(overrides)
    return data


def _submit(world, auth, client, **parts):
    auth.login(world.worker)
    response = auth.post("/leave/new", _leave_form(world, **parts))
    assert response.status_code == 302, text(response.get_data(as_text=True))
    auth.logout()
    db.session.expire_all()
    leave = db.session.scalars(select(LeaveRequest).order_by(LeaveRequest.id.desc())).first()
    cofunding = db.session.scalar(select(FundingRequest).where(FundingRequest.leave_request_id == leave.id))
    return leave, cofunding


# The form ------------------------------------------------------------------------------------


def test_the_fieldset_appears_for_a_training_with_a_cost(world, auth, client):
    free = training(title="Gratis opleiding", cost_cents=0)
    db.session.commit()
    auth.login(world.worker)
    html = client.get(f"/leave/new?training_id={world.course.id}").get_data(as_text=True)
    fieldset = re.search(r'<fieldset id="cofunding-fields">.*?</fieldset>', html, re.S).group(0)
    assert "Co-funding (optional)" in fieldset
    assert f"“Boekhouden voor KMO's” costs {eur('1000.00')}." in text(fieldset)
    for name in ("part_account", "part_employer", "part_vouchers", "part_sme_wallet", "part_other"):
        assert f'name="{name}"' in fieldset
    assert 'hx-get="/leave/new/cofunding" hx-trigger="change"' in html  # a new training brings its fieldset
    html = client.get(f"/leave/new?training_id={free.id}").get_data(as_text=True)
    assert '<div id="cofunding">' in html and 'id="cofunding-fields"' not in html
    html = client.get("/leave/new").get_data(as_text=True)
    assert 'id="cofunding-fields"' not in html


def test_the_fieldset_as_an_htmx_fragment(world, auth, client):
    free = training(title="Gratis opleiding", cost_cents=0)
    db.session.commit()
    auth.login(world.worker)
    response = client.get("/leave/new/cofunding", query_string=_leave_form(world, part_employer="100"),
                          headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<div id="cofunding">') and 'id="cofunding-fields"' in html
    assert re.search(r'name="part_employer"[^>]*value="100"', html)
    html = client.get("/leave/new/cofunding", query_string=_leave_form(world, training_id=str(free.id)),
                      headers=htmx()).get_data(as_text=True)
    assert html.strip().startswith('<div id="cofunding">') and "cofunding-fields" not in html


def test_the_live_preview_shows_the_cofunding(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", query_string=_leave_form(world, part_account="200", part_employer="500"),
                      headers=htmx()).get_data(as_text=True)
    assert "<html" not in html
    page = text(html)
    assert "24 hours" in page  # the leave part still there
    assert f"Cost of the training {eur('1000.00')}" in page
    assert f"All sources together {eur('700.00')}" in page and f"Left to pay yourself {eur('300.00')}" in page
    assert "The co-funding meets every rule: approving the leave approves it too." in page
    html = client.get("/leave/new/preview", query_string=_leave_form(world, part_employer="500,01"),
                      headers=htmx()).get_data(as_text=True)
    problems = text(re.search(r'<ul class="errors-list" id="cofunding-problems">.*?</ul>', html, re.S).group(0))
    assert f"The employer pays at most 50 % of the cost ({eur('500.00')}): {eur('0.01')} too much." in problems


def _send_button(html: str) -> str:
    return re.search(r'<button type="submit" formmethod="post"[^>]*>', html).group(0)


def test_a_blocking_cofunding_rule_turns_the_preview_and_the_send_button_off(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", query_string=_leave_form(world, part_employer="500,01"),
                      headers=htmx()).get_data(as_text=True)
    page = text(html)
    assert "The co-funding cannot be asked for as it is:" in page
    assert "Nothing stands in the way" not in page and 'id="preview-ok"' not in html
    assert "The leave itself is fine, but the request cannot be sent until what is said below is settled." in page
    assert html.count('id="request-actions"') == 1 and 'id="request-actions" hx-swap-oob="true"' in html
    assert " disabled" in _send_button(html)
    # Once the rule is met, the same preview says so and turns the button back on.
    html = client.get("/leave/new/preview", query_string=_leave_form(world, part_employer="500"),
                      headers=htmx()).get_data(as_text=True)
    assert "Nothing stands in the way: once sent, your approver decides." in text(html)
    assert 'id="preview-parts-blocked"' not in html and " disabled" not in _send_button(html)


def test_without_javascript_the_checked_page_has_one_row_of_buttons_with_send_off(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview",
                      query_string=_leave_form(world, part_employer="500,01")).get_data(as_text=True)
    assert "<html" in html and html.count('id="request-actions"') == 1 and "hx-swap-oob" not in html
    assert " disabled" in _send_button(html) and "Nothing stands in the way" not in text(html)


# Submitting ----------------------------------------------------------------------------------


def test_leave_and_cofunding_are_submitted_together(world, auth, client):
    auth.login(world.worker)
    response = auth.post("/leave/new", _leave_form(world, part_account="200", part_employer="500,00"))
    assert response.status_code == 302
    leave = db.session.scalar(select(LeaveRequest))
    cofunding = db.session.scalar(select(FundingRequest))
    assert leave.status == "pending" and leave.training_id == world.course.id
    assert cofunding.leave_request_id == leave.id and cofunding.status == "pending"
    assert (cofunding.kind, cofunding.cost_cents, cofunding.training_id) == ("course-fee", 100000, world.course.id)
    assert {p.source: p.amount_cents for p in cofunding.parts} == {"account": 20000, "employer": 50000}
    assert cofunding.requested_by_id == world.worker.id
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Your request and its co-funding were sent to your approver." in page


def test_without_cofunding_only_the_leave_is_sent(world, auth, client):
    leave, cofunding = _submit(world, auth, client)
    assert leave.status == "pending" and cofunding is None


def test_a_refusal_of_the_cofunding_saves_neither(world, auth, client):
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post("/leave/new", data={**_leave_form(world, part_employer="500,01"), "csrf_token": csrf})
    html = response.get_data(as_text=True)
    refused = text(re.search(r'<div id="request-refused" role="alert">.*?</div>', html, re.S).group(0))
    assert "This request was not sent, and nothing was saved:" in refused
    assert f"The employer pays at most 50 % of the cost ({eur('500.00')}): {eur('0.01')} too much." in refused
    assert snapshot() == before
    assert count(LeaveRequest) == 0 and count(FundingRequest) == 0
    assert re.search(r'name="part_employer"[^>]*value="500,01"', html)  # what was typed stays


def test_a_refusal_of_the_leave_saves_no_cofunding(world, auth, client):
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post("/leave/new", data={**_leave_form(world, part_employer="100", start_date="2026-03-18",
                                                           end_date="2026-03-16"), "csrf_token": csrf})
    assert "This request was not sent, and nothing was saved:" in text(response.get_data(as_text=True))
    assert snapshot() == before


# Deciding in the approvals inbox -------------------------------------------------------------


def test_the_inbox_shows_the_split_and_approving_the_leave_approves_it(world, auth, client):
    leave, cofunding = _submit(world, auth, client, part_account="200", part_employer="500")
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    row = re.search(rf'<tr id="request-{leave.id}">.*?</tr>', html, re.S).group(0)
    split = text(re.search(rf'<div class="cofunding" data-funding="{cofunding.id}">.*?</div>', row, re.S).group(0))
    assert f"Co-funding (Waiting for approval) · cost {eur('1000.00')}" in split
    assert f"Learning account: {eur('200.00')}" in split and f"Employer: {eur('500.00')}" in split
    assert "Approving the leave approves this co-funding; rejecting it refuses it." in split

    response = auth.post(f"/approvals/{leave.id}/approve", headers=htmx())
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "leaveDecided"
    assert "Co-funding: Approved" in text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(LeaveRequest, leave.id).status == "approved"
    cofunding = db.session.get(FundingRequest, cofunding.id)
    assert cofunding.status == "approved" and cofunding.decided_by_id == world.manager.id
    contribution = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == cofunding.id))
    assert contribution.status == "pending" and contribution.amount_cents == 50000
    assert contribution.registry_id == world.course.registry_id
    [entry] = db.session.scalars(select(BudgetEntry)).all()
    assert (entry.kind, entry.amount_cents) == ("reservation", 50000)


def test_rejecting_the_leave_refuses_the_cofunding(world, auth, client):
    leave, cofunding = _submit(world, auth, client, part_employer="300")
    auth.login(world.manager)
    response = auth.post(f"/approvals/{leave.id}/reject", {"reason": "Drukke periode"}, headers=htmx())
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(FundingRequest, cofunding.id).status == "rejected"
    assert count(BudgetEntry) == 0 and count(Contribution) == 0


def test_when_the_cofunding_cannot_be_approved_neither_is(world, auth, client):
    leave, cofunding = _submit(world, auth, client, part_employer="500")
    world.policy(budget=Decimal("400.00"))  # lowered after the request was sent
    auth.login(world.manager)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/approvals/{leave.id}/approve", data={"csrf_token": csrf}, headers=htmx())
    assert response.status_code == 409
    page = text(response.get_data(as_text=True))
    assert "The co-funding of this request cannot be approved:" in page
    assert f"The co-funding budget has {eur('400.00')} left: {eur('100.00')} too much." in page
    assert snapshot() == before
    db.session.expire_all()
    assert db.session.get(LeaveRequest, leave.id).status == "pending"
    assert db.session.get(FundingRequest, cofunding.id).status == "pending"


def test_the_cofunding_of_a_pending_leave_is_decided_in_approvals(world, auth, client):
    leave, cofunding = _submit(world, auth, client, part_employer="300")
    auth.login(world.manager)
    html = client.get("/funding/requests").get_data(as_text=True)
    row = re.search(rf'<tr data-funding="{cofunding.id}".*?</tr>', html, re.S).group(0)
    assert "Decided with the training leave" in text(row) and 'href="/approvals"' in row
    assert "/approve" not in row
    response = auth.post(f"/funding/{cofunding.id}/approve", headers=htmx())
    assert response.status_code == 409
    assert "it is decided with the leave, in Approvals." in text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(FundingRequest, cofunding.id).status == "pending"


def test_withdrawing_the_leave_withdraws_its_cofunding(world, auth, client):
    leave, cofunding = _submit(world, auth, client, part_employer="300")
    auth.login(world.worker)
    assert auth.post(f"/leave/requests/{leave.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert db.session.get(FundingRequest, cofunding.id).status == "cancelled"
