"""The co-funding lists and deciding: approve, refuse with a reason, withdraw and cancel; four eyes on
grants; permissions by role; another employer's requests do not exist."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, Contribution, FundingRequest
from tests import factories
from tests.funding.views.conftest import TODAY, count, eur, htmx, snapshot, text, token, users_by_role


def _row(html: str, funding_id: int) -> str:
    match = re.search(rf'<tr data-funding="{funding_id}".*?</tr>', html, re.S)
    assert match, f"no row for co-funding {funding_id}"
    return match.group(0)


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _grant(world, amount="250.00", by=None):
    """A top-up for Wim granted by a manager (pending: another decides)."""
    return world.ask(actor=by or world.manager, kind="top-up", training=None, employer=Decimal(amount))


def _contribution(request) -> Contribution | None:
    return db.session.scalar(select(Contribution).where(Contribution.funding_request_id == request.id))


# The lists -----------------------------------------------------------------------------------


def test_the_employee_sees_their_own_requests(world, auth, client):
    mine = world.ask(account=Decimal("200.00"), employer=Decimal("300.00"))
    approved = _grant(world, "100.00")
    funding.approve(actor=world.admin, funding=approved, today=TODAY)
    db.session.commit()
    theirs = world.ask(world.colleague, employer=Decimal("50.00"))
    auth.login(world.worker)
    response = client.get("/funding/requests")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and 'href="/funding/requests">Co-funding</a>' in html
    own = _section(html, "funding-mine")
    row = text(_row(own, mine.id))
    assert "Course fee Boekhouden voor KMO's" in row
    assert f"Learning account: {eur('200.00')} Employer: {eur('300.00')} Cost: {eur('1000.00')}" in row
    assert "Waiting for approval" in row and "Withdraw" in row
    row = text(_row(own, approved.id))
    assert "Top-up of the learning account" in row and "Asked on Mar 2, 2026 by Mia Manager" in row
    assert "Approved" in row and "Ada Admin" in row
    assert f"{_contribution(approved).reference} Waiting to be sent to the register" in row
    assert "Withdraw" not in row and "Cancel" not in row  # an approved one is the admin's to cancel
    assert f'data-funding="{theirs.id}"' not in html
    assert 'id="funding-waiting"' not in html and 'id="funding-recent"' not in html
    assert "Grant a top-up" not in html


def test_the_list_as_an_htmx_fragment(world, auth, client):
    world.ask()
    auth.login(world.worker)
    response = client.get("/funding/requests", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="funding-requests">')
    assert "My co-funding requests" in html


def test_the_manager_sees_what_waits_for_a_decision(world, auth, client):
    asked = world.ask()
    granted = _grant(world)
    auth.login(world.other_manager)
    html = client.get("/funding/requests").get_data(as_text=True)
    waiting = _section(html, "funding-waiting")
    row = _row(waiting, asked.id)
    assert "Wim Worker" in row
    assert f'action="/funding/{asked.id}/approve"' in row and f'hx-post="/funding/{asked.id}/approve"' in row
    assert f'action="/funding/{asked.id}/reject"' in row and 'name="reason"' in row and "required" in row
    assert 'hx-target="closest tr" hx-swap="outerHTML"' in row
    assert f'data-funding="{granted.id}"' in waiting  # granted by Mia: Olga decides
    assert "Grant a top-up" in html and 'id="funding-recent"' in html
    assert 'id="funding-mine"' not in html  # no employee record
    # the manager who granted it sees it among their own grants, without buttons to approve it
    auth.logout()
    auth.login(world.manager)
    html = client.get("/funding/requests").get_data(as_text=True)
    assert f'data-funding="{granted.id}"' not in _section(html, "funding-waiting")
    row = _row(_section(html, "funding-asked"), granted.id)
    assert "approve" not in row and "Withdraw" in row
    assert "Four eyes: another manager or an admin approves what you granted." in text(html)


# Approving -----------------------------------------------------------------------------------


def test_a_grant_is_approved_by_another_manager(world, auth, client):
    granted = _grant(world)
    auth.login(world.other_manager)
    response = auth.post(f"/funding/{granted.id}/approve", headers=htmx())
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "fundingDecided"
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith("<tr")
    granted = _fresh(granted)
    assert granted.status == "approved" and granted.decided_by_id == world.other_manager.id
    [entry] = db.session.scalars(select(BudgetEntry).where(BudgetEntry.funding_request_id == granted.id)).all()
    assert (entry.kind, entry.amount_cents, entry.year) == ("reservation", 25000, 2026)
    contribution = _contribution(granted)
    assert contribution.status == "pending" and contribution.amount_cents == 25000
    assert re.fullmatch(r"C-2026-\d{6}", contribution.reference) and len(contribution.idempotency_key) >= 16
    assert funding.budget_position(world.employer, 2026).reserved == Decimal("250.00")
    row = text(_row(html, granted.id))
    assert "Approved" in row and contribution.reference in row and "Waiting to be sent to the register" in row
    assert '<section id="funding-recent" hx-swap-oob="true">' in html  # the recently decided, out of band
    assert f'data-funding="{granted.id}"' in html.split('id="funding-recent"')[1]
    assert "Co-funding of Wim Worker: Approved." in html  # the flash, out of band


def test_the_manager_who_granted_cannot_approve(world, auth, client):
    granted = _grant(world)
    auth.login(world.manager)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/funding/{granted.id}/approve", data={"csrf_token": csrf}, headers=htmx())
    assert response.status_code == 409
    assert "HX-Trigger" not in response.headers
    assert "Nobody decides on their own co-funding." in text(_row(response.get_data(as_text=True), granted.id))
    assert snapshot() == before and _fresh(granted).status == "pending"
    # without JavaScript: back to the list, the reason on top
    response = client.post(f"/funding/{granted.id}/approve", data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/funding/requests")
    assert "Nobody decides on their own co-funding." in text(client.get("/funding/requests").get_data(as_text=True))
    assert snapshot() == before


def test_the_employee_cannot_approve_their_own(world, auth, client):
    asked = world.ask()
    auth.login(world.worker)
    assert auth.post(f"/funding/{asked.id}/approve").status_code == 403
    assert _fresh(asked).status == "pending"


def test_approve_without_javascript_redirects_with_a_message(world, auth, client):
    asked = world.ask()
    auth.login(world.manager)
    response = auth.post(f"/funding/{asked.id}/approve")
    assert response.status_code == 302
    assert _fresh(asked).status == "approved"
    page = text(client.get("/funding/requests").get_data(as_text=True))
    assert "Co-funding of Wim Worker: Approved." in page


def test_approval_over_the_budget_is_refused_and_changes_nothing(world, auth, client):
    first = world.ask(employer=Decimal("500.00"))
    second = world.ask(world.colleague, employer=Decimal("500.00"))
    world.policy(budget=Decimal("900.00"))  # lowered after both were asked
    funding.approve(actor=world.manager, funding=first, today=TODAY)
    db.session.commit()
    auth.login(world.other_manager)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/funding/{second.id}/approve", data={"csrf_token": csrf}, headers=htmx())
    assert response.status_code == 409
    assert f"The co-funding budget has {eur('400.00')} left: {eur('100.00')} too much." in text(
        response.get_data(as_text=True))
    assert snapshot() == before and _fresh(second).status == "pending"


def test_above_the_threshold_an_admin_decides_after_the_manager(world, auth, client):
    world.policy(admin_approval_above=Decimal("200.00"))
    granted = _grant(world)
    auth.login(world.other_manager)
    response = auth.post(f"/funding/{granted.id}/approve", headers=htmx())
    assert response.status_code == 200
    assert _fresh(granted).status == "second_step"
    assert "Waits for an admin" in text(_row(response.get_data(as_text=True), granted.id))
    assert count(BudgetEntry) == 0
    auth.logout()
    auth.login(world.admin)
    html = client.get("/funding/requests").get_data(as_text=True)
    assert f'action="/funding/{granted.id}/approve"' in _section(html, "funding-waiting")
    assert auth.post(f"/funding/{granted.id}/approve").status_code == 302
    assert _fresh(granted).status == "approved" and _contribution(granted) is not None


# Refusing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refusal_needs_a_reason(world, auth, client, reason):
    asked = world.ask()
    auth.login(world.manager)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/funding/{asked.id}/reject", data={"reason": reason, "csrf_token": csrf},
                           headers=htmx())
    assert response.status_code == 422
    row = _row(response.get_data(as_text=True), asked.id)
    assert re.search(rf'<small id="refuse-{asked.id}-error" class="field-error">A refusal needs a reason.</small>', row)
    assert 'aria-invalid="true"' in row
    assert snapshot() == before and _fresh(asked).status == "pending"
    response = client.post(f"/funding/{asked.id}/reject", data={"reason": reason, "csrf_token": csrf})
    assert response.status_code == 302
    assert "A refusal needs a reason." in text(client.get("/funding/requests").get_data(as_text=True))
    assert _fresh(asked).status == "pending"


def test_refusing_with_a_reason(world, auth, client):
    asked = world.ask()
    auth.login(world.manager)
    response = auth.post(f"/funding/{asked.id}/reject", {"reason": "Niet nodig voor de functie"}, headers=htmx())
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "fundingDecided"
    asked = _fresh(asked)
    assert asked.status == "rejected" and asked.decision_reason == "Niet nodig voor de functie"
    assert asked.decided_by_id == world.manager.id
    row = text(_row(response.get_data(as_text=True), asked.id))
    assert "Refused" in row and "Reason: Niet nodig voor de functie" in row and "Approve" not in row
    assert count(BudgetEntry) == 0 and count(Contribution) == 0
    # the employee reads it
    auth.logout()
    auth.login(world.worker)
    row = text(_row(client.get("/funding/requests").get_data(as_text=True), asked.id))
    assert "Refused" in row and "Reason: Niet nodig voor de functie" in row


def test_a_decision_already_taken_by_someone_else(world, auth, client):
    asked = world.ask()
    funding.reject(actor=world.other_manager, funding=asked, reason="Nee")
    db.session.commit()
    auth.login(world.manager)
    response = auth.post(f"/funding/{asked.id}/approve", headers=htmx())
    assert response.status_code == 409
    assert "This co-funding was already decided: Refused." in text(response.get_data(as_text=True))


# Withdrawing and cancelling ------------------------------------------------------------------


def test_the_employee_withdraws_a_pending_request(world, auth, client):
    asked = world.ask()
    auth.login(world.worker)
    response = auth.post(f"/funding/{asked.id}/cancel", headers=htmx())
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "fundingDecided"
    assert _fresh(asked).status == "cancelled"
    html = response.get_data(as_text=True)
    assert "Cancelled" in text(_row(html, asked.id))
    assert 'id="funding-recent"' not in html  # an employee's page has no such section
    # without JavaScript
    other = world.ask(employer=Decimal("100.00"))
    assert auth.post(f"/funding/{other.id}/cancel").status_code == 302
    assert _fresh(other).status == "cancelled"


def test_the_employee_cannot_cancel_an_approved_one(world, auth, client):
    asked = world.ask()
    funding.approve(actor=world.manager, funding=asked, today=TODAY)
    db.session.commit()
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/funding/{asked.id}/cancel", data={"csrf_token": csrf}, headers=htmx())
    assert response.status_code == 409
    assert "Only an admin cancels approved co-funding." in text(response.get_data(as_text=True))
    assert snapshot() == before and _fresh(asked).status == "approved"


def test_an_admin_cancels_an_approved_one_not_sent(world, auth, client):
    asked = world.ask()
    funding.approve(actor=world.manager, funding=asked, today=TODAY)
    db.session.commit()
    auth.login(world.admin)
    html = client.get("/funding/requests").get_data(as_text=True)
    row = _row(_section(html, "funding-recent"), asked.id)
    assert f'action="/funding/{asked.id}/cancel"' in row and "Cancel" in row
    response = auth.post(f"/funding/{asked.id}/cancel", {"reason": "Opleiding geschrapt"}, headers=htmx())
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "fundingDecided"
    asked = _fresh(asked)
    assert asked.status == "cancelled" and asked.decision_reason == "Opleiding geschrapt"
    assert _contribution(asked).status == "cancelled"
    kinds = [e.kind for e in db.session.scalars(select(BudgetEntry).order_by(BudgetEntry.id))]
    assert kinds == ["reservation", "release"]
    assert funding.budget_position(world.employer, 2026).remaining == Decimal("1000.00")


def test_an_admin_cannot_cancel_what_the_register_may_have_booked(world, auth, client):
    asked = world.ask()
    funding.approve(actor=world.manager, funding=asked, today=TODAY)
    _contribution(asked).status = "sent"
    db.session.commit()
    auth.login(world.admin)
    row = _row(client.get("/funding/requests").get_data(as_text=True), asked.id)
    assert "/cancel" not in row and "Sent to the register" in row
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/funding/{asked.id}/cancel", data={"csrf_token": csrf}, headers=htmx())
    assert response.status_code == 409
    assert "it needs a reversal through the reconciliation, not a cancellation." in text(
        response.get_data(as_text=True))
    assert snapshot() == before and _fresh(asked).status == "approved"


def test_a_pending_request_of_someone_else_is_refused_not_cancelled(world, auth, client):
    asked = world.ask()
    auth.login(world.admin)
    response = auth.post(f"/funding/{asked.id}/cancel", headers=htmx())
    assert response.status_code == 409
    assert "A request that waits for a decision is refused, with a reason, not cancelled." in text(
        response.get_data(as_text=True))
    assert _fresh(asked).status == "pending"


def test_the_manager_withdraws_their_own_grant(world, auth, client):
    granted = _grant(world)
    auth.login(world.manager)
    assert auth.post(f"/funding/{granted.id}/cancel").status_code == 302
    assert _fresh(granted).status == "cancelled"


# Permissions and tenants ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "page", "decide"), [
    ("employee", 200, 403), ("manager", 200, 302), ("admin", 200, 302), ("accountant", 403, 403),
])
def test_permissions_by_role(world, auth, client, role, page, decide):
    asked = world.ask(world.colleague, employer=Decimal("100.00"))
    auth.login(users_by_role(world)[role])
    assert client.get("/funding/requests").status_code == page
    assert auth.post(f"/funding/{asked.id}/approve").status_code == decide
    assert auth.post(f"/funding/{asked.id}/reject", {"reason": "x"}).status_code == decide
    assert _fresh(asked).status == ("approved" if decide == 302 else "pending")


def test_a_colleague_cannot_withdraw_someone_elses_request(world, auth, client):
    asked = world.ask()
    auth.login(world.colleague_user)
    assert auth.post(f"/funding/{asked.id}/cancel").status_code == 403
    assert _fresh(asked).status == "pending"


@pytest.mark.parametrize("role", ["employee", "manager", "admin", "accountant"])
def test_another_employers_funding_does_not_exist(world, auth, client, role):
    other = factories.employer("Other BV")
    boss = factories.user("boss@other.be", roles={other: ["admin", "manager"]})
    person = factories.employee(other)
    db.session.flush()
    theirs = FundingRequest(employer_id=other.id, employee_id=person.id, year=2026, asked_on=TODAY, kind="top-up",
                            cost_cents=100, employer_cents=100, requested_by_id=boss.id)
    db.session.add(theirs)
    db.session.commit()
    auth.login(users_by_role(world)[role])
    for action in ("approve", "reject", "cancel"):
        response = auth.post(f"/funding/{theirs.id}/{action}", {"reason": "x"})
        assert response.status_code == 404, action
        assert "Other BV" not in response.get_data(as_text=True)
    assert _fresh(theirs).status == "pending"
    assert f'data-funding="{theirs.id}"' not in client.get("/funding/requests").get_data(as_text=True)
