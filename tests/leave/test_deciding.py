"""Deciding: who may decide (never on one's own request), the deputy's range, the second step,
cancellations, and a decision that comes too late."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import request_lists, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LeaveRequest, RequestStatus
from ila_sme.leave.signals import leave_decided
from ila_sme.notifications.models import Notification
from tests import factories
from tests.leave.conftest import TODAY, bring_to, counts, rows_of

DECISIONS = ["approve", "reject", "cancel"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _decide(how: str, actor, request, today=TODAY):
    if how == "approve":
        return services.approve(actor=actor, request=request, today=today)
    if how == "reject":
        return services.reject(actor=actor, request=request, reason="No", today=today)
    return services.decide_cancellation(actor=actor, request=request, accept=True, today=today)


def _refused(actor, request, how: str, match: str, today=TODAY) -> None:
    """The decision is refused and leaves the request and the ledger as they were."""
    db.session.commit()
    status, before = request.status, counts()
    with pytest.raises(LeaveError, match=match):
        _decide(how, actor, request, today)
    db.session.rollback()
    assert (request.status, counts()) == (status, before)


def _own_request(world, role: str, *, approver=None):
    """A user of ``role`` who is also an employee, wrongly set up as their own approver and deputy."""
    user = factories.user(roles={world.employer: sorted({role, "employee"})}, name=f"Own {role}")
    record = factories.employee(world.employer, user_id=user.id, approver_id=(approver or user).id,
                                deputy_id=user.id, deputy_from=date(2026, 1, 1), deputy_until=date(2026, 12, 31))
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)), employee=record)
    db.session.commit()
    return user, record, request


# Nobody decides on their own request ---------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager", "admin", "accountant"])
def test_nobody_approves_or_rejects_their_own_request(world, role):
    user, _, request = _own_request(world, role)

    assert services.may_decide(user, request, TODAY) is False
    assert request not in request_lists.decidable_requests(user, world.employer, TODAY)
    for how in ("approve", "reject"):
        _refused(user, request, how, "Nobody decides on their own request.")
    assert request.status == RequestStatus.PENDING


@pytest.mark.parametrize("role", ["employee", "manager", "admin", "accountant"])
def test_nobody_decides_on_the_cancellation_of_their_own_request(world, role):
    user, record, request = _own_request(world, role)
    record.deputy_id = world.manager.id  # someone else approves the request itself
    services.approve(actor=world.manager, request=request, today=TODAY)
    services.ask_cancellation(actor=user, request=request, reason="Changed my mind", today=TODAY)
    db.session.commit()

    assert services.may_decide(user, request, TODAY) is False
    for how in DECISIONS:
        _refused(user, request, how, "Nobody decides on their own request.")
    assert request.status == RequestStatus.CANCELLATION_REQUESTED


@pytest.mark.parametrize("role", ["admin", "accountant"])
def test_nobody_takes_the_second_step_on_their_own_request(world, role):
    world.guidance.second_step_role = role
    user, _, request = _own_request(world, role, approver=world.manager)
    already_told = set(db.session.scalars(select(Notification.id)))
    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    assert request.status == RequestStatus.SECOND_STEP
    # The other holders of the role are asked for the second step; the employee is not.
    told = {n.user_id for n in db.session.scalars(select(Notification)) if n.id not in already_told}
    assert getattr(world, role).id in told
    assert user.id not in told

    assert role in user.roles_in(world.employer.id)
    assert services.may_decide(user, request, TODAY) is False
    assert request not in request_lists.decidable_requests(user, world.employer, TODAY)
    for how in ("approve", "reject"):
        _refused(user, request, how, "Nobody decides on their own request.")


def test_a_request_entered_by_someone_counts_as_theirs(world):
    """``requested_by`` also makes a request one's own (e.g. entered for a colleague by an admin)."""
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    request.requested_by_id = world.manager.id
    db.session.commit()
    assert services.may_decide(world.manager, request, TODAY) is False
    _refused(world.manager, request, "approve", "Nobody decides on their own request.")


@pytest.mark.parametrize("who", ["admin", "accountant", "worker"])
def test_only_the_approver_decides(world, who):
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    stranger = getattr(world, who)
    if who == "worker":
        _refused(stranger, request, "approve", "Nobody decides on their own request.")
        return
    assert services.may_decide(stranger, request, TODAY) is False
    for how in ("approve", "reject"):
        _refused(stranger, request, how, "You are not the approver of this request.")


