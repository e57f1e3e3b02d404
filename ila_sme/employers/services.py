"""Setting up an employer, and changing its profile (the enterprise number itself never changes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from blinker import Namespace
from sqlalchemy import select

from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Employer, EmployerHeadcount
from ila_sme.extensions import db

EDITABLE = ("name", "region", "country", "average_fte", "joint_committee", "default_language")

# Features above this one add what a new employer needs (its default leave types) in the same
# transaction: receivers are called as ``receiver(employer, today=...)`` and add and flush.
employer_set_up = Namespace().signal("employer-set-up")
# The average FTE headcount of a reference year changed: features above recompute what depends on it,
# in the same transaction. ``receiver(employer, year=int, change=str, actor=User, today=date)``.
headcount_changed = Namespace().signal("headcount-changed")


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
