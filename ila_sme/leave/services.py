"""Requesting, deciding and cancelling training leave. Every movement goes through the ledger.

Services take ``actor`` and ``today`` explicitly, add and flush, and never commit: the view or
job that calls them commits once, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import HOLDING_STATUSES, EntryKind, LeaveRequest, RequestStatus
from ila_sme.leave.notices import approvers_of, tell_approvers, tell_employee, tell_second_step
from ila_sme.leave.signals import leave_decided
from ila_sme.people.history import History
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind, Scheme, Unit
from ila_sme.worktime import services as worktime
from ila_sme.worktime.services import DayCount

__all__ = ["LeaveError", "RequestInput", "Preview", "preview", "submit", "withdraw", "ask_cancellation",
           "approve", "reject", "decide_cancellation", "approvers_of", "may_decide"]


MAX_COUNTED_SPAN = 366  # days


@dataclass
class RequestInput:
    leave_type: object  # LeaveType
    start_date: date
    end_date: date
    training: object | None = None  # Training
    start_half: bool = False
    end_half: bool = False
    hours_per_day: Decimal | None = None
    exams: int = 0
    evc_competences: int = 0
    study_points: Decimal = Decimal("0")
    employer_suggested: bool = False  # VOV: "my employer suggested this training" (counts only in a year allowing it)
    note: str | None = None


@dataclass
class Preview:
    amount: Decimal
    unit: Unit
    period: schemes.Period
    remaining_before: Decimal
    problems: list[str]
    days: list[DayCount] = field(default_factory=list)  # how each date was counted

    @property
    def skipped_days(self) -> list[DayCount]:
        return worktime.skipped(self.days)

    @property
    def remaining_after(self) -> Decimal:
        return self.remaining_before - self.amount

    @property
    def ok(self) -> bool:
        return not self.problems


def _amount(data: RequestInput, employer, scheme: str, counts: list[DayCount]) -> Decimal:
    """Days: the dates counted (a half day 0.5). VOV hours: each counted date at the training's hours per day
    if given, else at the pattern's hours of that date (none for an exam, EVC or study-points request without
    hours per day: those count their own hours); then the exams and competences as ``counted_vov_hours`` adds them."""
    if scheme == Scheme.TRAINING_RIGHT:
        return schemes.quantize(worktime.counted_days(counts))
    values = schemes.values_on(scheme, employer, data.start_date)
    if data.hours_per_day:
        attended = sum((count.days * data.hours_per_day for count in counts), Decimal("0"))
    elif data.exams or data.evc_competences or data.study_points:
        attended = Decimal("0")
    else:
        attended = sum((count.hours for count in counts), Decimal("0"))
    return schemes.counted_vov_hours(values, attended=attended, exams=data.exams,
                                     evc_competences=data.evc_competences, study_points=data.study_points)


def _half_days(start: date, end: date, start_half: bool, end_half: bool) -> tuple[int, int]:
    """The first and last half day held (two per date: the morning, then the afternoon)."""
    first = start.toordinal() * 2 + (1 if start_half else 0)
    last = end.toordinal() * 2 + (0 if end_half else 1)
    if last < first:  # one date ticked both ways: half a day, but which half is unknown: hold the date
        return start.toordinal() * 2, end.toordinal() * 2 + 1
    return first, last


def _half_days_meet(one: tuple[int, int], other: tuple[int, int]) -> bool:
    """A morning and an afternoon of the same date do not overlap."""
    return one[0] <= other[1] and other[0] <= one[1]


def _problems(employee: EmployeeRecord, employer, data: RequestInput, amount: Decimal, today: date) -> list[str]:
    problems = []
    leave_type, training = data.leave_type, data.training
    if data.end_date < data.start_date:
        return [_("The last day is before the first day.")]
    if schemes.period_of(leave_type.scheme, data.start_date) != schemes.period_of(leave_type.scheme, data.end_date):
        problems.append(_("A request must stay within one year of the scheme; split it in two."))
    history = History.of(employee)
    if not history.is_employed_on(data.start_date) or not history.is_employed_on(data.end_date):
        problems.append(_("These dates fall outside the employment contract."))
    if leave_type.needs_training and training is None:
        problems.append(_("Choose the training this leave is for."))
    if training is not None:
        if not training.visible_to(employer):
            problems.append(_("This training is not in the catalogue."))
        elif training.withdrawn:
            problems.append(_("This training was withdrawn from the registry."))
        elif not training.is_available_on(data.start_date):
            problems.append(_("This training is not offered on these dates (expired or not yet valid)."))
    if leave_type.kind == LeaveKind.EVC and leave_type.scheme == Scheme.VOV and data.evc_competences < 1:
        problems.append(_("Give the number of competences to be recognised."))
    if leave_type.scheme == Scheme.VOV:
        problems += schemes.vov_conditions(employee, employer, training if leave_type.needs_training else None,
                                           data.start_date)
        if training is not None and leave_type.needs_training:
            window = schemes.vov_window(employer, training, data.start_date)
            if window is None:
                problems.append(_("The registry gives no course dates for this training: Flemish training leave "
                                  "follows the course, not the period the training is listed."))
            elif data.start_date < window[0] or data.end_date > window[1]:
                problems.append(_("Flemish training leave can be taken from %(first)s to %(last)s for this training.",
                                  first=window[0].isoformat(), last=window[1].isoformat()))
    if amount <= 0:
        problems.append(_("These dates hold no working day."))
    asked = _half_days(data.start_date, data.end_date, data.start_half, data.end_half)
    overlapping = next((
        other for other in db.session.scalars(
            select(LeaveRequest).where(
                LeaveRequest.employee_id == employee.id,
                LeaveRequest.status.in_(HOLDING_STATUSES),
                LeaveRequest.start_date <= data.end_date,
                LeaveRequest.end_date >= data.start_date,
            ).order_by(LeaveRequest.start_date, LeaveRequest.id)
        )
        if _half_days_meet(asked, _half_days(other.start_date, other.end_date, other.start_half, other.end_half))
    ), None)
    if overlapping is not None:
        problems.append(_("You already have a request from %(first)s to %(last)s on these dates.",
                          first=overlapping.start_date.isoformat(), last=overlapping.end_date.isoformat()))
    return problems


def preview(employee: EmployeeRecord, employer, data: RequestInput, today: date) -> Preview:
    """What the request would draw and leave; the same checks as ``submit``, nothing written.

    A period not allocated yet counts the allocation that ``submit`` adds before it reserves.
    """
    scheme = data.leave_type.scheme
    period = schemes.period_of(scheme, data.start_date)
    if data.leave_type.employer_id != employer.id or not data.leave_type.active:
        return Preview(Decimal("0"), data.leave_type.unit, period, Decimal("0"),
                       [_("This kind of leave is not offered by your employer.")])
    # A request stays within one year of its scheme (a problem below): a longer span is not counted day by day.
    counts = []
    if (data.end_date - data.start_date).days <= MAX_COUNTED_SPAN:
        counts = worktime.count_days(employee, employer, data.start_date, data.end_date,
                                     start_half=data.start_half, end_half=data.end_half)
    try:
        amount = _amount(data, employer, scheme, counts)
        missing = ledger.missing_allocations(employee, employer, scheme, period)
    except schemes.SchemeError as error:
        return Preview(Decimal("0"), data.leave_type.unit, period, Decimal("0"), [str(error)])
    remaining = ledger.balance(employee.id, scheme, period.label).remaining + sum(
        (allocation.amount for allocation in missing), Decimal("0"))
    problems = _problems(employee, employer, data, amount, today)
    if amount > remaining and amount > 0:
        problems.append(_("This asks %(amount)s %(unit)s, but only %(remaining)s %(unit)s remain in %(period)s.",
                          amount=amount, remaining=remaining, unit=_unit(data.leave_type.unit), period=period.label))
    elif amount > 0 and scheme == Scheme.VOV and not suggested(data, employer):
        base = _base_remaining(employee, period, missing)
        if amount > base:
            problems.append(_("This asks %(amount)s hours, but only %(base)s hours of the base hours remain in "
                              "%(period)s; the other hours are for training your employer suggested.",
                              amount=amount, base=base, period=period.label))
    return Preview(amount, data.leave_type.unit, period, remaining, problems, counts)


def suggested(data: RequestInput, employer) -> bool:
    """A VOV training-leave request (not an EVC) for training the employer suggested, in a school year that
    allows extra hours for it; elsewhere the mark counts for nothing."""
    return bool(data.employer_suggested and data.leave_type.scheme == Scheme.VOV and data.leave_type.needs_training
                and schemes.vov_allows_suggested(employer, data.start_date))


def _base_remaining(employee: EmployeeRecord, period: schemes.Period, missing: list) -> Decimal:
    """The VOV base hours left for a request the employer did not suggest: the base allocation (with the
    recalculation and correction rows, and the base allocation ``submit`` would add) less what the person's
    other non-suggested requests of the period hold (pending, second step, approved, cancellation asked)."""
    source = schemes.VOV_SUGGESTED_SOURCE
    base = ledger.base_rows_total(employee, Scheme.VOV, period.label, apart=source) + sum(
        (allocation.amount for allocation in missing if allocation.source != source), Decimal("0"))
    held = db.session.scalars(select(LeaveRequest.amount).where(
        LeaveRequest.employee_id == employee.id, LeaveRequest.scheme == Scheme.VOV.value,
        LeaveRequest.period == period.label, LeaveRequest.status.in_(HOLDING_STATUSES),
        LeaveRequest.employer_suggested.is_(False)))
    return base - sum((Decimal(amount) for amount in held), Decimal("0"))


def _unit(unit: Unit) -> str:
    return _("days") if unit == Unit.DAYS else _("hours")


def submit(*, actor, employee: EmployeeRecord, data: RequestInput, today: date) -> LeaveRequest:
    """Check everything, then create the request and its reservation in the caller's transaction."""
    employer = employee.employer
    if actor.id != employee.user_id:
        raise LeaveError(_("You can only request leave for yourself."))
    # One request at a time per employee: the row lock makes concurrent submits wait their turn.
    db.session.execute(select(EmployeeRecord.id).where(EmployeeRecord.id == employee.id).with_for_update())
    result = preview(employee, employer, data, today)
    if not result.ok:
        raise LeaveError(" ".join(result.problems))
    # The period asked for may not be allocated yet (next year's, or before tonight's job): add it now.
    ledger.ensure_allocation(employee, employer, data.leave_type.scheme, result.period)
    request = LeaveRequest(
        employer_id=employer.id, employee_id=employee.id, leave_type_id=data.leave_type.id,
        scheme=data.leave_type.scheme, period=result.period.label,
        training_id=data.training.id if data.training else None, start_date=data.start_date, end_date=data.end_date,
        start_half=data.start_half, end_half=data.end_half, hours_per_day=data.hours_per_day, exams=data.exams,
        evc_competences=data.evc_competences, study_points=data.study_points or Decimal("0"), amount=result.amount,
        employer_suggested=suggested(data, employer),
        day_counts=[count.as_json() for count in result.days], note=(data.note or "").strip() or None,
        status=RequestStatus.PENDING, requested_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    ledger.add(employee, scheme=request.scheme, period=request.period, kind=EntryKind.RESERVATION,
               amount=-request.amount, request_id=request.id, actor=actor)
    record("leave.requested", actor=actor, employer_id=employer.id, obj=request, after=request.audit_view())
    tell_approvers(request, today)
    return request


# Who decides ---------------------------------------------------------------------------------


def _is_own(user, request: LeaveRequest) -> bool:
    return request.requested_by_id == user.id or request.employee.user_id == user.id


def may_decide(user, request: LeaveRequest, today: date) -> bool:
    """Whether ``user`` may take the next decision on ``request``; never on one's own request."""
    if _is_own(user, request):
        return False
    if request.status in (RequestStatus.PENDING, RequestStatus.CANCELLATION_REQUESTED):
        return _named_decider(user, request.employee, today) or user.id in approvers_of(request.employee, today)
    if request.status == RequestStatus.SECOND_STEP:
        role = request.leave_type.second_step_role
        return bool(role) and role in user.roles_in(request.employer_id) and user.id != request.first_decided_by_id
    return False


def _named_decider(user, employee, today: date) -> bool:
    """The common case, without a query: ``user`` is the employee's deputy today, or their approver and an
    active manager or admin of the employer (``approvers_of`` would name them too)."""
    if user.id == employee.user_id:
        return False
    if user.id == employee.deputy_id and employee.deputy_active_on(today):
        return True
    return (user.id == employee.approver_id and user.is_active
            and bool({Role.MANAGER, Role.ADMIN} & user.roles_in(employee.employer_id)))


def _refuse_unless_allowed(actor, request: LeaveRequest, today: date) -> None:
    if _is_own(actor, request):
        raise LeaveError(_("Nobody decides on their own request."))
    if not may_decide(actor, request, today):
        if request.status not in (RequestStatus.PENDING, RequestStatus.SECOND_STEP,
                                  RequestStatus.CANCELLATION_REQUESTED):
            raise _already_decided(request)
        raise LeaveError(_("You are not the approver of this request."))


def _already_decided(request: LeaveRequest) -> LeaveError:
    db.session.refresh(request)
    who = request.decided_by.name if request.decided_by else (
        request.first_decided_by.name if request.first_decided_by else _("someone else"))
    return LeaveError(_("%(who)s already decided on this request: %(status)s.", who=who,
                        status=request.status_label))


def _move(request: LeaveRequest, expected: str, **values) -> None:
    """Change the status only if nobody else did first: exactly one of two concurrent decisions stands."""
    now = utcnow()
    result = db.session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.id == request.id, LeaveRequest.status == expected)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _already_decided(request)
    # The row is ours now (the guarded UPDATE holds it): what it says is what we wrote, no need to read it back.
    for key, value in {"updated_at": now, **values}.items():
        set_committed_value(request, key, value)


