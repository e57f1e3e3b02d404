"""Refunds the employer can claim: the approved Flemish training leave (VOV) of a school year."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import Blueprint, request
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.leave import queries
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.tenancy import current_employer
from ila_sme.web import render

bp = Blueprint("refunds", __name__, url_prefix="/refunds")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class RefundSheet:
    period: schemes.Period
    lines: list[queries.RefundLine] = field(default_factory=list)
    wage_ceiling: Decimal | None = None
    applies: bool = True  # False: no VOV parameters for this employer (not in Flanders)

    @property
    def total_hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def total_refund(self) -> Decimal:
        return sum((line.expected_refund for line in self.lines), Decimal("0.00"))


def _school_year(value: str | None, today) -> schemes.Period:
    """The asked school year ('2025-26'), or today's when it is missing or malformed."""
    match = _SCHOOL_YEAR.match((value or "").strip())
    if match and 1900 <= int(match.group(1)) <= 2999 and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
        return schemes.period_by_label(Scheme.VOV, value.strip())
    return schemes.period_of(Scheme.VOV, today)


def _sheet(employer, period: schemes.Period) -> RefundSheet:
    try:
        values = schemes.values_on(Scheme.VOV, employer, period.start)
        return RefundSheet(period, queries.vov_refund_lines(employer, period.label),
                           Decimal(str(values["wage_ceiling_monthly"])) if values.get("wage_ceiling_monthly") else None)
    except schemes.SchemeError:
        return RefundSheet(period, applies=False)


@bp.get("/vov")
@login_required
def vov():
    employer = current_employer()
    permissions.require(permissions.can_view_finance(current_user, employer))
    today = dates.today()
    period = _school_year(request.args.get("school_year"), today)
    current = schemes.period_of(Scheme.VOV, today)
    years = sorted({schemes.period_of(Scheme.VOV, date(current.start.year + offset, 9, 1)).label
                    for offset in range(-4, 2)} | {period.label}, reverse=True)
    return render("refunds/vov.html", "sheet", sheet=_sheet(employer, period), years=years)
