"""An employee's working life as dated facts: work terms (regime, hours, weekly pattern) and contract periods.

Nothing here is ever edited. A change of terms is a new ``WorkTerms`` row from a day on; on any day the
terms in force are those of the row with the latest ``valid_from`` on or before it (of two rows with the
same ``valid_from``, the one recorded last: that is how a mistake is corrected). A contract period that
changes (an end date set later, a start corrected) is a new ``ContractPeriod`` row that names the row it
``replaces``; the periods in force are the rows nobody replaced.

The entitlement rules read these facts, never the summary columns of ``EmployeeRecord``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db

WEEKDAYS = 7  # Monday first, as ``date.weekday()`` counts
ZERO_HOURS = Decimal("0")


def five_day_pattern(hours_per_week: Decimal) -> list[str]:
    """Monday to Friday at an equal share of the week's hours: the pattern when none is given."""
    day = (Decimal(hours_per_week) / 5).quantize(Decimal("0.01"))
    return [str(day)] * 5 + ["0", "0"]


class WorkTerms(db.Model):
    """The regime, hours a week and weekly pattern of an employee from ``valid_from`` on."""

    __tablename__ = "work_terms"
    __table_args__ = (
        CheckConstraint("employment_pct > 0 AND employment_pct <= 100", name="employment_pct_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    employment_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # Hours worked on each weekday, Monday first, as decimal strings: ["8", "8", "8", "8", "0", "0", "0"].
    pattern: Mapped[list] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")

    def hours_on_weekday(self, weekday: int) -> Decimal:
        return Decimal(str(self.pattern[weekday])) if self.pattern else ZERO_HOURS

    def works_on_weekday(self, weekday: int) -> bool:
        return self.hours_on_weekday(weekday) > 0

    def audit_view(self) -> dict:
        return {"valid_from": self.valid_from.isoformat(), "employment_pct": str(self.employment_pct),
                "hours_per_week": str(self.hours_per_week), "pattern": list(self.pattern or []),
                "reason": self.reason}


class ContractPeriod(db.Model):
    """One employment contract, from ``starts_on`` to ``ends_on`` (open-ended when None)."""

    __tablename__ = "contract_periods"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="contract_period_dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The row this one corrects (an end date set later, a start corrected); None: a contract of its own.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("contract_periods.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def audit_view(self) -> dict:
        return {"starts_on": self.starts_on.isoformat(),
                "ends_on": self.ends_on.isoformat() if self.ends_on else None,
                "replaces_id": self.replaces_id, "reason": self.reason}


# Reading the history -------------------------------------------------------------------------


@dataclass(frozen=True)
class TermsSpan:
    """One row of terms with the last day it is in force (None: still in force)."""

    terms: WorkTerms
    valid_until: date | None


def terms_rows(employee_id: int) -> list[WorkTerms]:
    """Every row ever recorded, in the order that decides which is in force (later wins)."""
    return list(db.session.scalars(
        select(WorkTerms).where(WorkTerms.employee_id == employee_id).order_by(WorkTerms.valid_from, WorkTerms.id)
    ))


class History:
    """An employee's facts loaded once: ask it about any day without another query."""

    def __init__(self, terms: list[WorkTerms], contracts: list[ContractPeriod]):
        by_start: dict[date, WorkTerms] = {}
        for row in sorted(terms, key=lambda row: (row.valid_from, row.id)):
            by_start[row.valid_from] = row  # the later recorded of two with the same start wins
        self.terms = [by_start[day] for day in sorted(by_start)]
        replaced = {row.replaces_id for row in contracts if row.replaces_id}
        self.contracts = sorted((row for row in contracts if row.id not in replaced),
                                key=lambda row: (row.starts_on, row.id))

    @classmethod
    def of(cls, employee) -> History:
        employee_id = employee if isinstance(employee, int) else employee.id
        contracts = db.session.scalars(select(ContractPeriod).where(ContractPeriod.employee_id == employee_id))
        return cls(terms_rows(employee_id), list(contracts))

    def terms_on(self, day: date) -> WorkTerms | None:
        found = None
        for row in self.terms:
            if row.valid_from > day:
                break
            found = row
        return found

    def spans(self) -> list[TermsSpan]:
        """The rows in force, each with the day before the next one starts."""
        return [TermsSpan(row, self.terms[i + 1].valid_from - timedelta(days=1) if i + 1 < len(self.terms) else None)
                for i, row in enumerate(self.terms)]

    def is_employed_on(self, day: date) -> bool:
        return any(period.covers(day) for period in self.contracts)

    def employed_days_in(self, first: date, last: date) -> list[tuple[date, date]]:
        """The parts of [first, last] under a contract, as (from, to) pairs in order."""
        parts = []
        for period in self.contracts:
            start = max(period.starts_on, first)
            end = min(period.ends_on or last, last)
            if start <= end:
                parts.append((start, end))
        return parts

    def first_employed_day_in(self, first: date, last: date) -> date | None:
        parts = self.employed_days_in(first, last)
        return parts[0][0] if parts else None


def start_history(employee, *, actor=None, pattern: list[str] | None = None, reason: str | None = None) -> None:
    """The first rows of a new employee's history, from the terms the record was created with."""
    db.session.add(WorkTerms(
        employer_id=employee.employer_id, employee_id=employee.id, valid_from=employee.contract_start,
        employment_pct=employee.employment_pct, hours_per_week=employee.hours_per_week,
        pattern=list(pattern) if pattern else five_day_pattern(employee.hours_per_week), reason=reason,
        created_by_id=getattr(actor, "id", None)))
    db.session.add(ContractPeriod(
        employer_id=employee.employer_id, employee_id=employee.id, starts_on=employee.contract_start,
        ends_on=employee.contract_end, reason=reason, created_by_id=getattr(actor, "id", None)))
    db.session.flush()