# Deciding ------------------------------------------------------------------------------------


def approve(*, actor, request: LeaveRequest, today: date) -> LeaveRequest:
    _refuse_unless_allowed(actor, request, today)
    before = request.audit_view()
    if request.status == RequestStatus.CANCELLATION_REQUESTED:
        return decide_cancellation(actor=actor, request=request, accept=True, today=today)
    needs_second = request.status == RequestStatus.PENDING and request.leave_type.second_step_role
    if needs_second:
        _move(request, RequestStatus.PENDING, status=RequestStatus.SECOND_STEP, first_decided_by_id=actor.id)
        record("leave.first_approved", actor=actor, employer_id=request.employer_id, obj=request, before=before,
               after=request.audit_view())
        tell_second_step(request)
        return request
    _move(request, request.status, status=RequestStatus.APPROVED, decided_by_id=actor.id, decided_at=utcnow(),
          first_decided_by_id=request.first_decided_by_id or actor.id)
    employee = request.employee
    ledger.add(employee, scheme=request.scheme, period=request.period, kind=EntryKind.RELEASE,
               amount=request.amount, request_id=request.id, actor=actor, reason="approved", flush=False)
    ledger.add(employee, scheme=request.scheme, period=request.period, kind=EntryKind.CONSUMPTION,
               amount=-request.amount, request_id=request.id, actor=actor)
    record("leave.approved", actor=actor, employer_id=request.employer_id, obj=request, before=before,
           after=request.audit_view())
    leave_decided.send(request, actor=actor, today=today, decision="approved")
    tell_employee(request, approved=True)
    return request


