"""The co-funding request's own predicates (its state) and who may decide, withdraw or cancel it
(funding/permissions.py), enforced by the services as well as shown by the views."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding import permissions, services
from ila_sme.funding.models import Contribution, ContributionStatus, FundingRequest, FundingStatus
from ila_sme.leave import services as leave_services
from ila_sme.leave.models import LeaveRequest, RequestStatus
from tests.funding.conftest import COURSE_END, COURSE_START, TODAY, refused

#                     undecided, waits_for_admin, approved, withdrawable, cancellable
STATES = {
    FundingStatus.PENDING: (True, False, False, True, False),
    FundingStatus.SECOND_STEP: (True, True, False, True, False),
    FundingStatus.APPROVED: (False, False, True, False, True),
    FundingStatus.REJECTED: (False, False, False, False, False),
    FundingStatus.CANCELLED: (False, False, False, False, False),
}


@pytest.mark.parametrize("status", list(FundingStatus))
def test_the_state_predicates_of_a_request(status):
    funding = FundingRequest(status=status, kind="top-up")
    assert (funding.is_undecided, funding.waits_for_admin, funding.is_approved, funding.withdrawable,
            funding.cancellable) == STATES[status]
    assert funding.is_top_up and not FundingRequest(status=status, kind="course-fee").is_top_up
    assert funding.decided_with_leave is False  # no leave request


@pytest.mark.parametrize("funding_status, leave_status, expected", [
    (FundingStatus.PENDING, RequestStatus.PENDING, True),
    (FundingStatus.SECOND_STEP, RequestStatus.SECOND_STEP, True),
    (FundingStatus.PENDING, RequestStatus.APPROVED, False),  # the leave was decided: it no longer waits on it
    (FundingStatus.APPROVED, RequestStatus.PENDING, False),  # decided on its own, first
])
def test_a_request_asked_with_a_leave_is_decided_with_it_while_both_wait(funding_status, leave_status, expected):
    funding = FundingRequest(status=funding_status, leave_request=LeaveRequest(status=leave_status))
    assert funding.decided_with_leave is expected


@pytest.mark.parametrize("status, cancellable", [
    (ContributionStatus.PENDING, True), (ContributionStatus.FAILED, True), (ContributionStatus.SENT, False),
    (ContributionStatus.BOOKED, False), (ContributionStatus.CANCELLED, False), (ContributionStatus.REVERSED, False),
])
def test_only_a_contribution_not_sent_can_be_cancelled(status, cancellable):
    assert Contribution(status=status).cancellable is cancellable


# Who may withdraw or cancel --------------------------------------------------------------------


def _contribution(funding) -> Contribution:
    return db.session.scalar(select(Contribution).where(Contribution.funding_request_id == funding.id))


@pytest.mark.parametrize("who, on_pending, on_approved", [
    ("worker", True, False),  # the employee it is for withdraws; an approved one is the admin's to cancel
    ("other_manager", True, False),  # who asked (granted the top-up) may withdraw it too
    ("manager", False, False),  # a manager not involved refuses a waiting one, with a reason
    ("admin", False, True),
])
def test_who_may_withdraw_or_cancel(world, who, on_pending, on_approved):
    user = getattr(world, who)
    pending, approved = world.top_up("100.00"), world.approved_top_up("200.00", world.colleague)
    approved_for_worker = world.approved_top_up("300.00")
    db.session.commit()

    assert permissions.may_cancel(user, pending) is on_pending
    assert (permissions.cancel_refusal(user, pending) is None) is on_pending
    assert permissions.may_cancel(user, approved, _contribution(approved)) is on_approved
    assert permissions.may_cancel(user, approved_for_worker, _contribution(approved_for_worker)) is (
        who == "admin")
    assert permissions.may_try_cancel(user, pending) is (who != "manager")


def test_an_approved_request_whose_contribution_was_sent_offers_no_cancel(world):
    funding = world.approved_top_up("200.00")
    contribution = _contribution(funding)
    assert permissions.may_cancel(world.admin, funding, contribution) is True
    contribution.status = ContributionStatus.SENT
    assert permissions.may_cancel(world.admin, funding, contribution) is False


def test_the_service_refuses_a_manager_cancelling_an_approved_request(world):
    funding = world.approved_top_up("600.00")
    refused(lambda: services.cancel(actor=world.manager, funding=funding, reason="Changed plans"),
            "Only an admin cancels approved co-funding.")
    assert db.session.get(FundingRequest, funding.id).status == FundingStatus.APPROVED
    assert services.budget_position(world.employer, 2026).reserved == Decimal("600.00")


def test_the_service_refuses_to_withdraw_someone_elses_waiting_request(world):
    funding = world.ask(cost="1000.00", employer="400.00")  # Wim asks
    refused(lambda: services.cancel(actor=world.admin, funding=funding),
            "A request that waits for a decision is refused, with a reason, not cancelled.")
    services.cancel(actor=world.worker, funding=funding)
    assert funding.status == FundingStatus.CANCELLED


def test_a_leave_withdrawn_by_the_employee_still_cancels_its_approved_co_funding(world, leave_types):
    """The leave's decision carries its co-funding along: nobody's role is asked for then."""
    data = leave_services.RequestInput(leave_type=leave_types["training"], start_date=COURSE_START,
                                       end_date=COURSE_END, training=world.course, hours_per_day=Decimal("8"))
    leave = leave_services.submit(actor=world.worker, employee=world.employee, data=data, today=TODAY)
    funding = world.ask(cost="2000.00", employer="1000.00", account="300.00", leave_request=leave)
    assert permissions.may_decide(world.other_manager, funding) and funding.decided_with_leave
    assert not permissions.may_decide_here(world.other_manager, funding)
    services.approve(actor=world.other_manager, funding=funding, today=TODAY)
    db.session.commit()

    leave_services.withdraw(actor=world.worker, request=leave, today=TODAY)
    assert (funding.status, funding.decision_reason) == (FundingStatus.CANCELLED, "The training leave was withdrawn.")
