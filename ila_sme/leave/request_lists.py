"""Lists of leave requests that several screens show: one's own, those to decide, who is away, the VOV
leave to be refunded. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from ila_sme.accounts.models import User
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.leave.models import HOLDING_STATUSES, LeaveRequest, RequestStatus
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveType, Scheme


def requests_of(employee: EmployeeRecord) -> list[LeaveRequest]:
    return list(db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.employee_id == employee.id)
        .options(joinedload(LeaveRequest.training), joinedload(LeaveRequest.leave_type))  # one statement
        .order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc())
    ))


# What waits for a decision, in SQL: the same answer as ``may_decide`` row by row (tests/leave/test_request_lists.py
# holds the two together), so the inbox shows a window of it and the badges count it without loading rows.

WAITING = (RequestStatus.PENDING, RequestStatus.SECOND_STEP, RequestStatus.CANCELLATION_REQUESTED)


def _active_deciders(employer_id: int):
    return (select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.employer_id == employer_id, Membership.role.in_([Role.MANAGER, Role.ADMIN]),
                   User.active.is_(True)))


def _decidable_by(user, employer, today: date):
    """``may_decide(user, request, today)`` as a condition on LeaveRequest joined with its EmployeeRecord and
    LeaveType (``approvers_of``: the approver while an active manager or admin, the deputy in their range, the
    admins for whoever has no valid approver; the second step's role; never one's own request)."""
    roles = user.roles_in(employer.id)
    first = [and_(EmployeeRecord.deputy_id == user.id, EmployeeRecord.deputy_from <= today,
                  EmployeeRecord.deputy_until >= today)]
    if user.is_active and roles & {Role.MANAGER, Role.ADMIN}:
        first.append(EmployeeRecord.approver_id == user.id)
    if Role.ADMIN in roles:
        first.append(or_(EmployeeRecord.approver_id.is_(None), EmployeeRecord.approver_id == EmployeeRecord.user_id,
                         EmployeeRecord.approver_id.not_in(_active_deciders(employer.id))))
    second = and_(LeaveRequest.status == RequestStatus.SECOND_STEP, LeaveType.second_step_role.in_(list(roles)),
                  LeaveRequest.first_decided_by_id.is_distinct_from(user.id)) if roles else false()
    return and_(
        LeaveRequest.employer_id == employer.id,
        LeaveRequest.requested_by_id.is_distinct_from(user.id), EmployeeRecord.user_id.is_distinct_from(user.id),
        or_(and_(LeaveRequest.status.in_([RequestStatus.PENDING, RequestStatus.CANCELLATION_REQUESTED]), or_(*first)),
            second),
    )


def _kind_filter(kind: str | None):
    if kind == "cancellation":
        return LeaveRequest.status == RequestStatus.CANCELLATION_REQUESTED
    if kind == "leave":
        return LeaveRequest.status != RequestStatus.CANCELLATION_REQUESTED
    return true()


def decidable_requests(user, employer, today: date, *, limit: int | None = None,
                       after: int | None = None, kind: str | None = None) -> list[LeaveRequest]:
    """Requests waiting for a decision that ``user`` may take (approver, deputy today, second step; an admin
    also those of people without a valid approver, which ``approvers_of`` hands to the admins), soonest leave
    first. ``limit`` and ``after`` (the id of the last row shown) take a window of them; ``kind``: "leave"
    or "cancellation" only."""
    query = (
        select(LeaveRequest)
        .join(EmployeeRecord, EmployeeRecord.id == LeaveRequest.employee_id)
        .join(LeaveType, LeaveType.id == LeaveRequest.leave_type_id)
        .where(LeaveRequest.status.in_(WAITING), _decidable_by(user, employer, today), _kind_filter(kind))
        .options(contains_eager(LeaveRequest.employee), contains_eager(LeaveRequest.leave_type),
                 selectinload(LeaveRequest.training), selectinload(LeaveRequest.first_decided_by))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)
    )
    if after is not None:
        marker = aliased(LeaveRequest)  # not correlated with the outer query's table
        mark = select(marker.start_date).where(marker.id == after).scalar_subquery()
        query = query.where(or_(LeaveRequest.start_date > mark,
                                and_(LeaveRequest.start_date == mark, LeaveRequest.id > after)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_decidable(user, employer, today: date, kind: str | None = None):
    """How many ``decidable_requests`` there are, as a scalar subquery (one COUNT, with others in one statement)."""
    return (select(func.count(LeaveRequest.id))
            .join(EmployeeRecord, EmployeeRecord.id == LeaveRequest.employee_id)
            .join(LeaveType, LeaveType.id == LeaveRequest.leave_type_id)
            .where(LeaveRequest.status.in_(WAITING), _decidable_by(user, employer, today), _kind_filter(kind))
            .scalar_subquery())


def away_during(requests: list[LeaveRequest], limit: int = 5) -> dict[int, tuple[list[LeaveRequest], int]]:
    """For each request: the first ``limit`` colleagues' requests holding any of its days (pending or approved)
    and how many there are in all. One query for all the rows shown, the overlap compared in SQL."""
    if not requests:
        return {}
    shown = aliased(LeaveRequest)
    other = aliased(LeaveRequest)
    numbered = (
        select(shown.id.label("shown_id"), other.id.label("other_id"),
               func.row_number().over(partition_by=shown.id, order_by=(other.start_date, other.id)).label("n"),
               func.count().over(partition_by=shown.id).label("total"))
        .join(other, and_(other.employer_id == shown.employer_id, other.employee_id != shown.employee_id,
                          other.start_date <= shown.end_date, other.end_date >= shown.start_date))
        .where(shown.id.in_([r.id for r in requests]), other.status.in_(HOLDING_STATUSES))
        .subquery()
    )
    rows = db.session.execute(
        select(numbered.c.shown_id, numbered.c.total, LeaveRequest)
        .join(LeaveRequest, LeaveRequest.id == numbered.c.other_id)
        .where(numbered.c.n <= limit)
        .options(joinedload(LeaveRequest.employee))
        .order_by(numbered.c.shown_id, numbered.c.n)
    ).all()
    found: dict[int, tuple[list[LeaveRequest], int]] = {r.id: ([], 0) for r in requests}
    for shown_id, total, away in rows:
        found[shown_id] = (found[shown_id][0] + [away], total)
    return found


def holding_between(employer, start: date, end: date, *, approved_only: bool = False,
                    employee_ids: list[int] | None = None) -> list[LeaveRequest]:
    """Requests that hold these dates (pending or approved), for calendars and 'who else is away'."""
    statuses = [RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED] if approved_only else HOLDING_STATUSES
    query = (
        select(LeaveRequest)
        .where(LeaveRequest.employer_id == employer.id, LeaveRequest.status.in_(statuses))
        .where(LeaveRequest.start_date <= end, LeaveRequest.end_date >= start)
        # many-to-one, joined: one statement however many rows (or none) the window holds
        .options(joinedload(LeaveRequest.employee), joinedload(LeaveRequest.training),
                 joinedload(LeaveRequest.leave_type))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)
    )
    if employee_ids is not None:
        query = query.where(LeaveRequest.employee_id.in_(employee_ids))
    return list(db.session.scalars(query))


def others_away(request: LeaveRequest) -> list[LeaveRequest]:
    """Colleagues with leave held on any day of ``request``."""
    return [other for other in holding_between(request.employee.employer, request.start_date, request.end_date)
            if other.employee_id != request.employee_id]


@dataclass
class RefundLine:
    request: LeaveRequest
    hours: Decimal
    rate: Decimal
    status: str = assessments.RELEASED  # released | waiting | withdrawn (the final assessment)
    assessment: assessments.FinalAssessment | None = None
    grace_until: date | None = None  # the last day to record the final assessment
    course_end: date | None = None

    @property
    def expected_refund(self) -> Decimal:
        return schemes.quantize(self.hours * self.rate)

    @property
    def grace_days(self) -> int | None:
        return (self.grace_until - self.course_end).days if self.grace_until and self.course_end else None

    @property
    def claimed(self) -> bool:
        """Withdrawn leave (no final assessment after the grace) gives no right and no refund."""
        return self.status != assessments.WITHDRAWN


def vov_refund_lines(employer, school_year: str, *, today: date) -> list[RefundLine]:
    """Approved VOV leave of a school year, with the refund rate in force on its first day and where its final
    assessment stands on ``today`` (released, waiting, withdrawn)."""
    requests = list(db.session.scalars(
        select(LeaveRequest)
        .where(LeaveRequest.employer_id == employer.id, LeaveRequest.scheme == Scheme.VOV,
               LeaveRequest.period == school_year,
               LeaveRequest.status.in_([RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED]))
        .options(selectinload(LeaveRequest.employee), selectinload(LeaveRequest.training))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)
    ))
    recorded = assessments.assessments_for(employer.id, {(request.employee_id, request.training_id)
                                                         for request in requests if request.training_id})
    lines = []
    for request in requests:
        line = RefundLine(request, Decimal(request.amount), schemes.refund_rate(employer, request.start_date))
        if request.training_id is not None:  # EVC leave has no course and no final assessment
            values = schemes.values_on(Scheme.VOV, employer, request.start_date)
            line.assessment = recorded.get((request.employee_id, request.training_id))
            line.course_end = assessments.course_end(request.training, request.end_date)
            line.status, line.grace_until = assessments.assessment_state(
                values, assessment=line.assessment, ends_on=line.course_end, today=today)
        lines.append(line)
    return lines
