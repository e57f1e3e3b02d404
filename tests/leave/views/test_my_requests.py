"""My requests: the list with its states, withdrawing and asking to cancel, inline with htmx or not."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import services
from ila_sme.leave.models import LeaveRequest
from ila_sme.notifications.models import Notification
from tests.leave.views.conftest import TODAY, ledger_rows, snapshot, token


def _submit(world, start: date, end: date, employee=None, **fields) -> LeaveRequest:
    employee = employee or world.employee
    fields.setdefault("training", world.course)
    fields.setdefault("hours_per_day", Decimal("8"))
    leave_request = services.submit(actor=employee.user, employee=employee, today=TODAY, data=services.RequestInput(
        leave_type=world.vov, start_date=start, end_date=end, **fields))
    db.session.commit()
    return leave_request


def _approved(world, start=date(2026, 3, 16), end=date(2026, 3, 16)) -> LeaveRequest:
    leave_request = _submit(world, start, end)
    services.approve(actor=world.manager, request=leave_request, today=TODAY)
    db.session.commit()
    return leave_request


def _row_of(html: str, leave_request) -> str:
    match = re.search(rf'<tr id="request-{leave_request.id}">.*?</tr>', html, re.S)
    assert match, f"no row for request {leave_request.id}"
    return match.group(0)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# The list ------------------------------------------------------------------------------------


def test_my_requests_lists_each_request_with_its_state_and_actions(world, auth, client):
    pending = _submit(world, date(2026, 3, 16), date(2026, 3, 17), start_half=True, end_half=True,
                      note="First module")
    approved = _approved(world, date(2026, 3, 18), date(2026, 3, 18))
    rejected = _submit(world, date(2026, 3, 19), date(2026, 3, 19))
    services.reject(actor=world.manager, request=rejected, reason="Busy week", today=TODAY)
    _submit(world, date(2026, 3, 16), date(2026, 3, 16), employee=world.colleague)  # not Wim's
    db.session.commit()

    auth.login(world.worker)
    response = client.get("/leave/requests")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "My training leave" in html
    assert html.count('<tr id="request-') == 3

    row = _row_of(html, pending)
    assert "Waiting for approval" in row
    assert re.search(r"Mar 16, 2026\s*<small>\(afternoon\)</small> – Mar 17, 2026 <small>\(morning\)</small>", row)
    assert "8 hours" in row  # two half days of 8 h
    assert "Boekhouden voor KMO&#39;s" in row and world.course.registry_id in row
    assert f'action="/leave/requests/{pending.id}/withdraw"' in row
    assert f'hx-post="/leave/requests/{pending.id}/withdraw"' in row and 'hx-target="closest tr"' in row
    assert "/cancel" not in row

    row = _row_of(html, approved)
    assert "Approved" in row and "Mia Manager" in row
    assert f'action="/leave/requests/{approved.id}/cancel"' in row
    assert 'name="reason"' in row and "/withdraw" not in row

    row = _row_of(html, rejected)
    assert "Rejected" in row and "Reason given by Mia Manager: Busy week" in row
    assert "<form" not in row


def test_my_requests_as_an_htmx_fragment(world, auth, client):
    pending = _submit(world, date(2026, 3, 16), date(2026, 3, 16))
    auth.login(world.worker)
    response = client.get("/leave/requests", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="my-requests">')
    assert "Waiting for approval" in _row_of(html, pending)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_no_requests_yet(world, auth, client):
    auth.login(world.worker)
    assert "You have no training-leave requests yet." in client.get("/leave/requests").get_data(as_text=True)


# Withdrawing ---------------------------------------------------------------------------------


def test_withdraw_inline_swaps_the_row_and_gives_the_hours_back(world, auth, client):
    pending = _submit(world, date(2026, 3, 16), date(2026, 3, 18))
    auth.login(world.worker)
    response = auth.post(f"/leave/requests/{pending.id}/withdraw", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "leaveRequested"
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="request-{pending.id}">')
    assert "<html" not in html and "<table" not in html
    assert "Withdrawn" in html and "<form" not in _row_of(html, pending)
    assert "Your request was withdrawn" in html  # the flash, out of band
    assert 'hx-swap-oob="true"' in html

    db.session.refresh(pending)
    assert pending.status == "withdrawn"
    kinds = [(row.kind, row.amount) for row in ledger_rows(world.employee, "vov") if row.request_id == pending.id]
    assert kinds == [("reservation", Decimal("-24.00")), ("release", Decimal("24.00"))]
    assert len(_events("leave.withdrawn")) == 1


def test_withdraw_without_javascript_redirects_to_the_list(world, auth, client):
    pending = _submit(world, date(2026, 3, 16), date(2026, 3, 16))
    auth.login(world.worker)
    response = auth.post(f"/leave/requests/{pending.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"].endswith("/leave/requests")
    assert "HX-Trigger" not in response.headers
    page = client.get("/leave/requests").get_data(as_text=True)
    assert "Your request was withdrawn; what it held is free again." in page
    assert "Withdrawn" in _row_of(page, pending)


def test_withdrawing_an_approved_request_is_refused_in_the_row(world, auth, client):
    approved = _approved(world)
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/leave/requests/{approved.id}/withdraw", data={"csrf_token": csrf},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    assert "Only a request waiting for approval can be withdrawn." in html
    assert "Approved" in _row_of(html, approved)
    assert snapshot() == before


def test_another_employees_request_is_a_404(world, auth, client):
    theirs = _submit(world, date(2026, 3, 16), date(2026, 3, 16), employee=world.colleague)
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    for action in ("withdraw", "cancel"):
        response = client.post(f"/leave/requests/{theirs.id}/{action}", data={"csrf_token": csrf, "reason": "x"},
                               headers={"HX-Request": "true"})
        assert response.status_code == 404, action
    assert snapshot() == before
    db.session.refresh(theirs)
    assert theirs.status == "pending"


def test_withdraw_needs_the_csrf_token(world, auth, client):
    pending = _submit(world, date(2026, 3, 16), date(2026, 3, 16))
    auth.login(world.worker)
    assert client.post(f"/leave/requests/{pending.id}/withdraw").status_code == 400
    db.session.refresh(pending)
    assert pending.status == "pending"


# Asking to cancel ----------------------------------------------------------------------------


def test_ask_to_cancel_inline_tells_the_approver(world, auth, client, outbox):
    approved = _approved(world)
    sent = len(outbox())
    auth.login(world.worker)
    response = auth.post(f"/leave/requests/{approved.id}/cancel", {"reason": "The course moved to May"},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "leaveRequested"
    row = _row_of(response.get_data(as_text=True), approved)
    assert "Cancellation asked" in row and "Reason given by " in row and ": The course moved to May" in row
    assert "<form" not in row

    db.session.refresh(approved)
    assert approved.status == "cancellation_requested"
    assert approved.decision_reason == "The course moved to May"
    assert len(_events("leave.cancellation_requested")) == 1
    # the hours stay used until the approver accepts
    assert [row.kind for row in ledger_rows(world.employee, "vov") if row.request_id == approved.id] == [
        "reservation", "release", "consumption"]
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    assert [message["To"] for message in messages[sent:]] == ["manager@example.be"]
    assert db.session.scalars(select(Notification).where(Notification.user_id == world.manager.id)).all()


def test_ask_to_cancel_without_javascript(world, auth, client):
    approved = _approved(world)
    auth.login(world.worker)
    response = auth.post(f"/leave/requests/{approved.id}/cancel", {"reason": ""})
    assert response.status_code == 302
    db.session.refresh(approved)
    assert approved.status == "cancellation_requested" and approved.decision_reason is None
    assert "Your approver was asked to cancel this leave." in client.get("/leave/requests").get_data(as_text=True)


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_asking_to_cancel_what_is_not_approved_is_refused(world, auth, client, status):
    leave_request = _submit(world, date(2026, 3, 16), date(2026, 3, 16))
    if status == "rejected":
        services.reject(actor=world.manager, request=leave_request, reason="No", today=TODAY)
        db.session.commit()
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/leave/requests/{leave_request.id}/cancel", data={"csrf_token": csrf, "reason": "x"})
    assert response.status_code == 302
    assert snapshot() == before
    page = client.get("/leave/requests").get_data(as_text=True)
    assert "Only an approved request can be cancelled this way." in page


def test_a_too_long_reason_is_refused(world, auth, client):
    approved = _approved(world)
    auth.login(world.worker)
    response = auth.post(f"/leave/requests/{approved.id}/cancel", {"reason": "x" * 501},
                         headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Field cannot be longer than 500 characters." in response.get_data(as_text=True)
    db.session.refresh(approved)
    assert approved.status == "approved"