# The deputy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (date(2026, 2, 9), False),  # the day before the range
        (date(2026, 2, 10), True),  # its first day
        (date(2026, 2, 15), True),
        (date(2026, 2, 20), True),  # its last day
        (date(2026, 2, 21), False),  # the day after
    ],
)
def test_the_deputy_decides_only_inside_the_range(world, today, allowed):
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)), today=today)
    db.session.commit()

    assert services.may_decide(world.deputy, request, today) is allowed
    assert (request in request_lists.decidable_requests(world.deputy, world.employer, today)) is allowed
    assert services.approvers_of(world.employee, today) == (
        {world.manager.id, world.deputy.id} if allowed else {world.manager.id})
    # The approver keeps deciding during the deputy's range.
    assert services.may_decide(world.manager, request, today) is True
    if allowed:
        services.approve(actor=world.deputy, request=request, today=today)
        db.session.commit()
        assert (request.status, request.decided_by_id) == (RequestStatus.APPROVED, world.deputy.id)
    else:
        for how in ("approve", "reject"):
            _refused(world.deputy, request, how, "You are not the approver of this request.", today=today)


def test_a_deputy_without_a_complete_range_never_decides(world):
    world.employee.deputy_until = None
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    assert services.may_decide(world.deputy, request, date(2026, 2, 15)) is False


# The second step -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "accountant"])
def test_a_second_step_after_the_approver(world, role):
    world.guidance.second_step_role = role
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    db.session.commit()

    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    assert (request.status, request.first_decided_by_id, request.decided_by_id) == (
        RequestStatus.SECOND_STEP, world.manager.id, None)
    assert rows_of(request) == [(EntryKind.RESERVATION, Decimal("-2.00"))]  # still only reserved
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "leave.first_approved")) is not None
    second = getattr(world, role)
    assert request in request_lists.decidable_requests(second, world.employer, TODAY)
    assert request not in request_lists.decidable_requests(world.manager, world.employer, TODAY)
    assert second.id in {n.user_id for n in db.session.scalars(select(Notification))}
    # The approver cannot take the second step too.
    assert services.may_decide(world.manager, request, TODAY) is False
    _refused(world.manager, request, "approve", "You are not the approver of this request.")

    services.approve(actor=second, request=request, today=TODAY)
    db.session.commit()
    assert (request.status, request.first_decided_by_id, request.decided_by_id) == (
        RequestStatus.APPROVED, world.manager.id, second.id)
    assert rows_of(request) == [(EntryKind.RESERVATION, Decimal("-2.00")), (EntryKind.RELEASE, Decimal("2.00")),
                                (EntryKind.CONSUMPTION, Decimal("-2.00"))]


def test_the_same_person_cannot_take_both_steps(world):
    world.guidance.second_step_role = "admin"
    world.employee.approver_id = world.admin.id  # the approver is also an admin
    other_admin = factories.user(roles={world.employer: "admin"}, name="Otto Other")
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    services.approve(actor=world.admin, request=request, today=TODAY)
    db.session.commit()
    assert request.status == RequestStatus.SECOND_STEP

    assert services.may_decide(world.admin, request, TODAY) is False
    assert request not in request_lists.decidable_requests(world.admin, world.employer, TODAY)
    _refused(world.admin, request, "approve", "You are not the approver of this request.")
    assert rows_of(request) == [(EntryKind.RESERVATION, Decimal("-2.00"))]

    services.approve(actor=other_admin, request=request, today=TODAY)
    db.session.commit()
    assert (request.status, request.decided_by_id) == (RequestStatus.APPROVED, other_admin.id)
    assert [kind for kind, _ in rows_of(request)].count(EntryKind.CONSUMPTION) == 1


def test_a_rejection_or_withdrawal_at_the_second_step_releases(world):
    world.guidance.second_step_role = "accountant"
    first = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    second = world.submit(world.days(date(2026, 3, 4), date(2026, 3, 4)))
    for request in (first, second):
        services.approve(actor=world.manager, request=request, today=TODAY)
    services.reject(actor=world.accountant, request=first, reason="Budget", today=TODAY)
    services.withdraw(actor=world.worker, request=second)
    db.session.commit()

    assert (first.status, first.decided_by_id, first.decision_reason) == (
        RequestStatus.REJECTED, world.accountant.id, "Budget")
    assert rows_of(first) == [(EntryKind.RESERVATION, Decimal("-2.00")), (EntryKind.RELEASE, Decimal("2.00"))]
    assert second.status == RequestStatus.WITHDRAWN
    assert rows_of(second) == [(EntryKind.RESERVATION, Decimal("-1.00")), (EntryKind.RELEASE, Decimal("1.00"))]


# Cancellation asked by the employee, decided by the approver ---------------------------------


@pytest.mark.parametrize("how", ["decide_cancellation", "approve"])
def test_the_approver_accepts_a_cancellation(world, how):
    request = bring_to(world, world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3))), "cancellation_requested")
    db.session.commit()
    assert request in request_lists.decidable_requests(world.manager, world.employer, TODAY)

    if how == "approve":
        services.approve(actor=world.manager, request=request, today=TODAY)
    else:
        services.decide_cancellation(actor=world.manager, request=request, accept=True, today=TODAY)
    db.session.commit()
    assert (request.status, request.decided_by_id) == (RequestStatus.CANCELLED, world.manager.id)
    assert rows_of(request)[-1] == (EntryKind.RESTORATION, Decimal("2.00"))
    assert world.worker.id in {n.user_id for n in db.session.scalars(select(Notification))}


