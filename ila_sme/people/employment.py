"""Changing an employee's working life: new work terms from a day, contract periods ended, corrected or added.

Every change is a new row (``people.history``), never an edit; the ``EmployeeRecord`` summary columns follow
(``sync_summary``). Each change is audited and then told to the features above in the same transaction:
``employee_set_up`` (what a new period needs, idempotent) and ``employment_changed`` (recompute from ``since``).
The caller commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.people import change_messages
from ila_sme.people.events import PeopleError, employee_set_up, employment_changed
from ila_sme.people.history import WEEKDAYS, ContractPeriod, History, WorkTerms
from ila_sme.people.models import EmployeeRecord

MAX_DAY_HOURS = Decimal("24")
# A pattern written out from the hours of a week (``five_day_pattern``) rounds each day to 0.01 h: its sum
# may then differ from the week's hours by a few hundredths, never more than this.
PATTERN_SUM_TOLERANCE = Decimal("0.05")
HOURS = Decimal("0.01")
ZERO = Decimal("0")


def parse_pattern(value) -> list[Decimal]:
    """Seven hours, Monday first, from a list or from text like "8;8;8;8;8;0;0". PeopleError when not."""
    items = value.replace(",", ".").split(";") if isinstance(value, str) else list(value or [])
    if len(items) != WEEKDAYS:
        raise PeopleError(_("The weekly pattern needs 7 days, Monday to Sunday."), "pattern")
    hours = []
    for item in items:
        try:
            number = Decimal(str(item).strip() or "0")
        except InvalidOperation as error:
            raise PeopleError(_("Each day of the weekly pattern is a number of hours."), "pattern") from error
        if not number.is_finite() or not ZERO <= number <= MAX_DAY_HOURS:
            raise PeopleError(_("Each day of the weekly pattern holds from 0 to 24 hours."), "pattern")
        hours.append(number.quantize(HOURS))
    if not any(hours):
        raise PeopleError(_("The weekly pattern needs at least one working day."), "pattern")
    return hours



def pattern_text(pattern) -> str:
    """The stored pattern as the CSV writes it: "8;8;8;8;8;0;0"."""
    return ";".join(_plain(Decimal(str(hours))) for hours in pattern)


def _plain(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_terms(employment_pct, hours_per_week, pattern) -> tuple[Decimal, Decimal, list[Decimal]]:
    """(regime, hours a week, pattern) checked; PeopleError naming the field when not."""
    hours = parse_pattern(pattern)
    try:
        pct = Decimal(str(employment_pct))
    except InvalidOperation as error:
        raise PeopleError(_("The work regime is a percentage above 0 and at most 100."), "employment_pct") from error
    if not pct.is_finite() or not ZERO < pct <= 100:
        raise PeopleError(_("The work regime is a percentage above 0 and at most 100."), "employment_pct")
    total = sum(hours, ZERO)
    if hours_per_week in (None, ""):
        week = total
    else:
        week = Decimal(str(hours_per_week))
        if abs(week - total) > PATTERN_SUM_TOLERANCE:
            raise PeopleError(_("The hours per week (%(week)s) must equal the sum of the weekly pattern "
                                "(%(total)s).", week=_plain(week), total=_plain(total)), "hours_per_week")
    return pct.quantize(HOURS), week.quantize(HOURS), hours


def sync_summary(employee: EmployeeRecord, history: History | None = None) -> None:
    """Keep the record's summary columns equal to the history (see ``EmployeeRecord``)."""
    history = history or History.of(employee)
    if history.terms:
        latest = history.terms[-1]
        employee.employment_pct = latest.employment_pct
        employee.hours_per_week = latest.hours_per_week
    if history.contracts:
        employee.contract_start = history.contracts[0].starts_on
        employee.contract_end = history.contracts[-1].ends_on


def _tell(employee: EmployeeRecord, *, since: date, change: str, actor, today: date) -> None:
    db.session.flush()
    employee_set_up.send(employee, today=today)
    employment_changed.send(employee, since=since, change=change, actor=actor, today=today)


# Work terms ----------------------------------------------------------------------------------


def change_terms(*, actor, employee: EmployeeRecord, valid_from: date, employment_pct, hours_per_week, pattern,
                 reason: str | None, today: date) -> WorkTerms:
    """New terms from ``valid_from`` on: a new row, the older ones stay. ``hours_per_week`` None: the pattern's
    sum; given, it must equal that sum. ``valid_from`` must lie inside a contract period."""
    pct, week, hours = check_terms(employment_pct, hours_per_week, pattern)
    if valid_from is None:
        raise PeopleError(_("Give the day the new terms start."), "valid_from")
    history = History.of(employee)
    if not history.is_employed_on(valid_from):
        raise PeopleError(_("%(day)s is outside every contract of this employee.", day=valid_from.isoformat()),
                          "valid_from")
    before = history.terms_on(valid_from)
    stored = [str(day) for day in hours]
    if (before is not None and before.valid_from == valid_from and before.employment_pct == pct
            and before.hours_per_week == week and [Decimal(str(day)) for day in before.pattern] == hours):
        raise PeopleError(_("These terms are already in force from that day."), "valid_from")
    terms = WorkTerms(employer_id=employee.employer_id, employee_id=employee.id, valid_from=valid_from,
                      employment_pct=pct, hours_per_week=week, pattern=stored, reason=(reason or "").strip() or None,
                      created_by_id=getattr(actor, "id", None))
    db.session.add(terms)
    db.session.flush()
    sync_summary(employee)
    record("employee.terms_changed", actor=actor, employer_id=employee.employer_id, obj=employee,
           before=before.audit_view() if before else None, after=terms.audit_view())
    change = change_messages.regime_changed(pct, week, valid_from)
    _tell(employee, since=valid_from, change=change, actor=actor, today=today)
    return terms


