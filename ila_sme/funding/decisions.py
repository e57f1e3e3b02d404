"""Which co-funding requests wait for a decision, and which of them a user may take: the co-funding page's
"Waiting for your decision" and the approvals inbox both read them here. Read-only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ila_sme.extensions import db
from ila_sme.funding.models import UNDECIDED, FundingRequest
from ila_sme.funding.permissions import may_decide, may_decide_here


def undecided(employer) -> list[FundingRequest]:
    """The employer's requests waiting for a manager (pending) or an admin (second step), oldest first."""
    return list(db.session.scalars(
        select(FundingRequest).where(FundingRequest.employer_id == employer.id,
                                     FundingRequest.status.in_(UNDECIDED))
        .options(selectinload(FundingRequest.parts), selectinload(FundingRequest.employee),
                 selectinload(FundingRequest.training), selectinload(FundingRequest.leave_request))
        .order_by(FundingRequest.created_at, FundingRequest.id)
    ))


def waiting_for(user, employer) -> list[FundingRequest]:
    """What ``user`` may decide, with the co-funding that follows a training leave's decision."""
    return [funding for funding in undecided(employer) if may_decide(user, funding)]


def decidable(user, employer) -> list[FundingRequest]:
    """What ``user`` decides on its own: the co-funding asked with a training leave is decided with the leave."""
    return [funding for funding in undecided(employer) if may_decide_here(user, funding)]
