"""The manager's figures: the co-funding budget of a year (in total, per employee, per month) and the
participation in training over the last twelve months. Read-only queries: a few per page, never one
per employee. Money comes back as Decimal euros; shares and hours as exact Decimals (the templates
round them for display)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, or_, select

from ila_sme import paging
from ila_sme.extensions import db
from ila_sme.funding import budget, services
from ila_sme.funding.models import (
    BudgetEntry,
    CofundingPolicy,
    Contribution,
    FundingRequest,
    FundingStatus,
)
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.money import from_cents
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes.models import LeaveKind, LeaveType, Scheme

ZERO = Decimal("0.00")
EU_TARGET_PCT = Decimal("60")  # EU Council Recommendation 2022/C 243/03: 60 % of adults in training every year
ONE_DECIMAL = Decimal("0.1")
ASKED = (FundingStatus.PENDING, FundingStatus.SECOND_STEP)
TRAINED_LEAVE = (RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED)
TRAINING_KINDS = (LeaveKind.TRAINING, LeaveKind.EVC)


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# The budget of a year ------------------------------------------------------------------------


@dataclass
class EmployeeLine:
    employee: EmployeeRecord
    asked: Decimal = ZERO  # the employer part of requests still waiting for a decision
    reserved: Decimal = ZERO
    booked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.asked + self.reserved + self.booked


@dataclass
class MonthLine:
    period: str  # YYYY-MM: the month of approval (the contribution's period)
    reserved: Decimal = ZERO
    booked: Decimal = ZERO

    @property
    def month(self) -> date:
        return date(int(self.period[:4]), int(self.period[5:7]), 1)

    @property
    def total(self) -> Decimal:
        return self.reserved + self.booked


EMPLOYEES_PER_PAGE = 25  # rows of the per-employee table at a time


@dataclass
class BudgetReport:
    year: int
    policy: CofundingPolicy | None
    position: budget.Position
    asked: Decimal = ZERO  # the employer part of every request still waiting for a decision
    employees: paging.Page = field(default_factory=lambda: paging.Page([], 0, EMPLOYEES_PER_PAGE, False))
    months: list[MonthLine] = field(default_factory=list)  # every month of the year, in order

    @property
    def spent_months(self) -> list[MonthLine]:
        return [line for line in self.months if line.total]


def budget_years(employer, today: date, shown: int) -> list[int]:
    """The years with a policy, this year and the year shown, newest first."""
    years = set(db.session.scalars(select(CofundingPolicy.year).where(CofundingPolicy.employer_id == employer.id)))
    return sorted(years | {today.year, shown}, reverse=True)


def _months_of_approval():
    """Each approved request's month of approval: the period of its contribution (one per request)."""
    return (select(Contribution.funding_request_id, func.min(Contribution.period).label("period"))
            .group_by(Contribution.funding_request_id).subquery())


def _folded(signs) -> object:
    """The SQL sum of the year's moves as ``budget.split`` folds them (``signs``: RESERVED_SIGN or BOOKED_SIGN)."""
    return func.coalesce(func.sum(case(*((BudgetEntry.kind == move, BudgetEntry.amount_cents * sign)
                                         for move, sign in signs.items()), else_=0)), 0)


def _employee_lines(employer, year: int, *, start: int, size: int) -> paging.Page:
    """A page of the people with co-funding in ``year``, biggest total first; their sums computed in SQL."""
    asked = (select(FundingRequest.employee_id, func.sum(FundingRequest.employer_cents).label("cents"))
             .where(FundingRequest.employer_id == employer.id, FundingRequest.year == year,
                    FundingRequest.status.in_(ASKED), FundingRequest.employer_cents > 0)
             .group_by(FundingRequest.employee_id).subquery())
    moves = (select(FundingRequest.employee_id, _folded(budget.RESERVED_SIGN).label("reserved"),
                    _folded(budget.BOOKED_SIGN).label("booked"))
             .join(FundingRequest, FundingRequest.id == BudgetEntry.funding_request_id)
             .where(BudgetEntry.employer_id == employer.id, BudgetEntry.year == year)
             .group_by(FundingRequest.employee_id).subquery())
    asked_cents = func.coalesce(asked.c.cents, 0)
    reserved, booked = func.coalesce(moves.c.reserved, 0), func.coalesce(moves.c.booked, 0)
    total = asked_cents + reserved + booked
    page = paging.page_of(
        select(EmployeeRecord, asked_cents, reserved, booked)
        .outerjoin(asked, asked.c.employee_id == EmployeeRecord.id)
        .outerjoin(moves, moves.c.employee_id == EmployeeRecord.id)
        .where(EmployeeRecord.employer_id == employer.id, total != 0)
        .order_by(total.desc(), EmployeeRecord.last_name, EmployeeRecord.first_name, EmployeeRecord.id),
        size=size, start=start, rows=True)
    lines = [EmployeeLine(employee, asked=from_cents(asked_), reserved=from_cents(reserved_),
                          booked=from_cents(booked_)) for employee, asked_, reserved_, booked_ in page.items]
    return replace(page, items=lines)