# Contract periods ----------------------------------------------------------------------------


def _period_in_force(employee: EmployeeRecord, period) -> ContractPeriod:
    period_id = period if isinstance(period, int) else getattr(period, "id", None)
    row = db.session.get(ContractPeriod, period_id) if period_id else None
    if row is None or row.employee_id != employee.id:
        raise PeopleError(_("This contract is not one of this employee's."), "period")
    if db.session.scalar(select(ContractPeriod.id).where(ContractPeriod.replaces_id == row.id)) is not None:
        raise PeopleError(_("This contract was changed meanwhile: reload the page."), "period")
    return row


def _check_period(employee: EmployeeRecord, starts_on: date | None, ends_on: date | None,
                  ignore: ContractPeriod | None = None) -> None:
    if starts_on is None:
        raise PeopleError(_("Give the day the contract starts."), "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise PeopleError(_("The contract cannot end before it starts."), "ends_on")
    for other in History.of(employee).contracts:
        if ignore is not None and other.id == ignore.id:
            continue
        if other.starts_on <= (ends_on or date.max) and starts_on <= (other.ends_on or date.max):
            until = other.ends_on.isoformat() if other.ends_on else _("open-ended")
            raise PeopleError(_("This contract overlaps the contract from %(start)s to %(end)s.",
                                start=other.starts_on.isoformat(), end=until), "ends_on" if ignore else "starts_on")


def _first_terms_from(employee: EmployeeRecord, starts_on: date, actor) -> None:
    """A contract that starts before the first terms: those terms hold from its start (a copy, dated then)."""
    history = History.of(employee)
    if not history.terms or history.terms_on(starts_on) is not None:
        return
    first = history.terms[0]
    db.session.add(WorkTerms(employer_id=employee.employer_id, employee_id=employee.id, valid_from=starts_on,
                             employment_pct=first.employment_pct, hours_per_week=first.hours_per_week,
                             pattern=list(first.pattern), reason=first.reason,
                             created_by_id=getattr(actor, "id", None)))


def _end_text(day: date | None) -> str:
    return day.isoformat() if day else _("open-ended")


def _changed_since(old_start: date, old_end: date | None, new_start: date, new_end: date | None) -> date:
    """The earliest day employed under one of the two versions and not the other."""
    days = []
    if old_start != new_start:
        days.append(min(old_start, new_start))
    if old_end != new_end:
        ends = [day for day in (old_end, new_end) if day is not None]
        days.append(min(ends) + timedelta(days=1))
    return min(days)


def correct_contract(*, actor, employee: EmployeeRecord, period, starts_on: date, ends_on: date | None,
                     reason: str | None, today: date) -> ContractPeriod:
    """A contract period with a new start or end (None: open-ended): a new row that replaces the old one."""
    old = _period_in_force(employee, period)
    if old.starts_on == starts_on and old.ends_on == ends_on:
        raise PeopleError(_("This contract already runs from %(start)s to %(end)s.",
                            start=starts_on.isoformat(), end=_end_text(ends_on)), "ends_on")
    _check_period(employee, starts_on, ends_on, ignore=old)
    row = ContractPeriod(employer_id=employee.employer_id, employee_id=employee.id, starts_on=starts_on,
                         ends_on=ends_on, replaces_id=old.id, reason=(reason or "").strip() or None,
                         created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    _first_terms_from(employee, starts_on, actor)
    sync_summary(employee)
    record("employee.contract_corrected", actor=actor, employer_id=employee.employer_id, obj=employee,
           before=old.audit_view(), after=row.audit_view())
    change = change_messages.contract_corrected(starts_on, ends_on, old.starts_on, old.ends_on)
    _tell(employee, since=_changed_since(old.starts_on, old.ends_on, starts_on, ends_on), change=change,
          actor=actor, today=today)
    return row


def end_contract(*, actor, employee: EmployeeRecord, period, ends_on: date | None, reason: str | None,
                 today: date) -> ContractPeriod:
    """Set, move or clear (None) the end of a contract period; its start stays."""
    old = _period_in_force(employee, period)
    return correct_contract(actor=actor, employee=employee, period=old, starts_on=old.starts_on, ends_on=ends_on,
                            reason=reason, today=today)


def add_contract(*, actor, employee: EmployeeRecord, starts_on: date, ends_on: date | None, reason: str | None,
                 today: date) -> ContractPeriod:
    """A contract of its own (someone who comes back): it may not overlap a contract in force."""
    _check_period(employee, starts_on, ends_on)
    row = ContractPeriod(employer_id=employee.employer_id, employee_id=employee.id, starts_on=starts_on,
                         ends_on=ends_on, reason=(reason or "").strip() or None,
                         created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    _first_terms_from(employee, starts_on, actor)
    sync_summary(employee)
    record("employee.contract_added", actor=actor, employer_id=employee.employer_id, obj=employee,
           after=row.audit_view())
    change = change_messages.contract_added(starts_on, ends_on)
    _tell(employee, since=starts_on, change=change, actor=actor, today=today)
    return row
