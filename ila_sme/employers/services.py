"""Setting up an employer, and changing its profile (the enterprise number itself never changes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Employer, EmployerHeadcount
from ila_sme.extensions import db
from ila_sme.messages import message, number, register

EDITABLE = ("name", "region", "country", "average_fte", "joint_committee", "default_language")

# Features above this one add what a new employer needs (its default leave types) in the same
# transaction: receivers are called as ``receiver(employer, today=...)`` and add and flush.
employer_set_up = Namespace().signal("employer-set-up")
# The average FTE headcount of a reference year changed: features above recompute what depends on it,
# in the same transaction. ``receiver(employer, year=int, change=message, actor=User, today=date)``: ``change``
# says it in the reader's language (``ila_sme.messages``).
headcount_changed = Namespace().signal("headcount-changed")
register("employers.headcount_changed", lambda year, fte, before: _(
    "average headcount %(year)s: %(fte)s FTE (was %(before)s)", year=year, fte=number(fte), before=number(before)))


def create_employer(*, actor, today: date, **fields) -> Employer:
    """A new employer, set up: every feature that listens adds its defaults, in the caller's transaction."""
    employer = Employer(**fields)
    db.session.add(employer)
    db.session.flush()
    record("employer.created", actor=actor, employer_id=employer.id, obj=employer, after={"name": employer.name})
    set_up(employer, today)
    return employer


def set_up(employer: Employer, today: date) -> None:
    """What a new employer needs before anyone looks at it; idempotent (an older employer gets what it lacks)."""
    employer_set_up.send(employer, today=today)


def _view(employer: Employer) -> dict:
    view = {key: getattr(employer, key) for key in EDITABLE}
    view["average_fte"] = f"{Decimal(employer.average_fte):.2f}"
    return view


def update_employer(*, actor, employer: Employer, data: dict) -> Employer:
    before = _view(employer)
    for key in EDITABLE:
        setattr(employer, key, data[key])
    old, new = changes(before, _view(employer))
    if new:
        record("employer.updated", actor=actor, employer_id=employer.id, obj=employer, before=old, after=new)
    return employer


def average_fte_in(employer: Employer, year: int) -> Decimal:
    """The average FTE headcount of a reference year: the figure recorded last for that year, else the one
    the employer gave at set-up (``Employer.average_fte``)."""
    recorded = db.session.scalar(
        select(EmployerHeadcount.average_fte)
        .where(EmployerHeadcount.employer_id == employer.id, EmployerHeadcount.year == year)
        .order_by(EmployerHeadcount.id.desc()).limit(1)
    )
    return Decimal(recorded if recorded is not None else (employer.average_fte or 0))


class EmployerError(Exception):
    """A business rule refused the change; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


MIN_HEADCOUNT_YEAR = 2000


def set_headcount(*, actor, employer: Employer, year: int, average_fte, reason: str | None,
                  today: date) -> EmployerHeadcount:
    """The average FTE headcount of a reference year: a new row (the latest of a year counts), never an edit.
    Audited, then ``headcount_changed`` tells the features above, in the caller's transaction."""
    if not isinstance(year, int) or not MIN_HEADCOUNT_YEAR <= year <= today.year + 1:
        raise EmployerError(_("Choose a year from %(first)s to %(last)s.", first=MIN_HEADCOUNT_YEAR,
                              last=today.year + 1), "year")
    try:
        fte = Decimal(str(average_fte)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise EmployerError(_("The headcount is a number of full-time equivalents."), "average_fte") from error
    if not fte.is_finite() or fte < 0:
        raise EmployerError(_("The headcount cannot be negative."), "average_fte")
    before = average_fte_in(employer, year)
    row = EmployerHeadcount(employer_id=employer.id, year=year, average_fte=fte,
                            reason=(reason or "").strip() or None, created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record("employer.headcount_set", actor=actor, employer_id=employer.id, obj=employer,
           before={"year": year, "average_fte": f"{before:.2f}"},
           after={"year": year, "average_fte": f"{fte:.2f}", "reason": row.reason})
    change = message("employers.headcount_changed", year=year, fte=f"{fte:.2f}", before=f"{before:.2f}")
    headcount_changed.send(employer, year=year, change=change, actor=actor, today=today)
    return row


def headcounts(employer: Employer) -> list[EmployerHeadcount]:
    """Every recorded row, the latest year first and within a year the latest recorded first."""
    return list(db.session.scalars(
        select(EmployerHeadcount).where(EmployerHeadcount.employer_id == employer.id)
        .order_by(EmployerHeadcount.year.desc(), EmployerHeadcount.id.desc())))