@pytest.mark.parametrize("how", ["decide_cancellation", "reject"])
def test_the_approver_refuses_a_cancellation(world, how):
    request = bring_to(world, world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3))), "cancellation_requested")
    db.session.commit()
    rows = rows_of(request)

    if how == "reject":
        services.reject(actor=world.manager, request=request, reason="We need you that week", today=TODAY)
    else:
        services.decide_cancellation(actor=world.manager, request=request, accept=False, today=TODAY,
                                     reason="We need you that week")
    db.session.commit()
    assert (request.status, request.decision_reason) == (RequestStatus.APPROVED, "We need you that week")
    assert rows_of(request) == rows  # still used, nothing restored
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "leave.cancellation_refused")) is not None


@pytest.mark.parametrize("accept", [True, False])
def test_no_cancellation_to_decide_on_a_request_still_waiting(world, accept):
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    db.session.commit()
    before = counts()
    with pytest.raises(LeaveError, match="Nobody asked to cancel this request."):
        services.decide_cancellation(actor=world.manager, request=request, accept=accept, today=TODAY)
    db.session.rollback()
    assert (request.status, counts()) == (RequestStatus.PENDING, before)


def test_a_stranger_does_not_decide_a_cancellation(world):
    request = bring_to(world, world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3))), "cancellation_requested")
    for how in DECISIONS:
        _refused(world.admin, request, how, "You are not the approver of this request.")


# A decision that comes too late --------------------------------------------------------------


@pytest.mark.parametrize("status", ["approved", "rejected", "withdrawn", "cancelled"])
def test_a_request_already_decided_is_not_decided_again(world, status):
    request = bring_to(world, world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3))), status)
    db.session.commit()
    for how in ("approve", "reject"):
        _refused(world.manager, request, how, "already decided on this request")


def test_a_decision_taken_meanwhile_by_someone_else_stands(world):
    """The approver's screen still shows the request pending; the deputy approved it meanwhile."""
    today = date(2026, 2, 15)
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)), today=today)
    db.session.commit()
    db.session.execute(update(LeaveRequest).where(LeaveRequest.id == request.id)
                       .values(status=RequestStatus.APPROVED, decided_by_id=world.deputy.id)
                       .execution_options(synchronize_session=False))
    assert request.status == RequestStatus.PENDING  # the stale copy the approver acts on

    before = counts()
    with pytest.raises(LeaveError) as info:
        services.reject(actor=world.manager, request=request, reason="No", today=today)
    assert str(info.value) == "Dirk Deputy already decided on this request: Approved."
    db.session.rollback()
    assert counts() == before


def test_the_employee_is_told_of_the_decision(world, outbox):
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    db.session.commit()
    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    told = [n.user_id for n in db.session.scalars(select(Notification).order_by(Notification.id))]
    assert told == [world.manager.id, world.worker.id]
    recipients = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"]
                  for path in outbox()]
    assert recipients == [world.manager.email, world.worker.email]


# Features that follow a decision -------------------------------------------------------------


@pytest.mark.parametrize("how", ["approve", "reject"])
def test_a_feature_that_cannot_follow_the_decision_refuses_it_and_nothing_stays(world, how):
    """A receiver of ``leave_decided`` that raises LeaveError vetoes: the caller rolls the decision back."""
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    db.session.commit()
    before = counts()

    def veto(sender, **_ignored):
        raise LeaveError("The co-funding cannot follow.")

    with leave_decided.connected_to(veto), pytest.raises(LeaveError, match="The co-funding cannot follow."):
        _decide(how, world.manager, request)
    db.session.rollback()
    assert (request.status, counts()) == (RequestStatus.PENDING, before)


# Run in a fresh interpreter that imports the factory and nothing of funding: the app alone connects it.
DECIDED_WITH_CO_FUNDING = """
import sys
from datetime import date

from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app

settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    db.create_all()
    from ila_sme.leave import services
    from tests import factories

    employer = factories.employer()
    manager = factories.user(roles={employer: "manager"})
    worker = factories.user(roles={employer: "employee"})
    employee = factories.employee(employer, user_id=worker.id, approver_id=manager.id)
    leave = factories.leave_request(employee, worker)
    funding = factories.funding_request(employee, worker, kind="course-fee", leave_request_id=leave.id)
    services.reject(actor=manager, request=leave, reason="Busy season", today=date(2026, 2, 2))
    db.session.commit()
    print(leave.status, funding.status)
"""


def test_the_app_makes_the_co_funding_follow_a_leave_decision(tmp_path):
    """Building the app connects funding's receiver: rejecting the leave rejects its co-funding."""
    result = subprocess.run(
        [sys.executable, "-c", DECIDED_WITH_CO_FUNDING, f"sqlite:///{tmp_path / 'app.sqlite3'}"],
        cwd=PROJECT_ROOT, env={**os.environ, "ILA_INSTANCE_PATH": str(tmp_path / "instance")}, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["rejected", "rejected"]
