"""The demo's working lives: a Saturday worker, a regime change this year, a request over a public holiday,
and ended VOV courses with and without their final assessment — each through the real services, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from ila_sme.demo.data import CLOSURES, FINAL_ASSESSMENTS, HOLIDAY_REQUEST, PATTERNS, REGIME_CHANGE
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.leave import assessments, services
from ila_sme.leave.models import HOLDING_STATUSES, LeaveRequest
from ila_sme.people import employment
from ila_sme.people.history import WorkTerms
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.worktime import services as worktime


def pattern_of(first: str, last: str) -> list[str] | None:
    """The weekly pattern of a demo employee who does not work Monday to Friday (None: the usual one)."""
    return PATTERNS.get((first, last))


def _employee(employer: Employer, name: tuple[str, str]) -> EmployeeRecord:
    return db.session.scalar(select(EmployeeRecord).where(
        EmployeeRecord.employer_id == employer.id, EmployeeRecord.first_name == name[0],
        EmployeeRecord.last_name == name[1]))


def regime_change(employer: Employer, key: str, users: dict, today: date) -> None:
    """This year's change of regime, recorded by the admin: the ledger gets a recalculation row naming it."""
    if REGIME_CHANGE["employer"] != key:
        return
    employee = _employee(employer, REGIME_CHANGE["employee"])
    month = today.replace(day=1) - timedelta(days=REGIME_CHANGE["months_ago"] * 30)
    valid_from = max(date(today.year, 1, 1), month.replace(day=1))
    done = db.session.scalar(select(WorkTerms.id).where(WorkTerms.employee_id == employee.id,
                                                        WorkTerms.valid_from == valid_from))
    if done is not None:
        return
    pct, hours = REGIME_CHANGE["employment_pct"], REGIME_CHANGE["hours_per_week"]
    with force_locale(employer.default_language):
        employment.change_terms(actor=users[REGIME_CHANGE["by"]], employee=employee, valid_from=valid_from,
                                employment_pct=Decimal(pct), hours_per_week=Decimal(hours),
                                pattern=REGIME_CHANGE["pattern"], reason=REGIME_CHANGE["reason"], today=today)


def _holiday_on_a_weekday(employer: Employer, employee: EmployeeRecord, today: date) -> date | None:
    """The latest public holiday on a Monday to Thursday of the 330 days until a week ago (every such span
    holds one: Easter Monday, Ascension Day and Whit Monday fall on those days each spring) on which the
    employee holds no other request."""
    found = worktime.public_holidays(employer, today - timedelta(days=330), today - timedelta(days=7))
    held = db.session.scalars(select(LeaveRequest).where(LeaveRequest.employee_id == employee.id,
                                                         LeaveRequest.status.in_(HOLDING_STATUSES))).all()
    free = [day for day in found if day.weekday() < 4
            and not any(request.overlaps(day, day + timedelta(days=1)) for request in held)]
    return max(free) if free else None


def holiday_request(employer: Employer, key: str, users: dict, today: date, on_day) -> None:
    """An approved request that spans a public holiday: the holiday is skipped, and the request says so."""
    if HOLIDAY_REQUEST["employer"] != key:
        return
    employee = _employee(employer, HOLIDAY_REQUEST["employee"])
    holiday = _holiday_on_a_weekday(employer, employee, today)
    if holiday is None:
        return
    leave_type = next(t for t in schemes.leave_types(employer) if t.kind == HOLIDAY_REQUEST["kind"])
    data = services.RequestInput(leave_type=leave_type, start_date=holiday, end_date=holiday + timedelta(days=1),
                                 note=HOLIDAY_REQUEST["note"])
    asked = holiday - timedelta(days=14)
    with force_locale(employer.default_language):
        request = on_day(asked, today, services.submit, actor=employee.user, employee=employee, data=data)
        on_day(asked + timedelta(days=1), today, services.approve, actor=employee.approver, request=request)


def closures(employer: Employer, key: str, users: dict, today: date) -> None:
    """The bakery's annual closure, this year and next, as its admin adds it on the working-time screen."""
    for employer_key, by, first, last, name in CLOSURES:
        if employer_key != key:
            continue
        for year in (today.year, today.year + 1):
            start, end = date(year, *first), date(year, *last)
            if not worktime.closing_days(employer, start, end):
                worktime.add_closing_days(actor=users[by], employer=employer, first=start, last=end, name=name,
                                          today=today)


def final_assessments(employer: Employer, key: str, users: dict, trainings: dict, today: date) -> None:
    """An ended VOV course whose final assessment the employee recorded (its refund is released), and one
    without (withdrawn from the claim once the grace period is over)."""
    for employer_key, email, training_key, recorded in FINAL_ASSESSMENTS:
        training = trainings[training_key]
        if employer_key != key or not recorded or training.ends_on is None or training.ends_on >= today:
            continue
        employee = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id,
                                                                  EmployeeRecord.user_id == users[email].id))
        if assessments.assessment_of(employee.id, training.id) is None:
            assessments.record_final_assessment(actor=users[email], employee=employee, training=training,
                                                taken_on=training.ends_on, today=today)