def reject(*, actor, request: LeaveRequest, reason: str, today: date) -> LeaveRequest:
    if not reason or not reason.strip():
        raise LeaveError(_("A rejection needs a reason."))
    _refuse_unless_allowed(actor, request, today)
    if request.status == RequestStatus.CANCELLATION_REQUESTED:
        return decide_cancellation(actor=actor, request=request, accept=False, today=today, reason=reason)
    before = request.audit_view()
    _move(request, request.status, status=RequestStatus.REJECTED, decided_by_id=actor.id, decided_at=utcnow(),
          decision_reason=reason.strip())
    ledger.add(request.employee, scheme=request.scheme, period=request.period, kind=EntryKind.RELEASE,
               amount=request.amount, request_id=request.id, actor=actor, reason="rejected")
    record("leave.rejected", actor=actor, employer_id=request.employer_id, obj=request, before=before,
           after=request.audit_view())
    leave_decided.send(request, actor=actor, today=today, decision="rejected")
    tell_employee(request, approved=False)
    return request


def withdraw(*, actor, request: LeaveRequest, today: date | None = None) -> LeaveRequest:
    """The employee takes back a request nobody has finished deciding on."""
    if not _is_own(actor, request):
        raise LeaveError(_("Only the employee can withdraw a request."))
    if request.status not in (RequestStatus.PENDING, RequestStatus.SECOND_STEP):
        raise LeaveError(_("Only a request waiting for approval can be withdrawn."))
    before = request.audit_view()
    _move(request, request.status, status=RequestStatus.WITHDRAWN)
    ledger.add(request.employee, scheme=request.scheme, period=request.period, kind=EntryKind.RELEASE,
               amount=request.amount, request_id=request.id, actor=actor, reason="withdrawn")
    record("leave.withdrawn", actor=actor, employer_id=request.employer_id, obj=request, before=before,
           after=request.audit_view())
    leave_decided.send(request, actor=actor, today=today or date.today(), decision="withdrawn")
    return request


