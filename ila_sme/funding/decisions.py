"""Which co-funding requests wait for a decision, and which of them a user may take: the co-funding page's
"Waiting for your decision" and the approvals inbox both read them here. Read-only."""

from __future__ import annotations

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ila_sme.extensions import db
from ila_sme.funding.models import UNDECIDED, FundingRequest, FundingStatus
from ila_sme.funding.permissions import may_decide, may_decide_here
from ila_sme.leave.models import OPEN_STATUSES, LeaveRequest
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role


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


# The same, in SQL (the inbox's window and the badges' counts) ----------------------------------------------


def _decidable_here_by(user, employer):
    """``may_decide_here(user, funding)`` as a condition on FundingRequest joined with its EmployeeRecord and,
    outer, the LeaveRequest it was asked with."""
    return and_(decidable_by(user, employer),
                or_(FundingRequest.leave_request_id.is_(None), LeaveRequest.status.not_in(OPEN_STATUSES)))


def decidable_by(user, employer):
    """``may_decide(user, funding)`` as a condition on FundingRequest joined with its EmployeeRecord (the
    co-funding asked with a training leave included)."""
    roles = user.roles_in(employer.id)
    steps = []
    if roles & {Role.MANAGER, Role.ADMIN}:
        steps.append(FundingRequest.status == FundingStatus.PENDING)
    if Role.ADMIN in roles:
        steps.append(and_(FundingRequest.status == FundingStatus.SECOND_STEP,
                          FundingRequest.first_decided_by_id.is_distinct_from(user.id)))
    return and_(
        FundingRequest.employer_id == employer.id, FundingRequest.status.in_(UNDECIDED),
        or_(*steps) if steps else false(),
        FundingRequest.requested_by_id.is_distinct_from(user.id), EmployeeRecord.user_id.is_distinct_from(user.id),
    )


def _joined(query):
    return (query.join(EmployeeRecord, EmployeeRecord.id == FundingRequest.employee_id)
            .outerjoin(LeaveRequest, LeaveRequest.id == FundingRequest.leave_request_id))


def decidable_window(user, employer, *, limit: int, after: int | None = None) -> list[FundingRequest]:
    """``decidable``, oldest first, ``limit`` of them after the request ``after`` (its id)."""
    query = _joined(select(FundingRequest)).where(_decidable_here_by(user, employer))
    if after is not None:
        marker = aliased(FundingRequest)  # not correlated with the outer query's table
        mark = select(marker.created_at).where(marker.id == after).scalar_subquery()
        query = query.where(or_(FundingRequest.created_at > mark,
                                and_(FundingRequest.created_at == mark, FundingRequest.id > after)))
    return list(db.session.scalars(
        query.options(contains_eager(FundingRequest.employee), selectinload(FundingRequest.parts),
                      selectinload(FundingRequest.training), selectinload(FundingRequest.requested_by))
        .order_by(FundingRequest.created_at, FundingRequest.id).limit(limit)))


def count_decidable(user, employer):
    """How many ``decidable`` there are, as a scalar subquery."""
    return _joined(select(func.count(FundingRequest.id))).where(_decidable_here_by(user, employer)).scalar_subquery()
