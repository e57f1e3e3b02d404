"""The refund sheet of Flemish training leave (VOV): the approved leave of a school year with the refund
rate in force on its first day. Shared by the refunds page and the VOV claims export."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ila_sme.leave import assessments, request_lists
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class RefundSheet:
    period: schemes.Period
    lines: list[request_lists.RefundLine] = field(default_factory=list)  # claimed: released or waiting
    wage_ceiling: Decimal | None = None
    applies: bool = True  # False: no VOV parameters for this employer (not in Flanders)
    withdrawn: list[request_lists.RefundLine] = field(default_factory=list)  # no final assessment: not claimed
    windows: list[ClaimWindow] = field(default_factory=list)  # the claim window of each training

    @property
    def total_hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def total_refund(self) -> Decimal:
        return sum((line.expected_refund for line in self.lines), Decimal("0.00"))


def parse_school_year(value: str | None) -> schemes.Period | None:
    """'2025-26' as a VOV period; None when it is not a school year."""
    match = _SCHOOL_YEAR.match((value or "").strip())
    if match and 1900 <= int(match.group(1)) <= 2999 and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
        return schemes.period_by_label(Scheme.VOV, value.strip())
    return None


def school_year(value: str | None, today: date) -> schemes.Period:
    """The asked school year ('2025-26'), or today's when it is missing or malformed."""
    return parse_school_year(value) or schemes.period_of(Scheme.VOV, today)


def refund_sheet(employer, period: schemes.Period, *, today: date) -> RefundSheet:
    """The leave to claim (its final assessment released or still awaited) and, apart, the leave withdrawn
    because its final assessment was not recorded in time: not in the totals."""
    try:
        values = schemes.values_on(Scheme.VOV, employer, period.start)
        lines = request_lists.vov_refund_lines(employer, period.label, today=today)
    except schemes.SchemeError:
        return RefundSheet(period, applies=False)
    claimed = [line for line in lines if line.claimed]
    return RefundSheet(period, claimed,
                       Decimal(str(values["wage_ceiling_monthly"])) if values.get("wage_ceiling_monthly") else None,
                       withdrawn=[line for line in lines if not line.claimed],
                       windows=claim_windows(employer, claimed))


# The claim window --------------------------------------------------------------------------------------


CLOSED, OPEN, NOT_YET = "closed", "open", "not_yet"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day when it has fewer days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class ClaimWindow:
    """When the employer files the VOV refund claim of one training: from ``claim_months_before`` months
    before the course start to ``claim_months_after`` months after it."""

    training: object  # Training
    course_start: date
    opens_on: date
    deadline: date
    hours: Decimal = Decimal("0")  # the claimed (released or awaited) hours of this training
    refund: Decimal = Decimal("0.00")
    released_hours: Decimal = Decimal("0")  # of which the final assessment is recorded

    def state(self, today: date) -> str:
        if today > self.deadline:
            return CLOSED
        return OPEN if today >= self.opens_on else NOT_YET


def claim_window(values: dict, training, course_start: date) -> tuple[date, date]:
    """(opens on, deadline) around the course start (parameters ``claim_months_before``/``_after``)."""
    return (add_months(course_start, -int(schemes.vov_value(values, "claim_months_before"))),
            add_months(course_start, int(schemes.vov_value(values, "claim_months_after"))))


def claim_windows(employer, lines: list[request_lists.RefundLine]) -> list[ClaimWindow]:
    """One window per training of the claimed lines, by deadline. A training without course dates counts
    from its first leave day."""
    windows: dict[int, ClaimWindow] = {}
    for line in lines:
        training = line.request.training
        if training is None:
            continue
        window = windows.get(training.id)
        if window is None:
            start = training.starts_on or min(other.request.start_date for other in lines
                                              if other.request.training_id == training.id)
            opens_on, deadline = claim_window(schemes.values_on(Scheme.VOV, employer, start), training, start)
            window = windows[training.id] = ClaimWindow(training, start, opens_on, deadline)
        window.hours += line.hours
        window.refund += line.expected_refund
        if line.status == assessments.RELEASED:
            window.released_hours += line.hours
    return sorted(windows.values(), key=lambda window: (window.deadline, window.training.id))
