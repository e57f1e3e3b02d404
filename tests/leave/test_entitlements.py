"""Entitlements recomputed after a change of history: one recalculation row naming the change, never an edit;
idempotent; the employee and the approver told when a balance drops below what is already held; and the
balances rebuilt from the ledger rows alone."""

from __future__ import annotations

import email
import email.policy
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.employers.models import EmployerHeadcount
from ila_sme.employers.services import headcount_changed
from ila_sme.extensions import db
from ila_sme.leave import balances, entitlements, ledger, services
from ila_sme.leave.models import EntryKind, LedgerEntry
from ila_sme.notifications.models import Notification
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from tests import factories
from tests.leave.conftest import TODAY
from tests.support.history import change_terms, end_contract

TR, VOV = Scheme.TRAINING_RIGHT.value, Scheme.VOV.value
YEAR_2025 = schemes.period_by_label(TR, "2025")
YEAR_2026 = schemes.period_by_label(TR, "2026")


def _rows(employee, scheme: str, period: str, kind: EntryKind | None = None) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == scheme,
                                      LedgerEntry.period == period)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind.value)
    return list(db.session.scalars(query.order_by(LedgerEntry.id)))


def _recalculations(employee, scheme: str, period: str) -> list[tuple[Decimal, str]]:
    return [(row.amount, row.reason_text) for row in _rows(employee, scheme, period, EntryKind.RECALCULATION)]


def _ledger_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def test_a_regime_change_mid_year_recalculates_the_year_once(world):
    """Allocated in February at 100 % (5 days); 50 % from July: the law gives 3.75, one row of −1.25."""
    factories.allocate(world.employee, TODAY)
    assert ledger.balance(world.employee.id, TR, "2026").entitlement == Decimal("5.00")

    change_terms(world.employee, date(2026, 7, 1), employment_pct="50", hours_per_week="19", actor=world.admin,
                 today=TODAY, change="work regime 50 % from 2026-07-01")

    [row] = _rows(world.employee, TR, "2026", EntryKind.RECALCULATION)
    assert (row.amount, row.reason_text, row.actor_id, row.label) == (
        Decimal("-1.25"), "work regime 50 % from 2026-07-01: 5 d × (6 × 100 % + 6 × 50 %) / 12", world.admin.id,
        "Recalculated")
    balance = ledger.balance(world.employee.id, TR, "2026")
    assert (balance.entitlement, balance.remaining) == (Decimal("3.75"), Decimal("3.75"))
    # The allocation row itself is untouched.
    assert [r.amount for r in _rows(world.employee, TR, "2026", EntryKind.ALLOCATION)] == [Decimal("5.00")]
    # VOV 2025-26 reads 1 March 2025: nothing moves there.
    assert _recalculations(world.employee, VOV, "2025-26") == []
    # Idempotent: the same change again writes nothing.
    before = _ledger_count()
    assert entitlements.recompute(world.employee, world.employer, since=date(2026, 7, 1), change="again",
                                  actor=world.admin, today=TODAY) == []
    assert _ledger_count() == before
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0  # nothing below zero


def test_a_contract_end_set_after_the_allocation_moves_the_year(world):
    """A full year allocated; the contract ends on 15 June: six months, 2.50 days."""
    factories.allocate(world.employee, TODAY)
    end_contract(world.employee, date(2026, 6, 15), actor=world.admin, today=TODAY,
                 change="contract ends on 2026-06-15")

    assert _recalculations(world.employee, TR, "2026") == [
        (Decimal("-2.50"), "contract ends on 2026-06-15: 5 d × 100 % × 6/12")]
    assert ledger.balance(world.employee.id, TR, "2026").entitlement == Decimal("2.50")
    # The school year's cap reads the reference month (under contract): 125 h stay.
    assert _recalculations(world.employee, VOV, "2025-26") == []
    assert ledger.balance(world.employee.id, VOV, "2025-26").entitlement == Decimal("125.00")


def test_a_contract_end_moved_later_gives_back_what_it_took(world):
    factories.allocate(world.employee, TODAY)
    end_contract(world.employee, date(2026, 6, 15), today=TODAY, change="contract ends on 2026-06-15")
    end_contract(world.employee, date(2026, 9, 30), today=TODAY, change="contract ends on 2026-09-30")

    assert [amount for amount, _reason in _recalculations(world.employee, TR, "2026")] == [
        Decimal("-2.50"), Decimal("1.25")]
    assert ledger.balance(world.employee.id, TR, "2026").entitlement == Decimal("3.75")  # 9 months


