"""The refund sheet of Flemish training leave (VOV): the approved leave of a school year with the refund
rate in force on its first day. Shared by the refunds page and the VOV claims export."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ila_sme.leave import request_lists
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
    return RefundSheet(period, [line for line in lines if line.claimed],
                       Decimal(str(values["wage_ceiling_monthly"])) if values.get("wage_ceiling_monthly") else None,
                       withdrawn=[line for line in lines if not line.claimed])
