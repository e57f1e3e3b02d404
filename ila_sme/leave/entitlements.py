"""Entitlements recomputed from the history: never an edit, a recalculation row that names the change.

When a fact an entitlement is computed from changes (work terms, a contract period: ``employment_changed``;
the headcount of a year: ``headcount_changed``), every period already allocated that the change can touch
is computed again from the history. The difference between that figure and the ledger's (its allocation
and recalculation rows) becomes ONE ``EntryKind.RECALCULATION`` row whose reason (a message,
``ila_sme.messages``) names the change. A second call finds no difference and writes nothing. A balance
that drops below what is already approved or reserved is told to the employee and the approvers.

In the caller's transaction: receivers add and flush, the sender's view or job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ila_sme.employers import services as employers
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.leave.balances import schemes_in_use
from ila_sme.leave.models import EntryKind, LedgerEntry
from ila_sme.leave.notices import tell_balance_below_zero
from ila_sme.messages import message
from ila_sme.people import services as people
from ila_sme.people.history import History
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme


@dataclass(frozen=True)
class Recalculated:
    """One period moved by a recalculation: the row written and the balance after it."""

    entry: LedgerEntry
    balance: ledger.Balance


def allocated_periods(employee, scheme: str) -> list[schemes.Period]:
    """The periods of the scheme that have allocation rows, oldest first."""
    labels = db.session.scalars(select(LedgerEntry.period).distinct().where(
        LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == scheme,
        LedgerEntry.kind == EntryKind.ALLOCATION.value))
    return sorted((schemes.period_by_label(scheme, label) for label in labels), key=lambda period: period.start)


def target(employee, employer, scheme: str, period: schemes.Period, history: History | None = None) -> Decimal:
    """The period's right computed from the history now, over the sources already allocated (a source not
    allocated yet, e.g. extra days of a version added later, is ``ledger.ensure_allocation``'s to add)."""
    present = ledger.allocated_sources(employee, scheme, period)
    return sum((allocation.amount for allocation in
                schemes.allocations_for(scheme, employee, employer, period, history=history)
                if allocation.source in present), ledger.ZERO)


def _explanations(employee, employer, scheme: str, period: schemes.Period, history: History) -> list[dict]:
    present = ledger.allocated_sources(employee, scheme, period)
    return [allocation.explanation for allocation in
            schemes.allocations_for(scheme, employee, employer, period, history=history)
            if allocation.source in present]


def recompute_period(employee, employer, scheme: str, period: schemes.Period, *, change: dict | str, actor, today: date,
                     history: History | None = None) -> Recalculated | None:
    """One allocated period: a recalculation row for the difference (None: nothing differs)."""
    history = history or History.of(employee)
    try:
        wanted = target(employee, employer, scheme, period, history)
    except schemes.SchemeError:
        return None  # no parameters for this period any more: leave it as it stands
    difference = wanted - ledger.entitlement_rows_total(employee, scheme, period.label)
    if difference == 0:
        return None
    entry = ledger.recalculate(employee, scheme=scheme, period=period.label, amount=difference, actor=actor,
                               reason=message("leave.recalculated", change=change,
                                              explanations=_explanations(employee, employer, scheme, period,
                                                                         history)))
    after = ledger.balance(employee.id, scheme, period.label)
    if after.remaining < 0:
        tell_balance_below_zero(after, employee=employee, change=change, today=today)
    return Recalculated(entry, after)


def recompute(employee, employer, *, since: date, change: dict | str, actor, today: date) -> list[Recalculated]:
    """Every allocated period of every scheme in use that a change from ``since`` on can touch: a training-right
    year ending on or after it, a school year ending on or after it (its reference month lies before its
    end, so a change of the reference month or of the school year itself is always among them)."""
    # One recalculation at a time per employee: the row lock makes a concurrent one wait, then find no difference.
    db.session.execute(select(EmployeeRecord.id).where(EmployeeRecord.id == employee.id).with_for_update())
    history = History.of(employee)
    done = []
    for scheme in schemes_in_use(employer):
        for period in allocated_periods(employee, scheme):
            if period.end < since:
                continue
            moved = recompute_period(employee, employer, scheme, period, change=change, actor=actor, today=today,
                                     history=history)
            if moved is not None:
                done.append(moved)
    return done


def recompute_headcount(employer, year: int, *, change: dict | str, actor, today: date) -> list[Recalculated]:
    """The training right of ``year`` of everyone allocated in it (also those who left since)."""
    if Scheme.TRAINING_RIGHT.value not in schemes_in_use(employer):
        return []
    period = schemes.period_by_label(Scheme.TRAINING_RIGHT, str(year))
    employees = db.session.scalars(
        select(EmployeeRecord).where(EmployeeRecord.id.in_(
            select(LedgerEntry.employee_id).where(
                LedgerEntry.employer_id == employer.id, LedgerEntry.scheme == Scheme.TRAINING_RIGHT.value,
                LedgerEntry.period == period.label, LedgerEntry.kind == EntryKind.ALLOCATION.value)
        )).order_by(EmployeeRecord.id)
    ).all()
    done = []
    for employee in employees:
        moved = recompute_period(employee, employer, Scheme.TRAINING_RIGHT.value, period, change=change,
                                 actor=actor, today=today)
        if moved is not None:
            done.append(moved)
    return done


@people.employment_changed.connect
def _employment_changed(employee, *, since: date, change: dict | str, actor=None, today: date, **_ignored) -> None:
    recompute(employee, employee.employer, since=since, change=change, actor=actor, today=today)


@employers.headcount_changed.connect
def _headcount_changed(employer, *, year: int, change: dict | str, actor=None, today: date, **_ignored) -> None:
    recompute_headcount(employer, year, change=change, actor=actor, today=today)
