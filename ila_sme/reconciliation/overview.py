"""Where the reconciliation stands, read-only: the run the page shows, the last run that finished its work, and
the queue of differences. The reconciliation page and the accountant's home card both read them here."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ila_sme.extensions import db
from ila_sme.reconciliation.models import Difference, DifferenceState, ReconciliationRun, RunState


def current_run(employer) -> ReconciliationRun | None:
    """The run at work (or the oldest waiting one); else the latest. One query: running first (newest), then
    queued (oldest), then any other (newest)."""
    state = ReconciliationRun.state
    return db.session.scalar(
        select(ReconciliationRun).where(ReconciliationRun.employer_id == employer.id)
        .order_by(case((state == RunState.RUNNING, 0), (state == RunState.QUEUED, 1), else_=2),
                  case((state == RunState.QUEUED, ReconciliationRun.id), else_=-ReconciliationRun.id))
        .limit(1))


def last_done_run(employer) -> ReconciliationRun | None:
    """The latest run that compared everything with the register (done): only after one can the app say that it
    and the register agree."""
    return db.session.scalar(select(ReconciliationRun).where(
        ReconciliationRun.employer_id == employer.id, ReconciliationRun.state == RunState.DONE)
        .order_by(ReconciliationRun.id.desc()).limit(1))


def differences(employer, *, show: str = DifferenceState.OPEN, kind: str = ""):
    """The queue: open / resolved / all (``show``), of one kind or every kind; open first, newest first."""
    query = select(Difference).where(Difference.employer_id == employer.id)
    if show != "all":
        query = query.where(Difference.state == show)
    if kind:
        query = query.where(Difference.kind == kind)
    return query.options(selectinload(Difference.employee), selectinload(Difference.resolved_by)).order_by(
        case((Difference.state == DifferenceState.OPEN, 0), else_=1), Difference.found_at.desc(),
        Difference.id.desc())


def open_differences(employer) -> int:
    """How many differences wait in the queue (what the page lists under "open")."""
    return db.session.scalar(select(func.count()).select_from(
        differences(employer).order_by(None).options().subquery())) or 0
