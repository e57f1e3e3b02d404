"""The approvals inbox: what it lists, deciding inline with and without htmx, in bulk, on
cancellations; self-approval, the deputy's range, the second step and decisions that crossed."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import services
from ila_sme.notifications.models import Notification
from tests import factories
from tests.approvals.conftest import MONDAY, TODAY, balance_of, employee_with_user, rows_of

HX = {"HX-Request": "true"}
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=n) for n in (1, 2, 3))


def row_html(html: str, request) -> str:
    """The table row of one request (pending or settled)."""
    match = re.search(rf'<tr id="request-{request.id}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row for request {request.id}"
    return match.group(0)


def text_of(html: str) -> str:
    """The visible words, whitespace folded, so assertions do not depend on markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def mails_to(outbox, address: str) -> list[tuple[str, str]]:
    result = []
    for path in outbox():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            result.append((str(message["Subject"]), message.get_content()))
    return result


def events(action: str, request) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == str(request.id))))


def notifications_of(user) -> list[str]:
    return list(db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)))


def fresh(obj):
    db.session.refresh(obj)
    return obj


# The inbox -----------------------------------------------------------------------------------


def test_inbox_lists_each_request_with_balance_colleagues_away_and_step(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY, TUESDAY)
    zoe = world.ask(world.zoe_record, TUESDAY)
    otto = world.ask(world.otto_record, MONDAY)  # the other manager's team
    auth.login(world.manager)
    response = client.get("/approvals")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "<h1>Approvals</h1>" in html

    row = text_of(row_html(html, wim))
    assert "Wim Willems" in row and "Bakery" in row
    assert "Career guidance" in row
    assert "Mar 9, 2026 – Mar 10, 2026" in row
    assert "2 days" in row
    assert "3 days" in row and "Federal training right 2026" in row  # 5 − 2 reserved by this request
    assert "Zoë Peeters: Mar 10, 2026 (Waiting for approval)" in row  # who else is away
    assert "Otto Outsider: Mar 9, 2026" in row  # away too, although another manager decides
    assert "First approval" in row
    assert f'name="request_ids" value="{wim.id}" form="bulk-approve"' in row_html(html, wim)
    assert f'action="/approvals/{wim.id}/approve"' in row_html(html, wim)
    assert f'action="/approvals/{wim.id}/reject"' in row_html(html, wim)

    assert "Zoë Peeters" in row_html(html, zoe)
    assert f'id="request-{otto.id}"' not in html  # not this manager's to decide
    assert 'id="bulk-approve"' in html and "Approve selected" in html
    assert "You have not decided on any request yet." in html


