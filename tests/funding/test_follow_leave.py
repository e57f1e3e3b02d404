"""A leave request's co-funding follows the leave decision, in the same transaction: approving the
leave approves it (or the leave approval fails, and nothing is written), rejecting, withdrawing or
cancelling the leave rejects or cancels it and gives its budget back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution, ContributionStatus, FundingStatus
from ila_sme.leave import services as leave_services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import LeaveRequest, LedgerEntry, RequestStatus
from ila_sme.notifications.models import Notification
from tests.funding.conftest import COURSE_END, COURSE_START, TODAY, count, counts, eur


@pytest.fixture
def leave(world, leave_types) -> LeaveRequest:
    """Wim asks three days of Flemish training leave (24 h) for the registry course."""
    data = leave_services.RequestInput(leave_type=leave_types["training"], start_date=COURSE_START,
                                       end_date=COURSE_END, training=world.course, hours_per_day=Decimal("8"))
    request = leave_services.submit(actor=world.worker, employee=world.employee, data=data, today=TODAY)
    db.session.commit()
    return request


def ask_on(world, leave, employer: str = "1000.00"):
    """The co-funding asked with the leave: the employer pays half the €2,000.00, the account €300.00."""
    funding = world.ask(cost="2000.00", employer=employer, account="300.00", leave_request=leave)
    db.session.commit()
    return funding


def everything() -> dict:
    return {**counts(), "audit": count(AuditEvent), "ledger": count(LedgerEntry), "notifications": count(Notification)}


def committed_status(model, row_id: int) -> str:
    """The status as another connection sees it: what was committed."""
    with db.engine.connect() as other:
        return other.execute(select(model.status).where(model.id == row_id)).scalar_one()


def test_the_co_funding_is_asked_on_the_leave_request(world, leave):
    funding = ask_on(world, leave)
    assert (funding.leave_request_id, funding.training_id, funding.status) == (
        leave.id, world.course.id, FundingStatus.PENDING)


def test_approving_the_leave_approves_its_co_funding_in_the_same_transaction(world, leave):
    funding = ask_on(world, leave)

    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    # Not committed yet: the leave and its co-funding are decided in one transaction.
    assert committed_status(LeaveRequest, leave.id) == RequestStatus.PENDING
    assert committed_status(type(funding), funding.id) == FundingStatus.PENDING
    db.session.commit()

    db.session.expire_all()
    assert (leave.status, funding.status, funding.decided_by_id) == (
        RequestStatus.APPROVED, FundingStatus.APPROVED, world.manager.id)
    reservation = db.session.scalar(select(BudgetEntry).where(BudgetEntry.funding_request_id == funding.id))
    assert (reservation.kind, reservation.amount_cents) == (BudgetMove.RESERVATION, 100000)
    contribution = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == funding.id))
    assert (contribution.reference, contribution.status, contribution.registry_id) == (
        "C-2026-000001", ContributionStatus.PENDING, world.course.registry_id)
    assert services.budget_position(world.employer, 2026).reserved == Decimal("1000.00")


def test_a_co_funding_that_would_overspend_the_budget_fails_the_leave_approval_and_nothing_is_written(world, leave):
    world.policy_with(budget="1500.00")
    funding = ask_on(world, leave)  # 1,000.00 of 1,500.00: fine when asked
    world.approved_top_up("1000.00", world.colleague)  # meanwhile: 500.00 left
    db.session.commit()
    before = everything()

    with pytest.raises(LeaveError) as raised:
        leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    assert str(raised.value) == ("The co-funding of this request cannot be approved: The co-funding budget has "
                                 f"{eur('500.00')} left: {eur('500.00')} too much.")
    assert committed_status(LeaveRequest, leave.id) == RequestStatus.PENDING  # nothing reached the database
    db.session.rollback()  # as every view does on a refusal

    db.session.expire_all()
    assert (leave.status, leave.decided_by_id, funding.status, funding.decided_by_id) == (
        RequestStatus.PENDING, None, FundingStatus.PENDING, None)
    assert everything() == before
    assert services.budget_position(world.employer, 2026).remaining == Decimal("500.00")

    # With budget again, the same approval goes through.
    world.policy_with(budget="2000.00")
    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    db.session.commit()
    assert (leave.status, funding.status) == (RequestStatus.APPROVED, FundingStatus.APPROVED)


def test_above_the_threshold_the_leave_is_approved_and_its_co_funding_waits_for_an_admin(world, leave):
    world.policy_with(admin_approval_above="999.99")
    funding = ask_on(world, leave)
    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    db.session.commit()
    assert (leave.status, funding.status, funding.first_decided_by_id) == (
        RequestStatus.APPROVED, FundingStatus.SECOND_STEP, world.manager.id)
    assert services.budget_position(world.employer, 2026).reserved == Decimal("0.00")


def test_rejecting_the_leave_rejects_its_co_funding(world, leave):
    funding = ask_on(world, leave)
    leave_services.reject(actor=world.manager, request=leave, reason="Busy season", today=TODAY)
    db.session.commit()
    assert (leave.status, funding.status, funding.decided_by_id, funding.decision_reason) == (
        RequestStatus.REJECTED, FundingStatus.REJECTED, world.manager.id, "The training leave was rejected.")
    assert count(BudgetEntry) == 0


def test_rejecting_the_leave_cancels_a_co_funding_approved_before_it(world, leave):
    funding = ask_on(world, leave)
    services.approve(actor=world.other_manager, funding=funding, today=TODAY)  # decided on its own, first
    db.session.commit()

    leave_services.reject(actor=world.manager, request=leave, reason="Busy season", today=TODAY)
    db.session.commit()
    assert (funding.status, funding.decision_reason) == (FundingStatus.CANCELLED, "The training leave was rejected.")
    position = services.budget_position(world.employer, 2026)
    assert (position.reserved, position.remaining) == (Decimal("0.00"), Decimal("10000.00"))
    assert db.session.scalar(select(Contribution.status)) == ContributionStatus.CANCELLED


def test_withdrawing_the_leave_cancels_its_co_funding(world, leave):
    funding = ask_on(world, leave)
    leave_services.withdraw(actor=world.worker, request=leave)
    db.session.commit()
    assert (leave.status, funding.status, funding.decision_reason) == (
        RequestStatus.WITHDRAWN, FundingStatus.CANCELLED, "The training leave was withdrawn.")
    assert count(BudgetEntry) == 0


def test_cancelling_the_approved_leave_cancels_its_co_funding_and_releases_the_budget(world, leave):
    funding = ask_on(world, leave)
    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    leave_services.ask_cancellation(actor=world.worker, request=leave, reason="The course moved", today=TODAY)
    leave_services.decide_cancellation(actor=world.manager, request=leave, accept=True, today=TODAY)
    db.session.commit()

    assert (leave.status, funding.status, funding.decision_reason) == (
        RequestStatus.CANCELLED, FundingStatus.CANCELLED, "The training leave was cancelled.")
    kinds = list(db.session.scalars(select(BudgetEntry.kind).where(BudgetEntry.funding_request_id == funding.id)
                                    .order_by(BudgetEntry.id)))
    assert kinds == [BudgetMove.RESERVATION, BudgetMove.RELEASE]
    assert db.session.scalar(select(Contribution.status)) == ContributionStatus.CANCELLED
    assert services.budget_position(world.employer, 2026).reserved == Decimal("0.00")


def test_a_leave_cancellation_fails_while_its_contribution_is_booked(world, leave):
    funding = ask_on(world, leave)
    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    contribution = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == funding.id))
    services.mark_booked(contribution, entry_id="E-7", booked_at=datetime(2026, 3, 20, tzinfo=UTC))
    leave_services.ask_cancellation(actor=world.worker, request=leave, reason="The course moved", today=TODAY)
    db.session.commit()
    before = everything()

    with pytest.raises(LeaveError, match="The co-funding of this request cannot be cancelled: The register has"):
        leave_services.decide_cancellation(actor=world.manager, request=leave, accept=True, today=TODAY)
    db.session.rollback()
    db.session.expire_all()
    assert (leave.status, funding.status) == (RequestStatus.CANCELLATION_REQUESTED, FundingStatus.APPROVED)
    assert everything() == before


def test_a_leave_without_co_funding_is_decided_as_before(world, leave):
    leave_services.approve(actor=world.manager, request=leave, today=TODAY)
    db.session.commit()
    assert (leave.status, counts()) == (RequestStatus.APPROVED, {
        "funding_requests": 0, "funding_parts": 0, "budget_entries": 0, "contributions": 0})
