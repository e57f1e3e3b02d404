"""Statement periods (a month 2026-07, a quarter 2026-Q3, a year 2026) and closing them.

Once a month is closed for an employer nothing booked in it changes: ``ensure_open`` is the guard every
service that changes a booked amount calls first; a correction becomes an ``Adjustment`` in the next open
month (``reconciliation.adjustments``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import budget
from ila_sme.funding.models import ClosedPeriod, Contribution, ContributionStatus
from ila_sme.money import to_cents

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
WAITING = (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.FAILED)


class PeriodError(Exception):
    """A period that cannot be read, closed or changed; the message says why."""


class PeriodClosed(PeriodError):
    def __init__(self, month: str, following: str):
        self.month, self.following = month, following
        super().__init__(_("Period %(period)s is closed: its booked amounts no longer change. Record the "
                           "correction as an adjustment in the next open period (%(next)s).",
                           period=month, next=following))


@dataclass(frozen=True)
class Period:
    label: str  # as asked: 2026-07, 2026-Q3, 2026
    months: tuple[str, ...]

    @property
    def start(self) -> date:
        year, month = map(int, self.months[0].split("-"))
        return date(year, month, 1)

    @property
    def end(self) -> date:
        """The first day AFTER the period."""
        return month_start(add_months(self.months[-1], 1))

    @property
    def year(self) -> int:
        return int(self.months[0][:4])


def month_start(month: str) -> date:
    year, number = map(int, month.split("-"))
    return date(year, number, 1)


def add_months(month: str, count: int) -> str:
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse(value: str | None) -> Period:
    """'2026-07', '2026-Q3' or '2026'; PeriodError with a clear message otherwise."""
    text = (value or "").strip()
    if match := _MONTH.match(text):
        return Period(text, (text,))
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = f"{year:04d}-{3 * quarter - 2:02d}"
        return Period(f"{year:04d}-Q{quarter}", tuple(add_months(first, i) for i in range(3)))
    if match := _YEAR.match(text):
        return Period(text, tuple(f"{text}-{m:02d}" for m in range(1, 13)))
    raise PeriodError(_("Not a period: %(value)s. Give a month (2026-07), a quarter (2026-Q3) or a year (2026).",
                        value=text[:20]))


def closed_months(employer_id: int, months) -> dict[str, ClosedPeriod]:
    return {row.month: row for row in db.session.scalars(select(ClosedPeriod).where(
        ClosedPeriod.employer_id == employer_id, ClosedPeriod.month.in_(list(months))))}


def is_closed(employer_id: int, month: str) -> bool:
    return db.session.scalar(select(ClosedPeriod.id).where(
        ClosedPeriod.employer_id == employer_id, ClosedPeriod.month == month)) is not None


def next_open_month(employer_id: int, month: str) -> str:
    """The first month after ``month`` that is not closed."""
    closed = set(db.session.scalars(select(ClosedPeriod.month).where(
        ClosedPeriod.employer_id == employer_id, ClosedPeriod.month > month)))
    following = add_months(month, 1)
    while following in closed:
        following = add_months(following, 1)
    return following


def ensure_open(employer_id: int, month: str | None) -> None:
    """The guard: PeriodClosed when ``month`` is closed for this employer."""
    if month and is_closed(employer_id, month):
        raise PeriodClosed(month, next_open_month(employer_id, month))


def _position(employer, year: int) -> dict:
    position = budget.position(employer, year)
    return {"year": year, "budget": to_cents(position.budget), "reserved": to_cents(position.reserved),
            "booked": to_cents(position.booked)}


def close(*, actor, employer, period: str, today: date) -> list[ClosedPeriod]:
    """Close every month of ``period`` that is not closed yet. Refused (nothing changes) for a month not
    over yet, or with contributions still waiting for the register. The caller commits."""
    wanted = parse(period)
    if wanted.end > today:
        raise PeriodError(_("Period %(period)s is not over yet: it can be closed from %(day)s on.",
                            period=wanted.label, day=wanted.end.isoformat()))
    already = closed_months(employer.id, wanted.months)
    months = [month for month in wanted.months if month not in already]
    if not months:
        raise PeriodError(_("Period %(period)s is already closed.", period=wanted.label))
    waiting = db.session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.employer_id == employer.id, Contribution.period.in_(months),
        Contribution.status.in_(WAITING)))
    if waiting:
        raise PeriodError(_("Period %(period)s still has %(count)s contributions waiting for the register: "
                            "submit or write them off before closing.", period=wanted.label, count=waiting))
    now: datetime = utcnow()
    rows = [ClosedPeriod(employer_id=employer.id, month=month, closed_by_id=getattr(actor, "id", None),
                         closed_at=now, position=_position(employer, int(month[:4]))) for month in months]
    db.session.add_all(rows)
    db.session.flush()
    record("statements.period_closed", actor=actor, employer_id=employer.id, obj=rows[-1],
           after={"period": wanted.label, "months": months})
    return rows