def ask_cancellation(*, actor, request: LeaveRequest, reason: str, today: date) -> LeaveRequest:
    if not _is_own(actor, request):
        raise LeaveError(_("Only the employee can ask to cancel a request."))
    if request.status != RequestStatus.APPROVED:
        raise LeaveError(_("Only an approved request can be cancelled this way."))
    before = request.audit_view()
    _move(request, RequestStatus.APPROVED, status=RequestStatus.CANCELLATION_REQUESTED,
          decision_reason=(reason or "").strip() or None)
    record("leave.cancellation_requested", actor=actor, employer_id=request.employer_id, obj=request,
           before=before, after=request.audit_view())
    tell_approvers(request, today, cancellation=True)
    return request


def decide_cancellation(*, actor, request: LeaveRequest, accept: bool, today: date,
                        reason: str | None = None) -> LeaveRequest:
    _refuse_unless_allowed(actor, request, today)
    if request.status in (RequestStatus.PENDING, RequestStatus.SECOND_STEP):
        raise LeaveError(_("Nobody asked to cancel this request."))
    before = request.audit_view()
    if accept:
        _move(request, RequestStatus.CANCELLATION_REQUESTED, status=RequestStatus.CANCELLED,
              decided_by_id=actor.id, decided_at=utcnow())
        ledger.add(request.employee, scheme=request.scheme, period=request.period, kind=EntryKind.RESTORATION,
                   amount=request.amount, request_id=request.id, actor=actor, reason="cancelled")
        record("leave.cancelled", actor=actor, employer_id=request.employer_id, obj=request, before=before,
               after=request.audit_view())
        leave_decided.send(request, actor=actor, today=today, decision="cancelled")
    else:
        _move(request, RequestStatus.CANCELLATION_REQUESTED, status=RequestStatus.APPROVED,
              decision_reason=(reason or "").strip() or None)
        record("leave.cancellation_refused", actor=actor, employer_id=request.employer_id, obj=request,
               before=before, after=request.audit_view())
    tell_employee(request, approved=not accept, cancellation=True)
    return request
