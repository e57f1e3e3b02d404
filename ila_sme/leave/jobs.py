"""The ledger's yearly jobs: allocate the current period's entitlements, close the previous period.

Allocation also happens at set-up: a new employee (or one whose contract changed) gets the
current period's rows in the transaction that saves them (``employee_set_up``). No page allocates.

Plain functions: ``flask --app app leave allocate|close-periods`` call them, and so will the
scheduler. Each employer is its own transaction: a failure rolls back that employer only and is
reported, the others stand. Both jobs are idempotent: the ledger rows' keys make a second run, or
a run after a crash, add nothing more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select

from ila_sme import dates
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.leave.balances import schemes_in_use
from ila_sme.leave.models import LedgerEntry
from ila_sme.outcomes import Outcome
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme


@dataclass
class EmployerRun:
    """What one job did for one employer: rows added per "scheme period: kind", or the error."""

    employer_id: int
    name: str
    enterprise_number: str
    added: Counter = field(default_factory=Counter)
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.added.values())


@dataclass
class JobResult:
    runs: list[EmployerRun]

    @property
    def total(self) -> int:
        return sum(run.total for run in self.runs)

    @property
    def failures(self) -> list[EmployerRun]:
        return [run for run in self.runs if run.error]

    @property
    def ok(self) -> bool:
        return not self.failures


# One employer, inside the caller's transaction -----------------------------------------------


def active_employees(employer, today: date) -> list[EmployeeRecord]:
    return list(db.session.scalars(
        select(EmployeeRecord).where(
            EmployeeRecord.employer_id == employer.id, EmployeeRecord.contract_start <= today,
            or_(EmployeeRecord.contract_end.is_(None), EmployeeRecord.contract_end >= today),
        ).order_by(EmployeeRecord.id)
    ))


def allocate_for(employer, today: date) -> Counter:
    """This period's allocation rows for every active employee and every scheme in use.

    An employer set up before leave types were part of set-up gets its default ones first.
    """
    schemes.install_leave_types(employer, today)
    added: Counter = Counter()
    for employee in active_employees(employer, today):
        added.update(allocate_employee(employee, employer, today))
    return added


def allocate_employee(employee, employer, today: date) -> Counter:
    """The current period's allocation rows of one employee, for every scheme in use (idempotent)."""
    added: Counter = Counter()
    for scheme in schemes_in_use(employer):
        period = schemes.period_of(scheme, today)
        if not schemes.applies_to(scheme, employer, period.start):
            continue  # no parameters of this scheme for this employer in this period
        rows = ledger.ensure_allocation(employee, employer, scheme, period)
        if rows:
            added[f"{scheme} {period.label}: allocation"] += len(rows)
    return added


@people.employee_set_up.connect
def _allocate_an_employee_set_up(employee, *, today: date, **_ignored) -> None:
    """A new employee, or one whose contract changed, has this period's rows at once (no page makes them)."""
    schemes.install_leave_types(employee.employer, today)
    allocate_employee(employee, employee.employer, today)


def previous_period(scheme: str, today: date) -> schemes.Period:
    """The period before the one ``today`` falls in: it has ended by construction."""
    return schemes.period_of(scheme, schemes.period_of(scheme, today).start - timedelta(days=1))


def close_for(employer, today: date) -> Counter:
    """Carry over or let expire what every employee had left at the end of the previous period."""
    added: Counter = Counter()
    for scheme in Scheme:
        period = previous_period(scheme, today)
        employee_ids = db.session.scalars(
            select(LedgerEntry.employee_id).distinct().where(
                LedgerEntry.employer_id == employer.id, LedgerEntry.scheme == scheme.value,
                LedgerEntry.period == period.label,
            )
        ).all()
        employees = db.session.scalars(
            select(EmployeeRecord).where(EmployeeRecord.id.in_(employee_ids)).order_by(EmployeeRecord.id)
        ).all() if employee_ids else []
        for employee in employees:
            for row in ledger.close_period(employee, employer, scheme.value, period):
                added[f"{scheme.value} {period.label}: {row.kind}"] += 1
    return added


# Every employer (or one), each in its own transaction -----------------------------------------


def _run(job: Callable[[Employer, date], Counter], today: date, employer=None) -> JobResult:
    employers = [employer] if employer is not None else db.session.scalars(
        select(Employer).order_by(Employer.id)).all()
    runs = [EmployerRun(e.id, e.name, e.enterprise_number) for e in employers]
    for run in runs:
        try:
            run.added = job(db.session.get(Employer, run.employer_id), today)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one employer's failure must leave the others done
            db.session.rollback()
            run.added = Counter()
            run.error = f"{type(error).__name__}: {error}"
            current_app.logger.exception("leave job %s failed for employer %s", job.__name__, run.employer_id)
    return JobResult(runs)


def allocate_year(today: date, employer=None) -> JobResult:
    """Every active employee's allocation for the current period of each scheme in use."""
    return _run(allocate_for, today, employer)


def close_periods(today: date, employer=None) -> JobResult:
    """For each scheme, close the period before today's: carry-over and expiry rows."""
    return _run(close_for, today, employer)


def leave_allocation() -> Outcome:
    """The scheduler's ``leave-allocation`` job: today's ``allocate_year``, its failures per employer."""
    result = allocate_year(dates.today())
    problem = "; ".join(f"{run.name}: {run.error}" for run in result.failures) or None
    return Outcome({"employers": len(result.runs), "rows_added": result.total, "failed": len(result.failures)},
                   problem)