def test_a_headcount_change_of_a_past_year_moves_that_year_only(world):
    """2025 allocated at 25 FTE (5 days); the 2025 average turns out 15 FTE (1 day): everyone allocated in
    2025 is recalculated, also a colleague who left in June 2025; 2026 stays."""
    employee = world.employee
    leaver = factories.employee(world.employer, contract_start=date(2019, 1, 1), contract_end=date(2025, 6, 30))
    for person in (employee, leaver):
        ledger.ensure_allocation(person, world.employer, TR, YEAR_2025)
    ledger.ensure_allocation(employee, world.employer, TR, YEAR_2026)
    assert ledger.balance(leaver.id, TR, "2025").entitlement == Decimal("2.50")

    db.session.add(EmployerHeadcount(employer_id=world.employer.id, year=2025, average_fte=Decimal("15"),
                                     reason="social balance sheet 2025", created_by_id=world.admin.id))
    db.session.flush()
    headcount_changed.send(world.employer, year=2025, change="average headcount 2025: 15 FTE", actor=world.admin,
                           today=TODAY)

    assert _recalculations(employee, TR, "2025") == [
        (Decimal("-4.00"), "average headcount 2025: 15 FTE: 1 d × 100 % × 12/12")]
    assert _recalculations(leaver, TR, "2025") == [
        (Decimal("-2.00"), "average headcount 2025: 15 FTE: 1 d × 100 % × 6/12")]
    assert ledger.balance(employee.id, TR, "2025").entitlement == Decimal("1.00")
    assert _recalculations(employee, TR, "2026") == []
    # Sent again: nothing more.
    before = _ledger_count()
    headcount_changed.send(world.employer, year=2025, change="again", actor=world.admin, today=TODAY)
    assert _ledger_count() == before


def test_a_balance_below_what_is_approved_is_told_to_the_employee_and_the_approver(world, outbox):
    """4 days approved of 5; 50 % from 1 February: 5 × (1 × 100 % + 11 × 50 %) / 12 = 2.7083… → 2.70 days,
    2.70 − 4 = −1.30."""
    factories.allocate(world.employee, TODAY)
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 5)))
    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    outbox()  # the request's own mails are sent and out of the way
    told_before = db.session.scalar(select(func.count()).select_from(Notification))

    change_terms(world.employee, date(2026, 2, 1), employment_pct="50", hours_per_week="19", actor=world.admin,
                 today=TODAY, change="work regime 50 % from 2026-02-01")
    db.session.commit()

    assert _recalculations(world.employee, TR, "2026") == [
        (Decimal("-2.30"), "work regime 50 % from 2026-02-01: 5 d × (1 × 100 % + 11 × 50 %) / 12")]
    balance = ledger.balance(world.employee.id, TR, "2026")
    assert (balance.entitlement, balance.used, balance.remaining) == (Decimal("2.70"), Decimal("4.00"),
                                                                       Decimal("-1.30"))
    told = list(db.session.scalars(select(Notification).order_by(Notification.id).offset(told_before)))
    # in the recipients' language (the employer's: Dutch)
    assert {(n.user_id, n.message) for n in told} == {
        (world.worker.id, "Je saldo opleidingsverlof staat onder nul"),
        (world.manager.id, "Het saldo opleidingsverlof van Wim Worker staat onder nul")}
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    mails = [mail for mail in mails if "onder nul" in mail["Subject"]]
    assert sorted(mail["To"] for mail in mails) == sorted([world.worker.email, world.manager.email])
    body = mails[0].get_body().get_content()
    assert "work regime 50 % from 2026-02-01" in body
    # with the figures
    assert all(figure in body for figure in ("2026", "2.70", "4.00", "-1.30")), body


def test_a_retroactive_change_of_the_reference_month_withdraws_the_vov_right(world):
    """50 % and 19 h from 1 March 2025 (a correction of the history): 2025-26 reads that day, the employee is
    not eligible any more; the training right of 2026 halves."""
    factories.allocate(world.employee, TODAY)
    change_terms(world.employee, date(2025, 3, 1), employment_pct="50", hours_per_week="19", actor=world.admin,
                 today=TODAY, change="work regime 50 % from 2025-03-01")

    [(amount, reason)] = _recalculations(world.employee, VOV, "2025-26")
    assert amount == Decimal("-125.00")
    assert reason.startswith("work regime 50 % from 2025-03-01: not eligible: 50 %, 19 h/week on 01 Mar 2025")
    assert _recalculations(world.employee, TR, "2026") == [
        (Decimal("-2.50"), "work regime 50 % from 2025-03-01: 5 d × 50 % × 12/12")]
    shown = {balance.scheme: balance for balance in balances.current_balances(world.employee, world.employer, TODAY)}
    assert shown[VOV].not_eligible == (
        "Not eligible: a work regime of 50 % on 2025-03-01, the reference day (at least 80 % needed); "
        "19 hours a week on 2025-03-01, the reference day (at least 28 needed)")
    assert shown[TR].not_eligible is None and shown[TR].remaining == Decimal("2.50")


