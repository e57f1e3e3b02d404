"""What the statements page needs on top of the services: the periods one may pick (none in the future),
the preview of a statement's totals, and the adjustments a period holds. Nothing here changes data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.funding.models import ClosedPeriod, Source
from ila_sme.money import from_cents
from ila_sme.reconciliation.models import Adjustment
from ila_sme.statements import cofunding
from ila_sme.statements.models import StatementExport

KINDS = ("month", "quarter", "year")
SHOWN = {"month": 24, "quarter": 12, "year": 6}  # how many periods each picker offers, newest first


def kind_of(period: periods.Period) -> str:
    return {1: "month", 3: "quarter"}.get(len(period.months), "year")


def _label(kind: str, month: str) -> str:
    if kind == "month":
        return month
    if kind == "quarter":
        return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    return month[:4]


def choices(kind: str, today: date) -> list[str]:
    """The periods of ``kind`` that have started by ``today``, newest first (the current one included)."""
    labels: list[str] = []
    month = f"{today.year:04d}-{today.month:02d}"
    while len(labels) < SHOWN[kind]:
        label = _label(kind, month)
        if label not in labels:
            labels.append(label)
        month = periods.add_months(month, -1)
    return labels


def latest_over(kind: str, today: date) -> str:
    """The latest period of ``kind`` that is over (what an accountant usually exports or closes)."""
    return next(label for label in choices(kind, today) if periods.parse(label).end <= today)


def ensure_started(period: periods.Period, today: date) -> None:
    """A statement of a period that has not begun says nothing yet: refused with a clear message."""
    if period.start > today:
        raise periods.PeriodError(_("Period %(period)s has not started yet: choose one up to today.",
                                    period=period.label))


@dataclass
class Preview:
    """The totals of a statement, as the export would write them (the service's own summary)."""

    statement: cofunding.Statement
    lines: int = 0
    employees: list[tuple[str, str, object]] = field(default_factory=list)  # name, masked number, amount
    sources: list[tuple[str, object]] = field(default_factory=list)
    overall: object = None
    budget: list[tuple[str, object]] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)


def preview(employer, period: str, *, source: str | None, language: str) -> Preview:
    """Build the statement (StatementError for a bad period or source), read its lines once, and keep the
    totals its summary gives: per employee, per source, overall, the budget position."""
    statement = cofunding.build(employer, period, source=source, language=language)
    for _line in statement.report.rows():
        pass
    employees, sources, overall, budget = statement.report.summary()
    return Preview(
        statement=statement, lines=statement.report.line_count,
        employees=[(row.cells["employee"], row.cells["national_number"], from_cents(row.cents))
                   for row in employees.rows],
        sources=[(row.cells["source"], from_cents(row.cents)) for row in sources.rows],
        overall=from_cents(overall.rows[0].cents),
        budget=[(row.cells["reference"], from_cents(row.cents)) for row in budget.rows],
        adjustments=adjustments_in(employer.id, statement.period.months) if source in (None, Source.EMPLOYER)
        else [])


def adjustments_in(employer_id: int, months) -> list[Adjustment]:
    """The adjustments booked in these months, with the contribution each corrects."""
    return list(db.session.scalars(
        select(Adjustment).where(Adjustment.employer_id == employer_id, Adjustment.period.in_(list(months)))
        .options(selectinload(Adjustment.contribution), selectinload(Adjustment.created_by))
        .order_by(Adjustment.created_at, Adjustment.id)))


def closed_months(employer_id: int, *, limit: int = 36) -> list[ClosedPeriod]:
    """The employer's closed months, newest first."""
    return list(db.session.scalars(
        select(ClosedPeriod).where(ClosedPeriod.employer_id == employer_id)
        .options(selectinload(ClosedPeriod.closed_by)).order_by(ClosedPeriod.month.desc()).limit(limit)))


def export_log(employer):
    """Every export of this employer, newest first (the export log; the home card shows the latest)."""
    return (select(StatementExport).where(StatementExport.employer_id == employer.id)
            .options(selectinload(StatementExport.created_by))
            .order_by(StatementExport.created_at.desc(), StatementExport.id.desc()))
