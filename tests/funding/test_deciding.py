"""Deciding on co-funding: nobody decides on their own, the admin's second step above the policy's
amount, the reservation and the contribution an approval writes, refusing, cancelling, booking,
the budget position through all of it, the policy's budget, and the audit trail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import (
    BudgetEntry,
    BudgetMove,
    Contribution,
    ContributionStatus,
    FundingRequest,
    FundingStatus,
)
from tests import factories
from tests.funding.conftest import TODAY, YEAR, account, audit_actions, count, counts, eur, refused, set_policy

BOOKED_AT = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def position(world, year: int = YEAR) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    p = services.budget_position(world.employer, year)
    return p.budget, p.reserved, p.booked, p.remaining


def entries(funding) -> list[tuple[str, int]]:
    return [(row.kind, row.amount_cents) for row in db.session.scalars(
        select(BudgetEntry).where(BudgetEntry.funding_request_id == funding.id).order_by(BudgetEntry.id))]


def contribution_of(funding) -> Contribution:
    return db.session.scalar(select(Contribution).where(Contribution.funding_request_id == funding.id))


# Nobody decides on their own co-funding -------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_manager_or_admin_who_is_the_employee_cannot_decide(world, role):
    user = factories.user(roles={world.employer: [role, "employee"]}, name="Sam Self")
    record = factories.employee(world.employer, user_id=user.id, approver_id=user.id)
    account(record, "0.00")
    funding = world.top_up("100.00", record)  # granted by Olaf, for Sam
    db.session.commit()

    assert services.may_decide(user, funding) is False
    refused(lambda: services.approve(actor=user, funding=funding, today=TODAY),
            "Nobody decides on their own co-funding.")
    refused(lambda: services.reject(actor=user, funding=funding, reason="Mine"),
            "Nobody decides on their own co-funding.")
    assert db.session.get(FundingRequest, funding.id).status == FundingStatus.PENDING


def test_the_manager_who_granted_a_top_up_does_not_approve_it(world):
    funding = world.top_up("100.00")  # requested by Olaf
    assert services.may_decide(world.other_manager, funding) is False
    refused(lambda: services.approve(actor=world.other_manager, funding=funding, today=TODAY),
            "Nobody decides on their own co-funding.")
    assert services.approve(actor=world.manager, funding=funding, today=TODAY).status == FundingStatus.APPROVED


@pytest.mark.parametrize("role", ["employee", "accountant"])
def test_employees_and_accountants_do_not_decide(world, role):
    user = factories.user(roles={world.employer: role})
    funding = world.top_up("100.00")
    db.session.commit()
    assert services.may_decide(user, funding) is False
    refused(lambda: services.approve(actor=user, funding=funding, today=TODAY),
            "You may not decide on this co-funding.")


def test_a_manager_of_another_employer_does_not_decide(world):
    stranger = factories.user(roles={factories.employer(): "manager"})
    funding = world.top_up("100.00")
    refused(lambda: services.approve(actor=stranger, funding=funding, today=TODAY),
            "You may not decide on this co-funding.")


# The admin's second step ----------------------------------------------------------------------


def test_up_to_the_threshold_a_managers_approval_is_final(world):
    funding = world.top_up("1000.00")  # admin_approval_above: 1,000.00
    services.approve(actor=world.manager, funding=funding, today=TODAY)
    assert (funding.status, funding.decided_by_id, funding.first_decided_by_id) == (
        FundingStatus.APPROVED, world.manager.id, world.manager.id)
    assert entries(funding) == [(BudgetMove.RESERVATION, 100000)]


def test_above_the_threshold_a_manager_approves_first_and_another_admin_decides(world):
    funding = world.top_up("1000.01")
    db.session.commit()

    services.approve(actor=world.manager, funding=funding, today=TODAY)
    db.session.commit()
    assert (funding.status, funding.first_decided_by_id, funding.decided_by_id) == (
        FundingStatus.SECOND_STEP, world.manager.id, None)
    assert entries(funding) == [] and contribution_of(funding) is None  # nothing reserved yet
    assert position(world)[1] == Decimal("0.00")

    # Neither the first approver again, nor another manager: an admin.
    for actor in (world.manager, factories.user(roles={world.employer: "manager"})):
        assert services.may_decide(actor, funding) is False
        refused(lambda actor=actor: services.approve(actor=actor, funding=funding, today=TODAY),
                "You may not decide on this co-funding.")
    assert services.may_decide(world.admin, funding) is True

    services.approve(actor=world.admin, funding=funding, today=TODAY)
    db.session.commit()
    assert (funding.status, funding.first_decided_by_id, funding.decided_by_id) == (
        FundingStatus.APPROVED, world.manager.id, world.admin.id)
    assert entries(funding) == [(BudgetMove.RESERVATION, 100001)]
    assert contribution_of(funding).amount == Decimal("1000.01")
    assert audit_actions(funding) == ["funding.requested", "funding.first_approved", "funding.approved"]


def test_the_admin_who_made_the_first_step_does_not_make_the_second(world):
    funding = world.top_up("1200.00")
    # The first step was taken by Abe (e.g. as a manager before he became admin).
    db.session.execute(update(FundingRequest).where(FundingRequest.id == funding.id).values(
        status=FundingStatus.SECOND_STEP, first_decided_by_id=world.other_admin.id))
    db.session.commit()
    db.session.refresh(funding)
    assert services.may_decide(world.other_admin, funding) is False
    refused(lambda: services.approve(actor=world.other_admin, funding=funding, today=TODAY),
            "You may not decide on this co-funding.")
    assert services.approve(actor=world.admin, funding=funding, today=TODAY).status == FundingStatus.APPROVED


def test_an_admin_approves_above_the_threshold_in_one_step(world):
    funding = world.top_up("1200.00")
    services.approve(actor=world.other_admin, funding=funding, today=TODAY)
    assert (funding.status, funding.decided_by_id) == (FundingStatus.APPROVED, world.other_admin.id)


def test_an_admin_can_refuse_at_the_second_step(world):
    funding = world.top_up("1200.00")
    services.approve(actor=world.manager, funding=funding, today=TODAY)
    services.reject(actor=world.admin, funding=funding, reason="Over the team's share")
    assert (funding.status, funding.decision_reason, entries(funding)) == (
        FundingStatus.REJECTED, "Over the team's share", [])


# What an approval writes ----------------------------------------------------------------------


def test_approval_reserves_the_budget_and_stores_a_pending_contribution_before_anything_is_sent(world):
    funding = world.ask(cost="2000.00", employer="1000.00", account="300.00")
    db.session.commit()

    services.approve(actor=world.manager, funding=funding, today=TODAY)
    db.session.commit()
    db.session.expire_all()  # read back what is stored

    entry = db.session.scalar(select(BudgetEntry).where(BudgetEntry.funding_request_id == funding.id))
    assert (entry.kind, entry.amount_cents, entry.year, entry.employer_id, entry.actor_id) == (
        BudgetMove.RESERVATION, 100000, YEAR, world.employer.id, world.manager.id)
    contribution = contribution_of(funding)
    assert (contribution.reference, contribution.status, contribution.amount_cents, contribution.kind) == (
        "C-2026-000001", ContributionStatus.PENDING, 100000, "course-fee")
    assert (contribution.employee_id, contribution.registry_id, contribution.period, contribution.currency) == (
        world.employee.id, world.course.registry_id, "2026-03", "EUR")
    assert re.fullmatch(r"[0-9a-f]{32}", contribution.idempotency_key)
    assert (contribution.entry_id, contribution.booked_at) == (None, None)  # nothing sent, nothing booked
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution.created"))
    assert event.after == {"reference": "C-2026-000001", "amount": "1000.00"}


def test_references_are_sequential_per_employer_and_keys_unique(world):
    references, keys = [], set()
    for person in (world.employee, world.colleague):
        contribution = contribution_of(world.approved_top_up("100.00", person))
        references.append(contribution.reference)
        keys.add(contribution.idempotency_key)
    other = factories.employer("Ander Bedrijf")
    other_admin = factories.user(roles={other: "admin"})
    set_policy(other, other_admin)
    person = factories.employee(other)
    funding = world.top_up("100.00", person, actor=other_admin)
    services.approve(actor=factories.user(roles={other: "manager"}), funding=funding, today=TODAY)
    references.append(contribution_of(funding).reference)
    keys.add(contribution_of(funding).idempotency_key)
    db.session.commit()

    assert references == ["C-2026-000001", "C-2026-000002", "C-2026-000001"]
    assert len(keys) == 3


def test_a_cancelled_contribution_keeps_its_number(world):
    first = world.approved_top_up("100.00")
    services.cancel(actor=world.admin, funding=first, reason="Course cancelled")
    second = world.approved_top_up("100.00", world.colleague)
    assert (contribution_of(first).reference, contribution_of(first).status) == (
        "C-2026-000001", ContributionStatus.CANCELLED)
    assert contribution_of(second).reference == "C-2026-000002"


def test_an_approval_in_january_draws_on_the_year_it_was_asked_for(world):
    world.policy_with(year=2027, budget="0.00")  # nothing to give in 2027
    funding = world.top_up("100.00")  # asked in 2026
    db.session.commit()
    services.approve(actor=world.manager, funding=funding, today=date(2027, 1, 4))
    assert entries(funding) == [(BudgetMove.RESERVATION, 10000)]
    assert contribution_of(funding).reference == "C-2026-000001"
    assert position(world, 2026)[1:] == (Decimal("100.00"), Decimal("0.00"), Decimal("9900.00"))
    assert position(world, 2027)[1:] == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_a_request_without_employer_money_reserves_nothing(world):
    funding = world.ask(cost="1000.00", account="300.00", vouchers="200.00")
    services.approve(actor=world.manager, funding=funding, today=TODAY)
    assert (funding.status, entries(funding), contribution_of(funding)) == (FundingStatus.APPROVED, [], None)


# Deciding twice -------------------------------------------------------------------------------


def test_a_decided_request_is_not_decided_again(world):
    funding = world.approved_top_up("100.00")
    db.session.commit()
    refused(lambda: services.approve(actor=world.manager, funding=funding, today=TODAY),
            "This co-funding was already decided: Approved.")
    refused(lambda: services.reject(actor=world.manager, funding=funding, reason="Too late"),
            "This co-funding was already decided: Approved.")
    assert entries(funding) == [(BudgetMove.RESERVATION, 10000)]


def test_an_approval_that_comes_too_late_reserves_nothing(world):
    """What a second manager sees who loaded the request before the first one approved it."""
    funding = world.top_up("100.00")
    db.session.commit()
    db.session.execute(update(FundingRequest).where(FundingRequest.id == funding.id)
                       .values(status=FundingStatus.APPROVED, decided_by_id=world.other_admin.id)
                       .execution_options(synchronize_session=False))  # another connection's decision
    assert funding.status == FundingStatus.PENDING  # this session still sees it pending

    with pytest.raises(services.FundingError, match="Someone else already decided on this co-funding: Approved."):
        services.approve(actor=world.manager, funding=funding, today=TODAY)
    assert (entries(funding), contribution_of(funding)) == ([], None)


# Refusing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_refusal_needs_a_reason(world, reason):
    funding = world.top_up("100.00")
    refused(lambda: services.reject(actor=world.manager, funding=funding, reason=reason), "A refusal needs a reason.")
    assert db.session.get(FundingRequest, funding.id).status == FundingStatus.PENDING


def test_a_refusal_stores_its_reason_and_reserves_nothing(world):
    funding = world.top_up("100.00")
    services.reject(actor=world.manager, funding=funding, reason="  Not in the training plan  ")
    db.session.commit()
    assert (funding.status, funding.decision_reason, funding.decided_by_id) == (
        FundingStatus.REJECTED, "Not in the training plan", world.manager.id)
    assert (entries(funding), contribution_of(funding)) == ([], None)
    assert audit_actions(funding) == ["funding.requested", "funding.rejected"]


# Cancelling and booking -----------------------------------------------------------------------


def test_cancelling_an_approved_request_releases_its_budget_and_cancels_its_contribution(world):
    funding = world.approved_top_up("600.00")
    assert position(world) == (Decimal("10000.00"), Decimal("600.00"), Decimal("0.00"), Decimal("9400.00"))

    services.cancel(actor=world.admin, funding=funding, reason="The course was cancelled")
    db.session.commit()
    assert (funding.status, funding.decision_reason) == (FundingStatus.CANCELLED, "The course was cancelled")
    assert entries(funding) == [(BudgetMove.RESERVATION, 60000), (BudgetMove.RELEASE, 60000)]
    assert contribution_of(funding).status == ContributionStatus.CANCELLED
    assert position(world) == (Decimal("10000.00"), Decimal("0.00"), Decimal("0.00"), Decimal("10000.00"))
    refused(lambda: services.cancel(actor=world.manager, funding=funding),
            "This co-funding can no longer be cancelled: Cancelled.")


def test_cancelling_a_pending_request_touches_no_budget(world):
    funding = world.top_up("600.00")
    services.cancel(actor=world.worker, funding=funding)
    assert (funding.status, entries(funding)) == (FundingStatus.CANCELLED, [])


@pytest.mark.parametrize("status", [ContributionStatus.SENT, ContributionStatus.BOOKED])
def test_a_sent_or_booked_contribution_is_not_cancelled(world, status):
    funding = world.approved_top_up("600.00")
    contribution = contribution_of(funding)
    if status == ContributionStatus.BOOKED:
        services.mark_booked(contribution, entry_id="E-1", booked_at=BOOKED_AT)
    else:
        contribution.status = ContributionStatus.SENT
    db.session.commit()

    refused(lambda: services.cancel(actor=world.admin, funding=funding),
            "it needs a reversal through the reconciliation, not a cancellation.")
    db.session.expire_all()
    assert (funding.status, contribution.status) == (FundingStatus.APPROVED, status)


def test_booking_turns_the_reservation_into_consumption_once(world):
    funding = world.approved_top_up("600.00")
    contribution = contribution_of(funding)

    services.mark_booked(contribution, entry_id="E-42", booked_at=BOOKED_AT)
    services.mark_booked(contribution, entry_id="E-42", booked_at=BOOKED_AT)  # told twice: nothing more
    db.session.commit()
    db.session.expire_all()
    assert (contribution.status, contribution.entry_id, contribution.booked_at) == (
        ContributionStatus.BOOKED, "E-42", BOOKED_AT)
    assert entries(funding) == [(BudgetMove.RESERVATION, 60000), (BudgetMove.CONSUMPTION, 60000)]
    assert position(world) == (Decimal("10000.00"), Decimal("0.00"), Decimal("600.00"), Decimal("9400.00"))
    assert audit_actions(contribution) == ["contribution.created", "contribution.booked"]


def test_a_cancelled_contribution_is_never_booked(world):
    funding = world.approved_top_up("600.00")
    contribution = contribution_of(funding)
    services.cancel(actor=world.admin, funding=funding)
    db.session.commit()
    refused(lambda: services.mark_booked(contribution, entry_id="E-1", booked_at=BOOKED_AT),
            "Contribution C-2026-000001 is cancelled: it cannot be booked.")
    assert position(world)[1:3] == (Decimal("0.00"), Decimal("0.00"))


def test_the_budget_position_through_approvals_bookings_and_cancellations(world):
    budget = Decimal("10000.00")
    assert position(world) == (budget, Decimal("0.00"), Decimal("0.00"), budget)

    pending = world.top_up("300.00")
    assert position(world) == (budget, Decimal("0.00"), Decimal("0.00"), budget)  # asking reserves nothing

    a = world.approved_top_up("600.00", world.colleague)
    b = world.approved_top_up("400.00")
    assert position(world) == (budget, Decimal("1000.00"), Decimal("0.00"), Decimal("9000.00"))

    services.mark_booked(contribution_of(a), entry_id="E-1", booked_at=BOOKED_AT)
    assert position(world) == (budget, Decimal("400.00"), Decimal("600.00"), Decimal("9000.00"))

    services.cancel(actor=world.admin, funding=b)
    assert position(world) == (budget, Decimal("0.00"), Decimal("600.00"), Decimal("9400.00"))

    services.reject(actor=world.manager, funding=pending, reason="No")
    db.session.commit()
    assert position(world) == (budget, Decimal("0.00"), Decimal("600.00"), Decimal("9400.00"))
    assert services.budget_position(factories.employer(), YEAR).remaining == Decimal("0.00")  # no policy


# The policy -----------------------------------------------------------------------------------


def test_the_budget_cannot_drop_below_what_is_reserved_and_booked(world):
    a = world.approved_top_up("600.00", world.colleague)
    world.approved_top_up("400.00")
    services.mark_booked(contribution_of(a), entry_id="E-1", booked_at=BOOKED_AT)
    db.session.commit()

    message = refused(lambda: world.policy_with(budget="999.99"))
    assert message == f"{eur('1000.00')} is already reserved or booked this year: the budget cannot be lower."
    assert world.policy.budget == Decimal("10000.00")

    world.policy_with(budget="1000.00")
    db.session.commit()
    assert position(world) == (Decimal("1000.00"), Decimal("400.00"), Decimal("600.00"), Decimal("0.00"))
    refused(lambda: world.top_up("0.01", world.colleague), f"has {eur('0.00')} left: {eur('0.01')} too much.")


@pytest.mark.parametrize(("fields", "message"), [
    ({"budget": "-0.01"}, "Amounts cannot be negative."),
    ({"cap_per_employee": "100.001"}, "Amounts have at most two decimals."),
    ({"max_share_pct": "100.01"}, "The largest share is a percentage from 0 to 100."),
    ({"max_share_pct": "-1"}, "The largest share is a percentage from 0 to 100."),
])
def test_a_policy_with_impossible_numbers_is_refused(world, fields, message):
    assert refused(lambda: world.policy_with(**fields)) == message


def test_saving_the_policy_is_audited_with_what_changed(world):
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cofunding_policy.saved"))
    assert created.after["budget"] == "10000.00" and created.actor_id == world.admin.id

    world.policy_with(budget="12000.00", admin_approval_above=None)
    world.policy_with(budget="12000.00", admin_approval_above=None)  # no change: no event
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cofunding_policy.saved")
                                     .order_by(AuditEvent.id)))
    assert len(events) == 2
    assert (events[1].before, events[1].after) == (
        {"budget": "10000.00", "admin_approval_above": "1000.00"}, {"budget": "12000.00", "admin_approval_above": None})


# Every change is audited ----------------------------------------------------------------------


def test_every_change_writes_an_audit_event(world):
    before = count(AuditEvent)
    approved = world.top_up("1200.00")
    services.approve(actor=world.manager, funding=approved, today=TODAY)
    services.approve(actor=world.admin, funding=approved, today=TODAY)
    contribution = contribution_of(approved)
    services.mark_booked(contribution, entry_id="E-1", booked_at=BOOKED_AT)
    rejected = world.top_up("100.00", world.colleague)
    services.reject(actor=world.manager, funding=rejected, reason="No")
    cancelled = world.approved_top_up("100.00", world.colleague)
    services.cancel(actor=world.admin, funding=cancelled, reason="Changed plans")
    db.session.commit()

    assert audit_actions(approved) == ["funding.requested", "funding.first_approved", "funding.approved"]
    assert audit_actions(contribution) == ["contribution.created", "contribution.booked"]
    assert audit_actions(rejected) == ["funding.requested", "funding.rejected"]
    assert audit_actions(cancelled) == ["funding.requested", "funding.approved", "funding.cancelled"]
    assert count(AuditEvent) - before == 11
    actors = dict(db.session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.object_type == "FundingRequest", AuditEvent.object_id == str(approved.id))).all())
    assert actors == {"funding.requested": world.other_manager.id, "funding.first_approved": world.manager.id,
                      "funding.approved": world.admin.id}
    assert counts()["contributions"] == 2