def test_extra_days_of_a_later_version_are_allocated_once_and_never_twice(world):
    """The extra days arrive by allocation (a source not in the ledger yet); a recalculation counts only the
    sources the ledger holds, so the two never add the same days."""
    factories.allocate(world.employee, TODAY)
    schemes.add_employer_version(actor=world.admin, employer=world.employer, scheme=TR, valid_from=date(2026, 1, 1),
                                 valid_until=None, values={"employer_extra_days_per_fte": "2"}, note="CAO 2026")
    change_terms(world.employee, date(2026, 7, 1), employment_pct="50", hours_per_week="19", today=TODAY)
    assert [amount for amount, _reason in _recalculations(world.employee, TR, "2026")] == [Decimal("-1.25")]

    [extra] = ledger.ensure_allocation(world.employee, world.employer, TR, YEAR_2026)
    assert (extra.amount, extra.reason_text) == (Decimal("1.50"), "2 d × (6 × 100 % + 6 × 50 %) / 12")
    assert entitlements.recompute(world.employee, world.employer, since=date(2026, 1, 1), change="again",
                                  actor=None, today=TODAY) == []
    assert ledger.balance(world.employee.id, TR, "2026").entitlement == Decimal("5.25")  # 3.75 + 1.50


def test_a_period_never_allocated_is_left_to_the_allocation(world):
    """Nothing allocated yet: a change writes no row; the first allocation reads the history."""
    change_terms(world.employee, date(2026, 7, 1), employment_pct="50", hours_per_week="19", today=TODAY)
    assert _ledger_count() == 0
    factories.allocate(world.employee, TODAY)
    assert [r.amount for r in _rows(world.employee, TR, "2026")] == [Decimal("3.75")]


def test_the_balances_are_rebuilt_from_the_ledger_rows_alone(world):
    """A regime change, requests and a contract end: summing the rows per scheme and period (nothing else
    read) gives every balance the screens show, and every row says what it is and why."""
    employee = world.employee
    factories.allocate(employee, TODAY)
    change_terms(employee, date(2026, 4, 1), employment_pct="80", hours_per_week="30.4", actor=world.admin,
                 today=TODAY, change="work regime 80 % from 2026-04-01")
    days = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 3)))
    services.approve(actor=world.manager, request=days, today=TODAY)
    world.submit(world.days(date(2026, 3, 9), date(2026, 3, 9)))  # pending
    hours = world.submit(world.hours(date(2026, 3, 10), date(2026, 3, 11), hours_per_day="8"))
    services.approve(actor=world.manager, request=hours, today=TODAY)
    end_contract(employee, date(2026, 10, 31), actor=world.admin, today=TODAY, change="contract ends on 2026-10-31")
    db.session.commit()

    rebuilt: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_kind: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == employee.id)):
        assert row.kind in {kind.value for kind in EntryKind}
        if row.kind in (EntryKind.ALLOCATION, EntryKind.RECALCULATION, EntryKind.CORRECTION):
            assert row.reason_text, row.kind  # an entitlement row always says why
        if row.kind in (EntryKind.RESERVATION, EntryKind.RELEASE, EntryKind.CONSUMPTION, EntryKind.RESTORATION):
            assert row.request_id is not None
        rebuilt[row.scheme, row.period] += row.amount
        by_kind[row.scheme, row.period, row.kind] += row.amount

    # The legal figures: 5 × (3 × 100 % + 7 × 80 %) / 12 = 3.5833… → 3.58 days; 125 h (1 March 2025 at 100 %).
    assert dict(rebuilt) == {(TR, "2026"): Decimal("3.58") - 2 - 1, (VOV, "2025-26"): Decimal("125") - 16}
    assert by_kind[TR, "2026", EntryKind.ALLOCATION] + by_kind[TR, "2026", EntryKind.RECALCULATION] == Decimal("3.58")
    for balance in balances.current_balances(employee, world.employer, TODAY):
        assert balance.remaining == rebuilt[balance.scheme, balance.period]
        again = ledger.balance(employee.id, balance.scheme, balance.period)
        assert again.remaining == balance.remaining
        assert again.entitlement == sum((by_kind[balance.scheme, balance.period, kind] for kind in (
            EntryKind.ALLOCATION, EntryKind.RECALCULATION, EntryKind.CORRECTION)), Decimal("0"))
    assert [reason for _amount, reason in _recalculations(employee, TR, "2026")] == [
        "work regime 80 % from 2026-04-01: 5 d × (3 × 100 % + 9 × 80 %) / 12",
        "contract ends on 2026-10-31: 5 d × (3 × 100 % + 7 × 80 %) / 12"]
