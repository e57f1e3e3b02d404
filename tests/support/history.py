"""Changing an employee's working life in a test as the people screens do: a new dated row (never an edit),
the summary columns of the record brought up to date, and ``employment_changed`` sent in the same
transaction (so the entitlements are recomputed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ila_sme.extensions import db
from ila_sme.people.history import ContractPeriod, History, WorkTerms, five_day_pattern
from ila_sme.people.services import employment_changed


def change_terms(employee, valid_from: date, *, employment_pct=None, hours_per_week=None, pattern=None,
                 actor=None, today: date | None = None, change: str | None = None, signal: bool = True,
                 summary: bool = True) -> WorkTerms:
    """New terms from ``valid_from`` (what is not given stays as in force that day); ``summary``: bring the
    record's summary columns up to date too."""
    current = History.of(employee).terms_on(valid_from) or History.of(employee).terms[0]
    pct = Decimal(str(employment_pct)) if employment_pct is not None else Decimal(current.employment_pct)
    hours = Decimal(str(hours_per_week)) if hours_per_week is not None else Decimal(current.hours_per_week)
    row = WorkTerms(employer_id=employee.employer_id, employee_id=employee.id, valid_from=valid_from,
                    employment_pct=pct, hours_per_week=hours, pattern=list(pattern or five_day_pattern(hours)),
                    reason=change, created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    if summary:
        latest = History.of(employee).terms[-1]
        employee.employment_pct, employee.hours_per_week = latest.employment_pct, latest.hours_per_week
        db.session.flush()
    if signal:
        employment_changed.send(employee, since=valid_from, actor=actor, today=today or valid_from,
                                change=change or f"work regime {pct.normalize():f} % from {valid_from.isoformat()}")
    return row


def end_contract(employee, ends_on: date | None, *, actor=None, today: date | None = None, change: str | None = None,
                 signal: bool = True) -> ContractPeriod:
    """The contract in force (the last one) gets an end date: a new row that replaces it."""
    current = History.of(employee).contracts[-1]
    row = ContractPeriod(employer_id=employee.employer_id, employee_id=employee.id, starts_on=current.starts_on,
                         ends_on=ends_on, replaces_id=current.id, reason=change,
                         created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    employee.contract_end = ends_on
    db.session.flush()
    if signal:
        since = min(ends_on, current.ends_on) if ends_on and current.ends_on else (ends_on or current.starts_on)
        employment_changed.send(employee, since=since, actor=actor, today=today or since,
                                change=change or f"contract ends on {ends_on.isoformat() if ends_on else '—'}")
    return row
