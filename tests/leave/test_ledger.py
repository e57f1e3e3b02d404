"""The leave ledger: append-only signed rows; every balance is their sum, whatever happens."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import balances, jobs, ledger, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LedgerEntry, RequestStatus
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from tests import factories
from tests.leave.conftest import TODAY, bring_to, counts, rows_of

TR, VOV = Scheme.TRAINING_RIGHT, Scheme.VOV


def _snapshot() -> dict[int, tuple]:
    """Every ledger row as it is now, to prove that later steps edit and delete none."""
    db.session.expire_all()
    return {row.id: (row.employee_id, row.scheme, row.period, row.kind, row.amount, row.request_id, row.reason)
            for row in db.session.scalars(select(LedgerEntry))}


def _append_only(before: dict[int, tuple]) -> dict[int, tuple]:
    after = _snapshot()
    assert {key: after[key] for key in before} == before, "a ledger row was edited or deleted"
    return {key: value for key, value in after.items() if key not in before}


def _kinds(new_rows: dict[int, tuple]) -> list[tuple[str, Decimal]]:
    return [(value[3], value[4]) for _, value in sorted(new_rows.items())]


def _balance_adds_up(employee_id: int, scheme: str, period: str) -> ledger.Balance:
    balance = ledger.balance(employee_id, scheme, period)
    rows = list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.employee_id == employee_id, LedgerEntry.scheme == scheme, LedgerEntry.period == period)))
    assert balance.remaining == sum((row.amount for row in rows), Decimal("0"))
    assert balance.remaining == (balance.entitlement + balance.carried_over - balance.expired - balance.used
                                 - balance.reserved)
    assert balance.remaining >= 0
    return balance


@pytest.fixture
def pending(world):
    """A pending request of 2 days of the federal training right (of 5)."""
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    db.session.commit()
    return request


def test_approval_turns_the_reservation_into_consumption(world, pending):
    before = _snapshot()
    services.approve(actor=world.manager, request=pending, today=TODAY)
    db.session.commit()

    assert _kinds(_append_only(before)) == [(EntryKind.RELEASE, Decimal("2.00")),
                                            (EntryKind.CONSUMPTION, Decimal("-2.00"))]
    assert rows_of(pending) == [(EntryKind.RESERVATION, Decimal("-2.00")), (EntryKind.RELEASE, Decimal("2.00")),
                                (EntryKind.CONSUMPTION, Decimal("-2.00"))]
    balance = _balance_adds_up(world.employee.id, TR, "2026")
    assert (balance.entitlement, balance.used, balance.reserved, balance.remaining) == (
        Decimal("5.00"), Decimal("2.00"), Decimal("0.00"), Decimal("3.00"))
    assert (pending.status, pending.decided_by_id, pending.first_decided_by_id) == (
        RequestStatus.APPROVED, world.manager.id, world.manager.id)
    assert pending.decided_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "leave.approved"))
    assert (event.before["status"], event.after["status"]) == ("pending", "approved")


def test_rejection_releases_and_needs_a_reason(world, pending):
    before = _snapshot()
    with pytest.raises(LeaveError, match="A rejection needs a reason."):
        services.reject(actor=world.manager, request=pending, reason="  ", today=TODAY)
    db.session.rollback()
    assert pending.status == RequestStatus.PENDING

    services.reject(actor=world.manager, request=pending, reason=" Busy season ", today=TODAY)
    db.session.commit()
    assert _kinds(_append_only(before)) == [(EntryKind.RELEASE, Decimal("2.00"))]
    assert (pending.status, pending.decision_reason) == (RequestStatus.REJECTED, "Busy season")
    balance = _balance_adds_up(world.employee.id, TR, "2026")
    assert (balance.used, balance.reserved, balance.remaining) == (Decimal("0"), Decimal("0.00"), Decimal("5.00"))


def test_withdrawal_releases(world, pending):
    before = _snapshot()
    with pytest.raises(LeaveError, match="Only the employee can withdraw a request."):
        services.withdraw(actor=world.manager, request=pending)
    services.withdraw(actor=world.worker, request=pending)
    db.session.commit()

    assert _kinds(_append_only(before)) == [(EntryKind.RELEASE, Decimal("2.00"))]
    assert pending.status == RequestStatus.WITHDRAWN
    assert _balance_adds_up(world.employee.id, TR, "2026").remaining == Decimal("5.00")
    with pytest.raises(LeaveError, match="Only a request waiting for approval can be withdrawn."):
        services.withdraw(actor=world.worker, request=pending)


def test_an_approved_request_cannot_be_withdrawn(world, pending):
    services.approve(actor=world.manager, request=pending, today=TODAY)
    db.session.commit()
    with pytest.raises(LeaveError, match="Only a request waiting for approval can be withdrawn."):
        services.withdraw(actor=world.worker, request=pending)


def test_cancelling_an_approved_request_restores_with_a_new_row(world, pending):
    services.approve(actor=world.manager, request=pending, today=TODAY)
    db.session.commit()
    before = _snapshot()
    rows_before = counts()[1]

    services.ask_cancellation(actor=world.worker, request=pending, reason="The course moved", today=TODAY)
    db.session.commit()
    assert pending.status == RequestStatus.CANCELLATION_REQUESTED
    assert counts()[1] == rows_before  # asking changes no balance: the approver decides
    assert _balance_adds_up(world.employee.id, TR, "2026").used == Decimal("2.00")

    services.decide_cancellation(actor=world.manager, request=pending, accept=True, today=TODAY)
    db.session.commit()
    assert _kinds(_append_only(before)) == [(EntryKind.RESTORATION, Decimal("2.00"))]
    assert counts()[1] == rows_before + 1
    assert rows_of(pending) == [(EntryKind.RESERVATION, Decimal("-2.00")), (EntryKind.RELEASE, Decimal("2.00")),
                                (EntryKind.CONSUMPTION, Decimal("-2.00")), (EntryKind.RESTORATION, Decimal("2.00"))]
    assert pending.status == RequestStatus.CANCELLED
    balance = _balance_adds_up(world.employee.id, TR, "2026")
    assert (balance.used, balance.reserved, balance.remaining) == (Decimal("0.00"), Decimal("0.00"), Decimal("5.00"))
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))][-2:] == [
        "leave.cancellation_requested", "leave.cancelled"]


def test_only_an_approved_request_can_be_asked_to_cancel(world, pending):
    with pytest.raises(LeaveError, match="Only an approved request can be cancelled this way."):
        services.ask_cancellation(actor=world.worker, request=pending, reason="", today=TODAY)
    services.approve(actor=world.manager, request=pending, today=TODAY)
    with pytest.raises(LeaveError, match="Only the employee can ask to cancel a request."):
        services.ask_cancellation(actor=world.manager, request=pending, reason="", today=TODAY)


def test_the_row_count_only_grows_through_a_whole_history(world):
    """Submit, withdraw, submit, reject, submit, approve, cancel: no row is ever edited or deleted."""
    snapshot = _snapshot()
    total = 0
    for day, status in enumerate(["withdrawn", "rejected", "cancelled", "approved", "pending"], start=2):
        request = world.submit(world.days(date(2026, 3, day), date(2026, 3, day)))
        bring_to(world, request, status)
        db.session.commit()
        new = _append_only(snapshot)
        assert len(new) > 0
        total += len(new)
        snapshot = _snapshot()
        _balance_adds_up(world.employee.id, TR, "2026")
    balance = ledger.balance(world.employee.id, TR, "2026")
    assert (balance.used, balance.reserved, balance.remaining) == (Decimal("1.00"), Decimal("1.00"),
                                                                    Decimal("3.00"))
    assert counts() == (5, total)


# Corrections ---------------------------------------------------------------------------------


def test_a_manual_correction_needs_a_reason_and_keeps_it(world):
    schemes_period = schemes.period_of(TR, TODAY)
    ledger.ensure_allocation(world.employee, world.employer, TR, schemes_period)
    for reason in ["", "   ", None]:
        with pytest.raises(LeaveError, match="A correction needs a reason."):
            ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026",
                           amount=Decimal("1"), reason=reason)
    with pytest.raises(LeaveError, match="A correction of zero changes nothing."):
        ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026", amount=Decimal("0"),
                       reason="nothing")

    row = ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026",
                         amount=Decimal("1.5"), reason=" Sector agreement: one and a half days more ")
    db.session.commit()
    assert (row.kind, row.amount, row.reason, row.actor_id) == (
        EntryKind.CORRECTION, Decimal("1.50"), "Sector agreement: one and a half days more", world.admin.id)
    balance = _balance_adds_up(world.employee.id, TR, "2026")
    assert (balance.entitlement, balance.remaining) == (Decimal("6.50"), Decimal("6.50"))


def test_a_correction_cannot_take_the_balance_below_zero(world, pending):
    before = counts()
    with pytest.raises(LeaveError, match="This correction would leave -0.50, below zero."):
        ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026",
                       amount=Decimal("-3.5"), reason="Too generous")  # 5 - 2 reserved - 3.5
    db.session.rollback()
    assert counts() == before
    ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026", amount=Decimal("-3"),
                   reason="Days taken before the app")
    db.session.commit()
    assert _balance_adds_up(world.employee.id, TR, "2026").remaining == Decimal("0.00")


# Allocation and the end of a period ----------------------------------------------------------


def test_ensure_allocation_twice_adds_once(world):
    for scheme in (TR, VOV):
        period = schemes.period_of(scheme, TODAY)
        first = ledger.ensure_allocation(world.employee, world.employer, scheme, period)
        assert len(first) == 1
        db.session.commit()
        assert ledger.ensure_allocation(world.employee, world.employer, scheme, period) == []
        db.session.commit()
    assert [(row.scheme, row.period, row.kind, row.amount) for row in db.session.scalars(
        select(LedgerEntry).order_by(LedgerEntry.id))] == [(TR, "2026", "allocation", Decimal("5.00")),
                                                          (VOV, "2025-26", "allocation", Decimal("125.00"))]


def test_ensure_allocation_adds_the_employer_extra_days_once_they_exist(world):
    period = schemes.period_of(TR, TODAY)
    ledger.ensure_allocation(world.employee, world.employer, TR, period)
    schemes.add_employer_version(actor=world.admin, employer=world.employer, scheme=TR, valid_from=date(2026, 1, 1),
                                 valid_until=None, values={"employer_extra_days_per_fte": "2"}, note=None)
    added = ledger.ensure_allocation(world.employee, world.employer, TR, period)
    assert [(row.amount, row.reason_text) for row in added] == [(Decimal("2.00"), "2 d × 100 % × 12/12")]
    assert ledger.ensure_allocation(world.employee, world.employer, TR, period) == []
    assert ledger.balance(world.employee.id, TR, "2026").entitlement == Decimal("7.00")


def test_close_period_carries_the_training_right_over(world):
    last_year = schemes.period_of(TR, date(2025, 6, 1))
    ledger.ensure_allocation(world.employee, world.employer, TR, last_year)
    request = world.submit(world.days(date(2025, 6, 2), date(2025, 6, 3)), today=date(2025, 5, 1))
    services.approve(actor=world.manager, request=request, today=date(2025, 5, 2))
    db.session.commit()
    before = _snapshot()

    rows = ledger.close_period(world.employee, world.employer, TR, last_year)
    db.session.commit()
    assert [(row.period, row.kind, row.amount) for row in rows] == [
        ("2025", EntryKind.CARRY_OVER, Decimal("-3.00")), ("2026", EntryKind.CARRY_OVER, Decimal("3.00"))]
    assert len(_append_only(before)) == 2
    assert _balance_adds_up(world.employee.id, TR, "2025").remaining == Decimal("0.00")

    ledger.ensure_allocation(world.employee, world.employer, TR, schemes.period_of(TR, TODAY))
    this_year = _balance_adds_up(world.employee.id, TR, "2026")
    assert (this_year.entitlement, this_year.carried_over, this_year.remaining) == (
        Decimal("5.00"), Decimal("3.00"), Decimal("8.00"))

    before = _snapshot()
    assert ledger.close_period(world.employee, world.employer, TR, last_year) == []
    assert _append_only(before) == {}


def test_close_period_lets_vov_hours_expire(world):
    last_year = schemes.period_of(VOV, date(2025, 3, 1))  # 2024-25
    ledger.ensure_allocation(world.employee, world.employer, VOV, last_year)
    db.session.commit()

    rows = ledger.close_period(world.employee, world.employer, VOV, last_year)
    db.session.commit()
    assert [(row.period, row.kind, row.amount, row.reason_text) for row in rows] == [
        ("2024-25", EntryKind.EXPIRY, Decimal("-125.00"), "end of period")]
    balance = _balance_adds_up(world.employee.id, VOV, "2024-25")
    assert (balance.entitlement, balance.expired, balance.remaining) == (
        Decimal("125.00"), Decimal("125.00"), Decimal("0.00"))
    ledger.ensure_allocation(world.employee, world.employer, VOV, schemes.period_of(VOV, TODAY))
    assert _balance_adds_up(world.employee.id, VOV, "2025-26").carried_over == Decimal("0")

    before = _snapshot()
    assert ledger.close_period(world.employee, world.employer, VOV, last_year) == []
    assert _append_only(before) == {}


def test_close_period_with_a_carry_over_limit_splits_carry_over_and_expiry(world):
    schemes.add_employer_version(actor=world.admin, employer=world.employer, scheme=TR, valid_from=date(2025, 1, 1),
                                 valid_until=None, values={"carry_over_max": "2"}, note="carry over two days at most")
    last_year = schemes.period_of(TR, date(2025, 6, 1))
    ledger.ensure_allocation(world.employee, world.employer, TR, last_year)
    rows = ledger.close_period(world.employee, world.employer, TR, last_year)
    assert sorted((row.period, row.kind, row.amount) for row in rows) == [
        ("2025", EntryKind.CARRY_OVER, Decimal("-2.00")), ("2025", EntryKind.EXPIRY, Decimal("-3.00")),
        ("2026", EntryKind.CARRY_OVER, Decimal("2.00"))]
    assert ledger.close_period(world.employee, world.employer, TR, last_year) == []
    assert _balance_adds_up(world.employee.id, TR, "2025").remaining == Decimal("0.00")


# Balances agree with each other --------------------------------------------------------------


def test_balances_of_employees_agrees_with_balance_for_each(world):
    others = []
    for n in range(3):
        user = factories.user(roles={world.employer: "employee"})
        others.append(factories.employee(world.employer, user_id=user.id, approver_id=world.manager.id,
                                         employment_pct=Decimal(str(100 - 10 * n))))
    everybody = [world.employee, *others]
    # Different histories: pending, approved, rejected, cancelled, corrected, and nothing at all.
    for index, (employee, status) in enumerate(zip(everybody[:3], ["pending", "approved", "cancelled"],
                                                   strict=True)):
        request = world.submit(world.days(date(2026, 3, 2 + index), date(2026, 3, 3 + index)), employee=employee)
        if status != "pending":
            services.approve(actor=world.manager, request=request, today=TODAY)
        if status == "cancelled":
            services.ask_cancellation(actor=employee.user, request=request, reason="", today=TODAY)
            services.decide_cancellation(actor=world.manager, request=request, accept=True, today=TODAY)
    ledger.correct(actor=world.admin, employee=others[1], scheme=TR, period="2026", amount=Decimal("0.5"),
                   reason="Correction")
    db.session.commit()

    ids = [employee.id for employee in everybody]
    together = ledger.balances_of_employees(ids, TR, "2026")
    for employee in everybody:
        alone = ledger.balance(employee.id, TR, "2026")
        combined = together[employee.id]
        assert (combined.entitlement, combined.carried_over, combined.expired, combined.used, combined.reserved,
                combined.remaining) == (alone.entitlement, alone.carried_over, alone.expired, alone.used,
                                        alone.reserved, alone.remaining)
        assert [row.id for row in combined.rows] == [row.id for row in alone.rows]
        _balance_adds_up(employee.id, TR, "2026")
    assert together[others[2].id].remaining == Decimal("0")  # never allocated: no rows
    assert ledger.balances_of_employees([], TR, "2026") == {}
    # "My balances" shows the same figures; a period not allocated yet says what the allocation will add.
    before = counts()
    mine = {b.scheme: b for b in balances.current_balances(world.employee, world.employer, TODAY)}
    db.session.flush()
    assert mine[TR].remaining == together[world.employee.id].remaining == Decimal("3.00")
    assert mine[TR].unallocated == Decimal("0")
    assert (mine[VOV].remaining, mine[VOV].unallocated) == (Decimal("0.00"), Decimal("125.00"))
    assert counts() == before  # reading wrote nothing
    jobs.allocate_employee(world.employee, world.employer, TODAY)
    mine = {b.scheme: b for b in balances.current_balances(world.employee, world.employer, TODAY)}
    assert (mine[VOV].remaining, mine[VOV].unallocated) == (Decimal("125.00"), Decimal("0"))


def test_automatic_rows_keep_a_message_id_and_say_it_in_the_readers_language(world):
    """No text frozen in the writer's language: the row holds the message id and its parameters."""
    last_year = schemes.period_of(TR, date(2025, 6, 1))
    allocated = ledger.ensure_allocation(world.employee, world.employer, TR, last_year)
    rows = ledger.close_period(world.employee, world.employer, TR, last_year)
    db.session.commit()
    carried_out, carried_in = rows
    assert (carried_in.reason, carried_in.reason_message) == (
        None, {"id": "leave.carried_over_from", "args": {"period": "2025"}})
    assert allocated[0].reason is None and allocated[0].reason_message["id"] == "schemes.pro_rata"
    said = {}
    for language in ("nl", "fr", "en"):
        with force_locale(language):
            said[language] = (carried_out.reason_text, carried_in.reason_text, allocated[0].reason_text)
    assert said == {"nl": ("overgedragen naar 2026", "overgedragen uit 2025", "5 d. × 100 % × 12/12"),
                    "fr": ("reporté vers 2026", "reporté de 2025", "5 j × 100 % × 12/12"),
                    "en": ("carried over to 2026", "carried over from 2025", "5 d × 100 % × 12/12")}


def test_a_correction_keeps_the_text_its_author_typed(world):
    row = ledger.correct(actor=world.admin, employee=world.employee, scheme=TR, period="2026", amount=Decimal("1"),
                         reason="Cursus van 2025 betaald")
    with force_locale("fr"):
        assert (row.reason, row.reason_message, row.reason_text) == (
            "Cursus van 2025 betaald", None, "Cursus van 2025 betaald")
