"""Scheme parameters in words, in the reader's language: what the leave settings page shows of each version.

The numbers themselves, and which versions apply, are in ``schemes.services``; this module only says them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext as _

from ila_sme.employers.forms import REGION_CHOICES
from ila_sme.money import format_money
from ila_sme.schemes import services
from ila_sme.schemes.models import Scheme, SchemeParameter
from ila_sme.web import babel_locale, format_quantity


def level_label(row: SchemeParameter) -> str:
    """Whose version this is: the country's, a region's or this employer's own."""
    if row.level == "employer":
        return _("This employer")
    if row.level == "region":
        return _("Regional (%(region)s)", region=dict(REGION_CHOICES).get(row.region, row.region))
    return _("National (%(country)s)", country=row.country)


def _days(amount) -> str:
    return format_quantity(Decimal(str(amount)), "days")


def _hours(amount) -> str:
    return format_quantity(Decimal(str(amount)), "hours")


def _number(amount) -> str:
    return format_decimal(Decimal(str(amount)), format="#,##0.##", locale=babel_locale())


def _money(amount) -> str:
    return format_money(Decimal(str(amount)), babel_locale())


def band_field_label(lowest: Decimal, upper: Decimal | None) -> str:
    """The label of the form field that sets a headcount band's days (``upper``: the next band's lowest)."""
    if upper is None:
        return _("Days per FTE at %(lowest)s FTE or more", lowest=_number(lowest))
    if lowest == 0:
        return _("Days per FTE below %(upper)s FTE", upper=_number(upper))
    return _("Days per FTE at %(lowest)s–%(highest)s FTE", lowest=_number(lowest), highest=_number(upper - 1))


def _band_text(lowest: Decimal, upper: Decimal | None, days: Decimal, first: bool) -> str:
    amount = _("none") if days == 0 else (
        _("%(days)s per FTE", days=_days(days)) if first else _days(days))
    if upper is None:
        return _("≥ %(lowest)s FTE: %(amount)s", lowest=_number(lowest), amount=amount)
    if lowest == 0:
        return _("below %(upper)s: %(amount)s", upper=_number(upper), amount=amount)
    return _("%(lowest)s–%(highest)s: %(amount)s", lowest=_number(lowest), highest=_number(upper - 1), amount=amount)


def describe(scheme: str, values: dict, employer=None, full: bool = False) -> list[tuple[str, str]]:
    """(what, in words) for each value present; ``full`` adds the fixed rules and this employer's figure."""
    if scheme == Scheme.VOV:
        return _describe_vov(values, full)
    lines = []
    if "days_by_headcount" in values:
        bands = services.bands_of(values)
        lines.append((_("Days per FTE by average headcount"),
                      "; ".join(_band_text(*band, first=i == 0) for i, band in enumerate(bands))))
    if "employer_extra_days_per_fte" in values:
        extra = Decimal(str(values["employer_extra_days_per_fte"]))
        lines.append((_("Employer's extra days"),
                      _("none") if extra == 0 else _("%(days)s per FTE", days=_days(extra))))
    if "carry_over_max" in values:
        limit = values["carry_over_max"]
        if limit is None:
            text = _("what remains at the end of the year carries over in full")
        elif Decimal(str(limit)) == 0:
            text = _("what remains at the end of the year expires")
        else:
            text = _("at most %(days)s carry over to the next year", days=_days(limit))
        lines.append((_("Carry-over"), text))
    if "rounding_unit" in values:
        lines.append((_("Rounding"), _("down to a multiple of %(unit)s, never up",
                                       unit=_days(values["rounding_unit"]))))
    if full:
        lines.append((_("Pro rata"), _("days × the sum of the work regime of each month under contract ÷ 12 (the "
                                       "regime on the month's first day under contract); the month of starting "
                                       "counts in full (calendar year)")))
        if employer is not None and "days_by_headcount" in values:
            legal = services.days_per_fte(values, Decimal(employer.average_fte or 0))
            extra = Decimal(str(values.get("employer_extra_days_per_fte", "0")))
            lines.append((_("For this employer"), _(
                "%(fte)s FTE on average: %(legal)s legal + %(extra)s extra = %(total)s per full-timer a year",
                fte=_number(employer.average_fte or 0), legal=_days(legal), extra=_days(extra),
                total=_days(legal + extra))))
    return lines


def _describe_vov(values: dict, full: bool) -> list[tuple[str, str]]:
    lines = []
    if "hours_full_time" in values:
        lines.append((_("Hours per school year"), _(
            "%(hours)s × work regime (1 September – 31 August), e.g. %(example)s at 80 %%",
            hours=_hours(values["hours_full_time"]),
            example=_hours(services.quantize(Decimal(str(values["hours_full_time"])) * Decimal("0.8"))))))
    if services.vov_extra_hours_of(values) > 0:
        lines.append((_("Training the employer suggests"), _(
            "another %(hours)s × work regime this school year, only for training the employer suggests",
            hours=_hours(values["extra_hours_employer_suggested"]))))
    if "reference_month" in values:
        lines.append((_("Reference month"), _(
            "the cap and the conditions read the work regime on 1 %(month)s before the school year (or the first "
            "day under contract in the school year)",
            month=format_date(date(2000, int(values["reference_month"]), 1), "MMMM", locale=babel_locale()))))
    if "rounding_unit" in values:
        lines.append((_("Rounding"), _("down to a multiple of %(unit)s, never up",
                                       unit=_hours(values["rounding_unit"]))))
    if "min_employment_pct" in values or "min_hours_per_week" in values:
        lines.append((_("Who"), _(
            "employees working at least %(pct)s %% and at least %(hours)s a week",
            pct=values.get("min_employment_pct", "—"), hours=_hours(values.get("min_hours_per_week", 0)))))
    if "min_contact_hours" in values or "min_study_points" in values:
        lines.append((_("Which trainings"), _(
            "in the Flemish training database, with at least %(hours)s contact hours or %(points)s study points",
            hours=values.get("min_contact_hours", "—"), points=values.get("min_study_points", "—"))))
    if "hours_per_exam" in values:
        lines.append((_("Hours counted"), _(
            "hours attended; %(sp)s per study point; %(exam)s per exam; %(evc)s per competence for recognition "
            "of prior learning", sp=_hours(values.get("hours_per_study_point", 0)),
            exam=_hours(values["hours_per_exam"]), evc=_hours(values.get("hours_per_evc_competence", 0)))))
    if "window_days_before" in values:
        lines.append((_("When"), _(
            "from %(before)s before the course starts until %(after)s after it ends",
            before=_days(values["window_days_before"]), after=_days(values.get("window_days_after", 0)))))
    if "refund_per_hour" in values:
        lines.append((_("Refund to the employer"), _("%(rate)s per approved hour",
                                                      rate=_money(values["refund_per_hour"]))))
    if "wage_ceiling_monthly" in values:
        lines.append((_("Wage ceiling"), _("%(amount)s gross a month", amount=_money(values["wage_ceiling_monthly"]))))
    if "carry_over_max" in values:
        limit = values["carry_over_max"]
        lines.append((_("Carry-over"), _("hours that remain expire at the end of the school year")
                      if limit is not None and Decimal(str(limit)) == 0
                      else _("hours that remain carry over to the next school year")))
    if full:
        lines.append((_("Assessment"), _("no final assessment taken: no right and no refund")))
    return lines
