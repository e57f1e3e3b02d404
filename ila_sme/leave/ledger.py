"""The leave ledger: signed rows per employee, scheme and period. A balance is their sum."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LedgerEntry
from ila_sme.messages import is_message, message
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import SCHEME_UNITS, Scheme

ZERO = Decimal("0.00")


@dataclass
class Balance:
    scheme: str
    period: str
    entitlement: Decimal = ZERO  # allocations and corrections
    carried_over: Decimal = ZERO
    expired: Decimal = ZERO
    used: Decimal = ZERO
    reserved: Decimal = ZERO
    rows: list[LedgerEntry] = field(default_factory=list)
    # The period's entitlement not in the ledger yet (the allocation job adds it): shown, never counted.
    unallocated: Decimal = ZERO
    # Why the employee has no right in this period (VOV conditions not met on the reference day), in the
    # reader's language; the screens show it instead of the figures. None: eligible.
    not_eligible: str | None = None

    @property
    def unit(self):
        return SCHEME_UNITS[Scheme(self.scheme)]

    @property
    def remaining(self) -> Decimal:
        """The sum of every row: what can still be asked for."""
        return sum((row.amount for row in self.rows), ZERO)


def _fold(balance: Balance, row: LedgerEntry) -> None:
    kind, amount = row.kind, row.amount
    if kind in (EntryKind.ALLOCATION, EntryKind.CORRECTION, EntryKind.RECALCULATION):
        balance.entitlement += amount
    elif kind == EntryKind.CARRY_OVER:
        balance.carried_over += amount
    elif kind == EntryKind.EXPIRY:
        balance.expired -= amount
    elif kind in (EntryKind.RESERVATION, EntryKind.RELEASE):
        balance.reserved -= amount
    elif kind in (EntryKind.CONSUMPTION, EntryKind.RESTORATION):
        balance.used -= amount
    balance.rows.append(row)


def balance(employee_id: int, scheme: str, period: str) -> Balance:
    result = Balance(scheme=scheme, period=period)
    rows = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.employee_id == employee_id, LedgerEntry.scheme == scheme, LedgerEntry.period == period)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    for row in rows:
        _fold(result, row)
    return result


def in_periods(employee_id: int, periods: dict[str, str]) -> tuple[dict[str, Balance], dict[str, set[str]]]:
    """One employee's balance in several schemes' periods (``{scheme: period label}``), and the sources each period
    has an allocation row of (as ``allocated_sources``), in one query: the balances the home and balance pages
    show, whatever the number of schemes."""
    found = {scheme: Balance(scheme=scheme, period=period) for scheme, period in periods.items()}
    sources: dict[str, set[str]] = {scheme: set() for scheme in periods}
    if periods:
        rows = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.employee_id == employee_id,
                   or_(*(and_(LedgerEntry.scheme == scheme, LedgerEntry.period == period)
                         for scheme, period in periods.items())))
            .order_by(LedgerEntry.created_at, LedgerEntry.id))
        for row in rows:
            _fold(found[row.scheme], row)
            if row.kind == EntryKind.ALLOCATION and row.dedupe_key:
                sources[row.scheme].add(row.dedupe_key.rsplit(":", 1)[-1])
    return found, sources


def balances_of_employees(employee_ids: list[int], scheme: str, period: str) -> dict[int, Balance]:
    """Many balances in one query (the approvals inbox, the team views)."""
    result: dict[int, Balance] = defaultdict(lambda: Balance(scheme=scheme, period=period))
    if employee_ids:
        rows = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.employee_id.in_(employee_ids), LedgerEntry.scheme == scheme,
                   LedgerEntry.period == period)
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        )
        for row in rows:
            _fold(result[row.employee_id], row)
    return result


def add(employee, *, scheme: str, period: str, kind: EntryKind, amount: Decimal, request_id=None,
        reason: str | dict | None = None, dedupe_key: str | None = None, actor=None, flush: bool = True) -> LedgerEntry:
    """``reason``: a message (``ila_sme.messages``, said in the reader's language) or a text a person typed.
    ``flush=False``: written with the next flush (two rows added one after the other go in one INSERT)."""
    coded = is_message(reason)
    entry = LedgerEntry(
        employer_id=employee.employer_id, employee_id=employee.id, scheme=scheme, period=period, kind=kind.value,
        amount=schemes.quantize(Decimal(amount)), request_id=request_id, reason=None if coded else reason,
        reason_message=reason if coded else None, dedupe_key=dedupe_key, actor_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    if flush:
        db.session.flush()
    return entry


def add_once(employee, *, dedupe_key: str, **fields) -> LedgerEntry | None:
    """Add the row unless a row with this key exists (also when another process adds it right now)."""
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.dedupe_key == dedupe_key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            return add(employee, dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        return None


def _allocation_key(employee, scheme: str, period: schemes.Period, allocation: schemes.Allocation) -> str:
    return f"allocation:{employee.id}:{scheme}:{period.label}:{allocation.source}"


def allocated_sources(employee, scheme: str, period: schemes.Period) -> set[str]:
    """The sources ("legal", "employer_extra", "vov", "vov_employer_suggested") the period has an allocation row of."""
    keys = db.session.scalars(select(LedgerEntry.dedupe_key).where(
        LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == scheme, LedgerEntry.period == period.label,
        LedgerEntry.kind == EntryKind.ALLOCATION))
    return {key.rsplit(":", 1)[-1] for key in keys if key}


def missing_allocations(employee, employer, scheme: str, period: schemes.Period,
                        allocations: list[schemes.Allocation] | None = None) -> list[schemes.Allocation]:
    """The period's allocations not in the ledger yet: what ``ensure_allocation`` would add (reads only).
    ``allocations``: the period's, already computed. A source allocated once is never added again: what
    changes in it later arrives as recalculation rows (``leave.entitlements``)."""
    present = allocated_sources(employee, scheme, period)
    if allocations is None:
        allocations = schemes.allocations_for(scheme, employee, employer, period)
    return [allocation for allocation in allocations if allocation.source not in present]


def ensure_allocation(employee, employer, scheme: str, period: schemes.Period) -> list[LedgerEntry]:
    """The period's allocation rows, computed from the history, added once; later calls add nothing (a change
    of history is ``leave.entitlements.recompute``'s). Set-up and jobs call it, never a page."""
    added = []
    for allocation in missing_allocations(employee, employer, scheme, period):
        entry = add_once(
            employee, dedupe_key=_allocation_key(employee, scheme, period, allocation),
            scheme=scheme, period=period.label, kind=EntryKind.ALLOCATION, amount=allocation.amount,
            reason=allocation.explanation,
        )
        if entry is not None:
            added.append(entry)
    return added


def entitlement_rows_total(employee, scheme: str, period: str) -> Decimal:
    """The allocation and recalculation rows of a period: the right as the ledger holds it (corrections by
    an admin, carry-over and requests apart)."""
    amounts = db.session.scalars(select(LedgerEntry.amount).where(
        LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == scheme, LedgerEntry.period == period,
        LedgerEntry.kind.in_([EntryKind.ALLOCATION.value, EntryKind.RECALCULATION.value])))
    return sum((Decimal(amount) for amount in amounts), ZERO)


def base_rows_total(employee, scheme: str, period: str, *, apart: str) -> Decimal:
    """The period's right without the allocation of the source ``apart`` (e.g. the VOV hours for training the
    employer suggests): the other allocation rows, with the recalculation and correction rows."""
    rows = db.session.execute(select(LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.dedupe_key).where(
        LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == scheme, LedgerEntry.period == period,
        LedgerEntry.kind.in_([EntryKind.ALLOCATION.value, EntryKind.RECALCULATION.value,
                              EntryKind.CORRECTION.value])))
    return sum((Decimal(amount) for kind, amount, key in rows
                if not (kind == EntryKind.ALLOCATION.value and key and key.rsplit(":", 1)[-1] == apart)), ZERO)


def recalculate(employee, *, scheme: str, period: str, amount: Decimal, reason: dict, actor=None) -> LedgerEntry:
    """A recalculation row: the right recomputed after a change of history, ``reason`` (a message) naming the
    change."""
    return add(employee, scheme=scheme, period=period, kind=EntryKind.RECALCULATION, amount=amount,
               reason=reason, actor=actor)


def close_period(employee, employer, scheme: str, period: schemes.Period) -> list[LedgerEntry]:
    """End of a period: carry over what the parameters allow into the next one, let the rest expire.

    Runs once per employee, scheme and period (the rows' keys make a second run add nothing).
    Pending reservations are not touched: a request still pending keeps its hold.
    """
    remaining = balance(employee.id, scheme, period.label).remaining
    if remaining <= 0:
        return []
    values = schemes.values_on(scheme, employer, period.end)
    limit = values.get("carry_over_max")
    carried = remaining if limit is None else min(remaining, Decimal(str(limit)))
    following = schemes.next_period(period, scheme)
    rows = []
    if remaining - carried > 0:
        rows.append(add_once(employee, dedupe_key=f"expiry:{employee.id}:{scheme}:{period.label}", scheme=scheme,
                             period=period.label, kind=EntryKind.EXPIRY, amount=-(remaining - carried),
                             reason=message("leave.end_of_period")))
    if carried > 0:
        rows.append(add_once(employee, dedupe_key=f"carry-out:{employee.id}:{scheme}:{period.label}", scheme=scheme,
                             period=period.label, kind=EntryKind.CARRY_OVER, amount=-carried,
                             reason=message("leave.carried_over_to", period=following.label)))
        rows.append(add_once(employee, dedupe_key=f"carry-in:{employee.id}:{scheme}:{following.label}",
                             scheme=scheme, period=following.label, kind=EntryKind.CARRY_OVER, amount=carried,
                             reason=message("leave.carried_over_from", period=period.label)))
    return [row for row in rows if row is not None]


def correct(*, actor, employee, scheme: str, period: str, amount: Decimal, reason: str) -> LedgerEntry:
    """A manual correction; it may not take the balance below zero."""
    if not reason or not reason.strip():
        raise LeaveError(_("A correction needs a reason."))
    if amount == 0:
        raise LeaveError(_("A correction of zero changes nothing."))
    current = balance(employee.id, scheme, period).remaining
    if current + amount < 0:
        raise LeaveError(_("This correction would leave %(remaining)s, below zero.", remaining=current + amount))
    if employee.user_id == actor.id:
        raise LeaveError(_("Nobody corrects their own balance: ask another admin."))
    entry = add(employee, scheme=scheme, period=period, kind=EntryKind.CORRECTION, amount=amount,
                reason=reason.strip(), actor=actor)
    record("leave.balance_corrected", actor=actor, employer_id=employee.employer_id, obj=entry,
           after={"employee_id": employee.id, "scheme": scheme, "period": period, "amount": str(entry.amount),
                  "reason": entry.reason})
    return entry
