"""Lists of leave requests that several screens show: one's own, those to decide, who is away, the VOV
leave to be refunded. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.leave.models import HOLDING_STATUSES, LeaveRequest, RequestStatus
from ila_sme.leave.services import may_decide
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme


def requests_of(employee: EmployeeRecord) -> list[LeaveRequest]:
    return list(db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.employee_id == employee.id)
        .options(selectinload(LeaveRequest.training), selectinload(LeaveRequest.leave_type))
        .order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc())
    ))


def decidable_requests(user, employer, today: date) -> list[LeaveRequest]:
    """Requests waiting for a decision that ``user`` may take (approver, deputy today, second step; an admin
    also those of people without a valid approver, which ``approvers_of`` hands to the admins)."""
    query = (
        select(LeaveRequest)
        .join(EmployeeRecord, EmployeeRecord.id == LeaveRequest.employee_id)
        .where(LeaveRequest.employer_id == employer.id)
        .where(LeaveRequest.status.in_([RequestStatus.PENDING, RequestStatus.SECOND_STEP,
                                        RequestStatus.CANCELLATION_REQUESTED]))
        .options(selectinload(LeaveRequest.employee), selectinload(LeaveRequest.leave_type),
                 selectinload(LeaveRequest.training))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)
    )
    if Role.ADMIN not in user.roles_in(employer.id):
        query = query.where(or_(EmployeeRecord.approver_id == user.id, EmployeeRecord.deputy_id == user.id,
                                LeaveRequest.status == RequestStatus.SECOND_STEP))
    return [request for request in db.session.scalars(query) if may_decide(user, request, today)]


def holding_between(employer, start: date, end: date, *, approved_only: bool = False,
                    employee_ids: list[int] | None = None) -> list[LeaveRequest]:
    """Requests that hold these dates (pending or approved), for calendars and 'who else is away'."""
    statuses = [RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED] if approved_only else HOLDING_STATUSES
    query = (
        select(LeaveRequest)
        .where(LeaveRequest.employer_id == employer.id, LeaveRequest.status.in_(statuses))
        .where(LeaveRequest.start_date <= end, LeaveRequest.end_date >= start)
        .options(selectinload(LeaveRequest.employee), selectinload(LeaveRequest.training))
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