def budget_report(employer, year: int, *, start: int = 0, size: int = EMPLOYEES_PER_PAGE) -> BudgetReport:
    """The year's position, what is asked, a page of the per-employee lines (from the ``start``-th) and
    every month: four queries whatever the size of the staff, the budget ledger read once for the position
    and the months together."""
    policy = services.policy_for(employer, year)
    months = _months_of_approval()
    by_period: dict = {}
    for period, kind, cents in db.session.execute(
        select(months.c.period, BudgetEntry.kind, func.sum(BudgetEntry.amount_cents))
        .outerjoin(months, months.c.funding_request_id == BudgetEntry.funding_request_id)
        .where(BudgetEntry.employer_id == employer.id, BudgetEntry.year == year)
        .group_by(months.c.period, BudgetEntry.kind)
    ):
        by_period.setdefault(period, {})[kind] = cents
    all_moves: dict = {}
    for moves in by_period.values():
        for kind, cents in moves.items():
            all_moves[kind] = all_moves.get(kind, 0) + cents
    reserved, booked = budget.split(all_moves)
    position = budget.Position(from_cents(policy.budget_cents if policy else 0), from_cents(reserved),
                               from_cents(booked))
    asked = db.session.scalar(
        select(func.coalesce(func.sum(FundingRequest.employer_cents), 0))
        .where(FundingRequest.employer_id == employer.id, FundingRequest.year == year,
               FundingRequest.status.in_(ASKED), FundingRequest.employer_cents > 0))
    report = BudgetReport(year=year, policy=policy, position=position, asked=from_cents(asked),
                          employees=_employee_lines(employer, year, start=start, size=size))
    periods = [f"{year}-{month:02d}" for month in range(1, 13)]
    periods += sorted(period for period in by_period if period and period not in periods)
    for period in periods:
        period_reserved, period_booked = budget.split(by_period.get(period, {}))
        report.months.append(MonthLine(period, from_cents(period_reserved), from_cents(period_booked)))
    return report


# Participation -------------------------------------------------------------------------------


@dataclass
class Participation:
    today: date
    since: date  # the first day of the twelve months counted
    staff: int  # employees with a contract today
    trained: int  # of them, with at least one training in the twelve months
    fte: Decimal  # the staff's employment percentages / 100
    hours: Decimal  # approved training hours of the staff in the twelve months
    target_pct: Decimal = EU_TARGET_PCT

    @property
    def share_pct(self) -> Decimal | None:
        return None if not self.staff else Decimal(self.trained) * 100 / Decimal(self.staff)

    @property
    def share_display(self) -> Decimal | None:
        return None if self.share_pct is None else one_decimal(self.share_pct)

    @property
    def reached(self) -> bool:
        return self.share_pct is not None and self.share_pct >= self.target_pct

    @property
    def hours_per_fte(self) -> Decimal | None:
        return None if not self.fte else self.hours / self.fte

    @property
    def hours_per_fte_display(self) -> Decimal | None:
        return None if self.hours_per_fte is None else one_decimal(self.hours_per_fte)


def year_before(day: date) -> date:
    """The same day a year earlier (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _staff_condition(employer, today: date):
    return and_(EmployeeRecord.employer_id == employer.id, EmployeeRecord.contract_start <= today,
                or_(EmployeeRecord.contract_end.is_(None), EmployeeRecord.contract_end >= today))


def participation(employer, today: date) -> Participation:
    """The share of staff with a training in the last twelve months (from the same day last year through
    today): an approved training leave (with a training, or of kind training or EVC) that took place then,
    or a co-funding with a training approved then. Hours: approved VOV hours plus approved training-right
    days x hours per week / 5, of the staff's training leave in the same months, per staff FTE."""
    since = year_before(today)
    staff = _staff_condition(employer, today)
    percentages = [Decimal(pct) for pct in db.session.scalars(select(EmployeeRecord.employment_pct).where(staff))]

    leave_rows = db.session.execute(
        select(LeaveRequest.employee_id, LeaveRequest.scheme, LeaveRequest.amount, EmployeeRecord.hours_per_week)
        .join(EmployeeRecord, EmployeeRecord.id == LeaveRequest.employee_id)
        .join(LeaveType, LeaveType.id == LeaveRequest.leave_type_id)
        .where(staff, LeaveRequest.employer_id == employer.id, LeaveRequest.status.in_(TRAINED_LEAVE),
               or_(LeaveRequest.training_id.is_not(None), LeaveType.kind.in_(TRAINING_KINDS)),
               LeaveRequest.start_date <= today, LeaveRequest.end_date >= since)
    ).all()
    funded = set(db.session.scalars(
        select(FundingRequest.employee_id.distinct())
        .join(EmployeeRecord, EmployeeRecord.id == FundingRequest.employee_id)
        .where(staff, FundingRequest.employer_id == employer.id, FundingRequest.status == FundingStatus.APPROVED,
               FundingRequest.training_id.is_not(None),
               FundingRequest.decided_at >= datetime.combine(since, time.min, UTC),
               FundingRequest.decided_at < datetime.combine(today + timedelta(days=1), time.min, UTC))
    ))
    hours = ZERO
    for _employee_id, scheme, amount, hours_per_week in leave_rows:
        amount = Decimal(amount)
        hours += amount if scheme == Scheme.VOV else amount * Decimal(hours_per_week) / 5
    return Participation(
        today=today, since=since, staff=len(percentages), trained=len({row[0] for row in leave_rows} | funded),
        fte=sum(percentages, Decimal("0")) / 100, hours=hours,
    )

