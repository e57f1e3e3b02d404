"""The manager's budget view: the co-funding budget of a year (granted, reserved, booked, remaining; per
employee; a server-rendered chart by month) and the participation in training against the EU target.

Its routes live on the funding blueprint (``funding.blueprint``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal, format_percent
from flask import request
from flask_login import current_user, login_required

from ila_sme import dates, paging, permissions
from ila_sme.funding import reports
from ila_sme.funding.blueprint import bp
from ila_sme.tenancy import current_employer
from ila_sme.web import babel_locale, render, wants_fragment

# The chart's drawing area, in SVG user units (the SVG scales to its container).
CHART_WIDTH, CHART_HEIGHT = 720, 260
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 80, 16, 224  # room for the amounts on the left, the months below
TENTH = Decimal("0.1")


@dataclass
class Bar:
    line: reports.MonthLine
    x: Decimal
    width: Decimal
    booked_y: Decimal
    booked_height: Decimal
    reserved_y: Decimal
    reserved_height: Decimal


@dataclass
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    slots: list  # (MonthLine, label x) for every month on the axis
    bars: list[Bar]  # one group per month with spending
    ticks: list  # (amount, y) of the horizontal grid lines


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def nice_step(top: Decimal, parts: int = 4) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so that ``parts`` steps reach ``top``."""
    raw = top / parts
    magnitude = Decimal(1).scaleb(raw.adjusted())
    return next(m * magnitude for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
                if m * magnitude >= raw)


def chart(report: reports.BudgetReport) -> Chart:
    """Stacked bars by month of approval: booked at the bottom, still reserved on top."""
    months = report.months
    plot_right = CHART_WIDTH - 8
    slot = Decimal(plot_right - PLOT_LEFT) / max(len(months), 1)
    height = Decimal(PLOT_BOTTOM - PLOT_TOP)
    top = max((line.total for line in months), default=reports.ZERO)
    step = nice_step(top) if top else Decimal(0)
    steps = int((top / step).to_integral_value(rounding=ROUND_CEILING)) if top else 0  # ends on a round amount
    scale = height / (step * steps) if top else Decimal(0)
    slots, bars = [], []
    for index, line in enumerate(months):
        left = PLOT_LEFT + slot * index
        slots.append((line, _tenth(left + slot / 2)))
        if not line.total:
            continue
        booked_height, reserved_height = _tenth(line.booked * scale), _tenth(line.reserved * scale)
        booked_y = PLOT_BOTTOM - booked_height
        bars.append(Bar(line, x=_tenth(left + slot * Decimal("0.2")), width=_tenth(slot * Decimal("0.6")),
                        booked_y=booked_y, booked_height=booked_height,
                        reserved_y=booked_y - reserved_height, reserved_height=reserved_height))
    ticks = [(step * n, _tenth(PLOT_BOTTOM - step * n * scale)) for n in range(steps + 1)]
    return Chart(CHART_WIDTH, CHART_HEIGHT, PLOT_LEFT, plot_right, PLOT_TOP, PLOT_BOTTOM, slots, bars, ticks)


def _year(value: str | None, today) -> int:
    """The asked year, or this year when it is missing or unlikely."""
    try:
        year = int(value or "")
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 5 else today.year


def number(value: Decimal, pattern: str = "#,##0.0") -> str:
    """A figure in the reader's locale, with one decimal: '9,5' in Dutch."""
    return format_decimal(value, format=pattern, locale=babel_locale())


def percent(value: Decimal, pattern: str = "#,##0.0%") -> str:
    """A percentage (75 -> '75.0%'), in the reader's locale."""
    return format_percent(value / 100, format=pattern, locale=babel_locale())


@bp.get("/budget")
@login_required
def budget():
    employer = current_employer()
    permissions.require(permissions.can_view_budget(current_user, employer))
    today = dates.today()
    year = _year(request.args.get("year"), today)
    report = reports.budget_report(employer, year, start=paging.start_arg())
    more_url = report.employees.next_url("funding.budget", year=year)
    if paging.wants_more() and wants_fragment():  # "show more" people: their rows alone
        return render("funding/budget.html", "employee_rows", report=report, more_url=more_url)
    return render("funding/budget.html", "budget", report=report, chart=chart(report), more_url=more_url,
                  years=reports.budget_years(employer, today, year),
                  participation=reports.participation(employer, today),
                  number=number, percent=percent)