def test_inbox_fragment_for_htmx(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(world.manager)
    response = client.get("/approvals", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<h1>" not in html
    assert html.lstrip().startswith('<div id="approvals-inbox">')
    assert "Wim Willems" in row_html(html, wim)
    assert 'id="recently-decided"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_empty_inbox_says_so(world, auth, client):
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    assert "Nothing waits for your decision." in html
    assert 'id="bulk-approve"' not in html and "<tbody>" not in html.split('id="recently-decided"')[0]


def test_recently_decided_lists_the_users_own_decisions(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    zoe = world.ask(world.zoe_record, TUESDAY)
    services.approve(actor=world.manager, request=wim, today=TODAY)
    services.reject(actor=world.deputy, request=world.ask(world.wim_record, THURSDAY), reason="No", today=TODAY)
    db.session.commit()
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    recent = text_of(html.split('id="recently-decided"')[1])
    assert "Wim Willems Career guidance Mar 9, 2026" in recent and "Approved" in recent
    assert "Rejected" not in recent  # the deputy's decision, not the manager's
    assert "Zoë Peeters" in row_html(html, zoe)  # still pending, above


def test_colleagues_away_are_only_those_overlapping(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY, WEDNESDAY)
    zoe = world.ask(world.zoe_record, WEDNESDAY, THURSDAY)
    world.ask(world.otto_record, MONDAY + timedelta(days=7))  # the week after
    services.approve(actor=world.manager, request=zoe, today=TODAY)
    db.session.commit()
    auth.login(world.manager)
    row = text_of(row_html(client.get("/approvals").get_data(as_text=True), wim))
    assert "Zoë Peeters: Mar 11, 2026 – Mar 12, 2026" in row
    assert "Waiting for approval" not in row  # Zoë's leave is approved: no status note
    assert "Otto" not in row


@pytest.mark.parametrize("role, allowed", [("employee", False), ("manager", True), ("accountant", True),
                                           ("admin", True)])
def test_inbox_is_for_managers_admins_and_accountants(world, auth, client, role, allowed):
    user = factories.user(f"{role}-x@example.be", roles={world.employer: role}, language="en")
    db.session.commit()
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(user)
    response = client.get("/approvals")
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert "Nothing waits for your decision." in response.get_data(as_text=True)
    response = auth.post(f"/approvals/{wim.id}/approve")
    if allowed:  # may open the inbox, but is not Wim's approver
        assert response.status_code == 302
        assert "You are not the approver of this request." in client.get("/approvals").get_data(as_text=True)
    else:
        assert response.status_code == 403
    assert auth.post("/approvals/bulk-approve", {"request_ids": [wim.id]}).status_code == (302 if allowed else 403)
    assert fresh(wim).status == "pending"
    assert rows_of(wim) == [("reservation", Decimal("-1.00"))]


def test_signed_out_goes_to_the_sign_in_page(world, client):
    response = client.get("/approvals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_employers_request_does_not_exist(world, auth, client):
    other = factories.employer("Other BV", average_fte=Decimal("25"))
    _, record = employee_with_user(other, "x@other.be", "Xavier", "Elsewhere", approver_id=world.manager.id)
    db.session.commit()
    request = world.ask(record, MONDAY)
    auth.login(world.manager)
    assert auth.post(f"/approvals/{request.id}/approve").status_code == 404
    assert fresh(request).status == "pending"


# Approve and reject, one row -----------------------------------------------------------------


def test_approve_inline_with_htmx(world, auth, client, outbox):
    wim = world.ask(world.wim_record, MONDAY, TUESDAY)
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "leaveDecided"
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith(f'<tr id="request-{wim.id}" class="settled">')
    assert "Wim Willems" in row_html(html, wim) and "Approved" in row_html(html, wim)
    assert "/approve" not in row_html(html, wim)  # no buttons left on the row
    assert re.search(r'<div id="flashes"[^>]*hx-swap-oob="true"', html)
    assert "Wim Willems: Approved." in html
    # out of band beside a <tr>: the decided row goes on top of "Recently decided", inside a <template> (or the
    # browser's table parsing would drop it); the rest of that list is not rendered again
    oob = re.search(r'<template><tbody hx-swap-oob="afterbegin:#recently-decided-rows">(.*?)</tbody></template>',
                    html, re.S)
    assert oob and "Wim Willems" in oob.group(1) and "Approved" in text_of(oob.group(1))
    assert 'id="recently-decided"' not in html

    wim = fresh(wim)
    assert wim.status == "approved"
    assert wim.decided_by_id == world.manager.id and wim.first_decided_by_id == world.manager.id
    assert rows_of(wim) == [("reservation", Decimal("-2.00")), ("release", Decimal("2.00")),
                            ("consumption", Decimal("-2.00"))]
    balance = balance_of(world.wim_record)
    assert (balance.entitlement, balance.used, balance.reserved, balance.remaining) == (5, 2, 0, 3)
    assert [event.actor_id for event in events("leave.approved", wim)] == [world.manager.id]
    mails = mails_to(outbox, "wim@example.be")
    assert [subject for subject, _ in mails] == ["Your training leave was approved: Career guidance, 9–10 Mar 2026"]
    assert "2 days of training leave from March 9, 2026 to March 10, 2026: Approved." in mails[0][1]
    assert notifications_of(world.wim) == ["Your training leave was approved: Career guidance, 9–10 Mar 2026"]


def test_approve_without_javascript_redirects_back_with_a_message(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    html = client.get("/approvals").get_data(as_text=True)
    assert "Wim Willems: Approved." in html
    assert "Nothing waits for your decision." in html
    assert "Approved" in text_of(html.split('id="recently-decided"')[1])
    assert fresh(wim).status == "approved"


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_refused_with_htmx(world, auth, client, outbox, reason):
    wim = world.ask(world.wim_record, MONDAY)
    mails_before = len(outbox())
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/reject", {"reason": reason}, headers=HX)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    assert "<html" not in html
    row = row_html(html, wim)
    assert f'<small id="reason-{wim.id}-error" class="field-error">A rejection needs a reason.</small>' in row
    assert 'aria-invalid="true"' in row and f'aria-describedby="reason-{wim.id}-error"' in row
    assert "/approve" in row  # still the row with its buttons
    wim = fresh(wim)
    assert wim.status == "pending" and wim.decided_by_id is None
    assert rows_of(wim) == [("reservation", Decimal("-1.00"))]
    assert events("leave.rejected", wim) == []
    assert len(outbox()) == mails_before


def test_reject_without_a_reason_and_without_javascript_shows_the_page_again(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/reject", {"reason": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert "A rejection needs a reason." in row_html(html, wim)
    assert fresh(wim).status == "pending"


def test_reject_with_a_reason(world, auth, client, outbox):
    wim = world.ask(world.wim_record, MONDAY, TUESDAY)
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/reject", {"reason": "  Busy season  "}, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "leaveDecided"
    row = text_of(row_html(response.get_data(as_text=True), wim))
    assert "Rejected · Busy season" in row
    wim = fresh(wim)
    assert wim.status == "rejected" and wim.decision_reason == "Busy season"
    assert wim.decided_by_id == world.manager.id
    assert rows_of(wim) == [("reservation", Decimal("-2.00")), ("release", Decimal("2.00"))]
    assert balance_of(world.wim_record).remaining == 5
    assert len(events("leave.rejected", wim)) == 1
    [(subject, body)] = mails_to(outbox, "wim@example.be")
    assert subject.startswith("Your training leave was rejected: ")
    assert "Reason given by Mia Manager: Busy season" in body


# Nobody decides their own request --------------------------------------------------------------


@pytest.mark.parametrize("roles, step", [
    (("manager", "employee"), "first"),  # a manager who is their own approver
    (("admin", "employee"), "first"),
    (("admin", "employee"), "second"),  # the leave type's second step is the admin's
    (("accountant", "employee"), "second"),  # the leave type's second step is the accountant's
])
def test_nobody_decides_their_own_request(world, auth, client, roles, step):
    user, record = employee_with_user(world.employer, "sam@example.be", "Sam", "Self", roles=roles,
                                      approver_id=None)
    if step == "first":
        record.approver_id = user.id
    else:
        record.approver_id = world.manager.id
        world.guidance.second_step_role = roles[0]
    db.session.commit()
    request = world.ask(record, MONDAY)
    if step == "second":
        services.approve(actor=world.manager, request=request, today=TODAY)
        db.session.commit()
    status = fresh(request).status
    assert status == ("pending" if step == "first" else "second_step")
    rows = rows_of(request)

    auth.login(user)
    assert f'id="request-{request.id}"' not in client.get("/approvals").get_data(as_text=True)
    response = auth.post(f"/approvals/{request.id}/approve", headers=HX)
    assert response.status_code == 409
    assert "Nobody decides on their own request." in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
    assert auth.post(f"/approvals/{request.id}/approve").status_code == 302
    assert auth.post(f"/approvals/{request.id}/reject", {"reason": "Mine"}).status_code == 302
    assert auth.post("/approvals/bulk-approve", {"request_ids": [request.id]}).status_code == 302
    assert "Nobody decides on their own request." in client.get("/approvals").get_data(as_text=True)
    request = fresh(request)
    assert request.status == status and request.decided_by_id is None
    assert rows_of(request) == rows
    assert events("leave.approved", request) == [] and events("leave.rejected", request) == []


# The deputy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("today, inside", [
    (date(2026, 3, 1), False), (date(2026, 3, 2), True), (date(2026, 3, 6), True), (date(2026, 3, 7), False),
])
def test_deputy_decides_only_inside_the_range(world, app, auth, client, today, inside):
    wim = world.ask(world.wim_record, MONDAY)  # the deputy's range: 2 to 6 March 2026
    app.config["TODAY"] = today
    auth.login(world.deputy)
    inbox = client.get("/approvals").get_data(as_text=True)
    assert (f'id="request-{wim.id}"' in inbox) is inside
    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    wim = fresh(wim)
    if inside:
        assert response.status_code == 200 and response.headers["HX-Trigger"] == "leaveDecided"
        assert wim.status == "approved" and wim.decided_by_id == world.deputy.id
    else:
        assert response.status_code == 409
        assert "You are not the approver of this request." in response.get_data(as_text=True)
        assert wim.status == "pending" and rows_of(wim) == [("reservation", Decimal("-1.00"))]


# The second step -----------------------------------------------------------------------------


def test_second_step_after_the_manager(world, auth, client, outbox):
    world.guidance.second_step_role = "accountant"
    db.session.commit()
    wim = world.ask(world.wim_record, MONDAY, TUESDAY)
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "leaveDecided"
    assert "Waiting for the second approval" in row_html(response.get_data(as_text=True), wim)
    wim = fresh(wim)
    assert wim.status == "second_step" and wim.first_decided_by_id == world.manager.id and wim.decided_by_id is None
    assert rows_of(wim) == [("reservation", Decimal("-2.00"))]  # nothing used until the last step
    assert len(events("leave.first_approved", wim)) == 1
    assert f'id="request-{wim.id}"' not in client.get("/approvals").get_data(as_text=True)
    assert mails_to(outbox, "wim@example.be") == []
    assert [" ".join(s.split()) for s, _ in mails_to(outbox, "anna@example.be")] == [
        "Training leave of Wim Willems needs your approval: Career guidance, 9–10 Mar 2026"]

    auth.logout()
    auth.login(world.accountant)
    row = text_of(row_html(client.get("/approvals").get_data(as_text=True), wim))
    assert "Second step agreed by Mia Manager" in row
    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 200 and "Approved" in row_html(response.get_data(as_text=True), wim)
    wim = fresh(wim)
    assert wim.status == "approved"
    assert (wim.first_decided_by_id, wim.decided_by_id) == (world.manager.id, world.accountant.id)
    assert rows_of(wim) == [("reservation", Decimal("-2.00")), ("release", Decimal("2.00")),
                            ("consumption", Decimal("-2.00"))]
    assert [s.split(": ")[0] for s, _ in mails_to(outbox, "wim@example.be")] == ["Your training leave was approved"]


def test_second_step_is_taken_by_another_person(world, auth, client):
    both = factories.user("max@example.be", roles={world.employer: ["manager", "accountant"]}, name="Max Both",
                          language="en")
    world.wim_record.approver_id = both.id
    world.guidance.second_step_role = "accountant"
    db.session.commit()
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(both)
    assert auth.post(f"/approvals/{wim.id}/approve", headers=HX).status_code == 200
    assert fresh(wim).status == "second_step"
    assert f'id="request-{wim.id}"' not in client.get("/approvals").get_data(as_text=True)
    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 409
    assert "You are not the approver of this request." in response.get_data(as_text=True)
    assert fresh(wim).status == "second_step"

    auth.logout()
    auth.login(world.accountant)
    assert auth.post(f"/approvals/{wim.id}/approve").status_code == 302
    assert fresh(wim).status == "approved" and wim.decided_by_id == world.accountant.id


# Bulk ----------------------------------------------------------------------------------------


def test_bulk_approve_approves_what_it_may_and_says_what_it_could_not(world, auth, client, outbox):
    wim = world.ask(world.wim_record, MONDAY)
    otto = world.ask(world.otto_record, TUESDAY)  # the other manager's to decide
    zoe = world.ask(world.zoe_record, WEDNESDAY)
    auth.login(world.manager)
    response = auth.post("/approvals/bulk-approve", {"request_ids": [str(wim.id), str(otto.id), str(zoe.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    html = client.get("/approvals").get_data(as_text=True)
    assert ("2 requests approved. 1 could not be: Otto Outsider (Mar 10, 2026): "
            "You are not the approver of this request.") in html
    # one refusal in the middle undoes neither the approval before it nor the one after it
    assert (fresh(wim).status, fresh(otto).status, fresh(zoe).status) == ("approved", "pending", "approved")
    assert rows_of(otto) == [("reservation", Decimal("-1.00"))]
    assert [kind for kind, _ in rows_of(zoe)] == ["reservation", "release", "consumption"]
    assert [s.split(": ")[0] for s, _ in mails_to(outbox, "wim@example.be")] == ["Your training leave was approved"]
    assert [s.split(": ")[0] for s, _ in mails_to(outbox, "zoe@example.be")] == ["Your training leave was approved"]


def test_bulk_approve_with_htmx_swaps_the_inbox(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    zoe = world.ask(world.zoe_record, TUESDAY)
    services.approve(actor=world.deputy, request=wim, today=TODAY)  # meanwhile, in the deputy's browser
    db.session.commit()
    auth.login(world.manager)
    response = auth.post("/approvals/bulk-approve", {"request_ids": [wim.id, zoe.id]}, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "leaveDecided"
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="approvals-inbox">')
    assert "Nothing waits for your decision." in html
    assert ("1 request approved. 1 could not be: Wim Willems (Mar 9, 2026): "
            "Dirk Deputy already decided on this request: Approved.") in html
    assert re.search(r'<div id="flashes"[^>]*hx-swap-oob="true"', html)
    assert fresh(zoe).status == "approved" and fresh(wim).decided_by_id == world.deputy.id
    assert [kind for kind, _ in rows_of(wim)] == ["reservation", "release", "consumption"]  # once only


def test_bulk_approve_needs_a_selection(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(world.manager)
    assert auth.post("/approvals/bulk-approve", {}).status_code == 302
    assert "Select at least one request to approve." in client.get("/approvals").get_data(as_text=True)
    assert fresh(wim).status == "pending"


# Cancellations -------------------------------------------------------------------------------


@pytest.fixture
def cancellation(world):
    wim = world.ask(world.wim_record, MONDAY, TUESDAY)
    services.approve(actor=world.manager, request=wim, today=TODAY)
    db.session.commit()
    services.ask_cancellation(actor=world.wim, request=wim, reason="The course was moved", today=TODAY)
    db.session.commit()
    assert balance_of(world.wim_record).remaining == 3
    return wim


def test_cancellation_request_approved_gives_the_days_back(world, auth, client, outbox, cancellation):
    wim = cancellation
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    row = row_html(html, wim)
    assert "Cancellation asked" in row and "Reason given by Wim Willems: The course was moved" in row
    assert "cancelling gives 2 days back" in row
    assert "Cancel the leave" in row and "Keep the leave" in row
    assert 'name="request_ids"' not in row  # "approve selected" never cancels leave

    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "leaveDecided"
    assert "Cancelled" in row_html(response.get_data(as_text=True), wim)
    wim = fresh(wim)
    assert wim.status == "cancelled"
    assert rows_of(wim) == [("reservation", Decimal("-2.00")), ("release", Decimal("2.00")),
                            ("consumption", Decimal("-2.00")), ("restoration", Decimal("2.00"))]
    balance = balance_of(world.wim_record)
    assert (balance.used, balance.remaining) == (0, 5)
    assert len(events("leave.cancelled", wim)) == 1
    assert "Your training leave was cancelled" in [s.split(": ")[0] for s, _ in mails_to(outbox, "wim@example.be")]
    # Wim's own reason stays his: never shown as the reason of the manager who decided.
    [(_subject, body)] = [mail for mail in mails_to(outbox, "wim@example.be") if "cancelled" in mail[0]]
    assert "Reason given by Wim Willems: The course was moved" in body
    auth.logout()
    auth.login(world.wim)
    mine = row_html(client.get("/leave/requests").get_data(as_text=True), wim)
    assert "Mia Manager" in mine and "Reason given by Wim Willems: The course was moved" in mine
    assert "Reason: The course was moved" not in mine


def test_cancellation_refused_keeps_the_leave(world, auth, client, outbox, cancellation):
    wim = cancellation
    auth.login(world.manager)
    response = auth.post(f"/approvals/{wim.id}/reject", {"reason": "Already booked a replacement"})
    assert response.status_code == 302
    wim = fresh(wim)
    assert wim.status == "approved"
    assert [kind for kind, _ in rows_of(wim)] == ["reservation", "release", "consumption"]
    assert balance_of(world.wim_record).remaining == 3
    assert len(events("leave.cancellation_refused", wim)) == 1
    assert "The cancellation of your training leave was refused" in [
        s.split(": ")[0] for s, _ in mails_to(outbox, "wim@example.be")]
    [(_subject, body)] = [mail for mail in mails_to(outbox, "wim@example.be") if "refused" in mail[0]]
    assert "Reason the cancellation was refused: Already booked a replacement" in body


def test_bulk_approve_leaves_cancellations_alone(world, auth, client, cancellation):
    auth.login(world.manager)
    auth.post("/approvals/bulk-approve", {"request_ids": [cancellation.id]})
    assert "A cancellation is decided on its own row." in client.get("/approvals").get_data(as_text=True)
    assert fresh(cancellation).status == "cancellation_requested"


# Decisions that crossed ----------------------------------------------------------------------


def test_decided_by_someone_else_meanwhile(world, auth, client):
    wim = world.ask(world.wim_record, MONDAY)
    auth.login(world.manager)
    assert f'id="request-{wim.id}"' in client.get("/approvals").get_data(as_text=True)
    services.approve(actor=world.deputy, request=wim, today=TODAY)  # the deputy, a moment earlier
    db.session.commit()

    response = auth.post(f"/approvals/{wim.id}/approve", headers=HX)
    assert response.status_code == 409
    assert "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    assert "Dirk Deputy already decided on this request: Approved." in html
    assert re.search(r'<div id="flashes"[^>]*hx-swap-oob="true"', html)
    assert "Approved" in row_html(html, wim) and "/approve" not in row_html(html, wim)  # the row as it now is

    assert auth.post(f"/approvals/{wim.id}/reject", {"reason": "Too late"}).status_code == 302
    assert "Dirk Deputy already decided on this request: Approved." in client.get("/approvals").get_data(
        as_text=True)
    wim = fresh(wim)
    assert wim.status == "approved" and wim.decided_by_id == world.deputy.id and wim.decision_reason is None
    assert [kind for kind, _ in rows_of(wim)] == ["reservation", "release", "consumption"]
    assert len(events("leave.approved", wim)) == 1 and events("leave.rejected", wim) == []


def test_bulk_approve_with_htmx_and_nothing_approved_triggers_nothing(world, auth, client):
    otto = world.ask(world.otto_record, MONDAY)
    auth.login(world.manager)
    response = auth.post("/approvals/bulk-approve", {"request_ids": [otto.id]}, headers=HX)
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert "0 requests approved. 1 could not be: Otto Outsider" in response.get_data(as_text=True)
    assert fresh(otto).status == "pending"


def test_each_row_shows_the_days_its_request_skipped(world, auth, client):
    over_ascension = world.ask(world.wim_record, date(2026, 5, 13), date(2026, 5, 16))  # Wednesday to Saturday
    plain = world.ask(world.zoe_record, TUESDAY)
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    row = text_of(row_html(html, over_ascension))
    assert "2 days" in row
    assert "Not counted: Thu 14 May: public holiday (Ascension Day) Sat 16 May: not a working day" in row
    assert "Not counted" not in text_of(row_html(html, plain))
    fragment = client.get("/approvals", headers=HX).get_data(as_text=True)
    assert "Thu 14 May: public holiday (Ascension Day)" in text_of(row_html(fragment, over_ascension))
