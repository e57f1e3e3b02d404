"""The working-time calendar: which dates are an employee's working days, and why the others are not.

A date counts when the employee is under contract, works on that weekday by the pattern of the terms in
force that day (``people.history``), and it is neither a public holiday of the employer's calendar nor one
of the employer's own closing days. The public holidays come from the ``holidays`` package; which of its
calendars applies is the versioned parameter "working_time" (``schemes.values_on``): the country, its
subdivisions if a sector agreement adds them, and fixed extra days (``extra_holidays``, "MM-DD" and a name)
for a day the package does not list as a public holiday (the Flemish Community's 11 July).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.people.history import History
from ila_sme.schemes import services as schemes
from ila_sme.schemes.defaults import WORKING_TIME_BE, WORKING_TIME_SCHEME
from ila_sme.worktime.models import ClosingDay

SCHEME = WORKING_TIME_SCHEME
MAX_RANGE_DAYS = 366  # one closure added at a time: at most a year
ONE, HALF, NONE = Decimal("1"), Decimal("0.5"), Decimal("0")
# The app's languages as the holidays package names them (it knows en_US, not en).
PACKAGE_LANGUAGES = {"nl": "nl", "fr": "fr", "en": "en_US", "de": "de"}


class Skipped:
    """Why a date of a request counts nothing (the values stored in ``LeaveRequest.day_counts``)."""

    HOLIDAY = "holiday"
    CLOSING_DAY = "closing_day"
    NOT_WORKING = "not_working"
    NO_CONTRACT = "no_contract"


class WorktimeError(Exception):
    """A closing day was refused; the message says why."""


@dataclass(frozen=True)
class DayCount:
    day: date
    days: Decimal  # 1, 0.5 or 0
    hours: Decimal  # the pattern's hours of that day, halved for a half day; 0 when skipped
    skipped: str | None = None  # None or one of ``Skipped``
    name: str | None = None  # the holiday's or closing day's name

    @classmethod
    def from_json(cls, row: dict) -> DayCount:
        return cls(date.fromisoformat(row["day"]), Decimal(str(row.get("amount") or "0")),
                   Decimal(str(row.get("hours") or "0")), row.get("skipped"), row.get("name"))

    def as_json(self) -> dict:
        """The shape kept on the request (``LeaveRequest.day_counts``)."""
        return {"day": self.day.isoformat(), "amount": str(self.days), "hours": str(self.hours),
                "skipped": self.skipped, "name": self.name}


# Public holidays -----------------------------------------------------------------------------


def _language(language: str | None) -> str | None:
    if language is None and has_request_context():
        locale = get_locale()
        language = locale.language if locale else None
    return PACKAGE_LANGUAGES.get(language or "", None)


def calendar_values(employer, day: date) -> dict:
    """The working-time parameters in force; Belgium's national calendar where none were installed yet."""
    try:
        return schemes.values_on(SCHEME, employer, day)
    except schemes.SchemeError:
        return {**WORKING_TIME_BE, "holiday_country": employer.country or "BE"}


def public_holidays(employer, first: date, last: date, *, language: str | None = None) -> dict[date, str]:
    """The public holidays between the dates by the calendar of the parameters in force, with their names
    in ``language`` (the reader's by default; the package's own language if it does not know it)."""
    import holidays  # heavy (every country's calendar): loaded where it is used, not at the app's start

    found: dict[date, str] = {}
    years = range(first.year, last.year + 1)
    for year in years:
        values = calendar_values(employer, max(first, date(year, 1, 1)))
        country = values.get("holiday_country") or employer.country or "BE"
        subdivisions = values.get("holiday_subdivisions") or [None]
        for subdivision in subdivisions:
            listed = holidays.country_holidays(country, subdiv=subdivision, years=year, language=_language(language))
            for day, name in listed.items():
                if first <= day <= last:
                    found.setdefault(day, name)
        for month_day, name in values.get("extra_holidays") or []:
            month, day_of_month = (int(part) for part in month_day.split("-"))
            if (month, day_of_month) == (2, 29) and not calendar.isleap(year):
                continue
            day = date(year, month, day_of_month)
            if first <= day <= last:
                found.setdefault(day, name)
    return found


# Closing days --------------------------------------------------------------------------------


def closing_days(employer, first: date, last: date) -> list[ClosingDay]:
    return list(db.session.scalars(
        select(ClosingDay).where(ClosingDay.employer_id == employer.id, ClosingDay.day >= first,
                                 ClosingDay.day <= last).order_by(ClosingDay.day)
    ))


def add_closing_days(*, actor, employer, first: date, last: date | None, name: str, today: date) -> list[ClosingDay]:
    """The employer closes from ``first`` to ``last`` (one day when ``last`` is None). Refuses a day already
    closed and a range backwards or longer than a year; audited."""
    last = last or first
    name = (name or "").strip()
    if not name:
        raise WorktimeError(_("Give the closing day a name."))
    if last < first:
        raise WorktimeError(_("The last day is before the first day."))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise WorktimeError(_("A closure spans at most a year; add a longer one in parts."))
    taken = closing_days(employer, first, last)
    if taken:
        raise WorktimeError(_("%(day)s is already a closing day (%(name)s).", day=taken[0].day.isoformat(),
                              name=taken[0].name))
    rows = [ClosingDay(employer_id=employer.id, day=first + timedelta(days=n), name=name, created_by_id=actor.id)
            for n in range((last - first).days + 1)]
    db.session.add_all(rows)
    db.session.flush()
    record("closing_days.added", actor=actor, employer_id=employer.id, obj=rows[0],
           after={"first": first.isoformat(), "last": last.isoformat(), "name": name, "days": len(rows)})
    return rows


def remove_closing_day(*, actor, closing_day: ClosingDay, today: date) -> None:
    before = {"day": closing_day.day.isoformat(), "name": closing_day.name}
    record("closing_days.removed", actor=actor, employer_id=closing_day.employer_id, obj=closing_day, before=before)
    db.session.delete(closing_day)
    db.session.flush()


# Counting a request's days -------------------------------------------------------------------


def count_days(employee, employer, first: date, last: date, *, start_half: bool = False, end_half: bool = False,
               language: str | None = None) -> list[DayCount]:
    """Each date from ``first`` to ``last`` as the employee's working time counts it.

    The afternoon of the first date only (``start_half``), the morning of the last only (``end_half``): half
    a day each; one date ticked both ways is half a day. The history, the holidays and the closing days are
    read once for the whole range.
    """
    if last < first:
        return []
    history = History.of(employee)
    public = public_holidays(employer, first, last, language=language)
    closed = {row.day: row.name for row in closing_days(employer, first, last)}
    counted = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        terms = history.terms_on(day)
        hours = terms.hours_on_weekday(day.weekday()) if terms is not None else NONE
        if terms is None or not history.is_employed_on(day):
            counted.append(DayCount(day, NONE, NONE, Skipped.NO_CONTRACT))
        elif hours <= 0:
            counted.append(DayCount(day, NONE, NONE, Skipped.NOT_WORKING))
        elif day in public:
            counted.append(DayCount(day, NONE, NONE, Skipped.HOLIDAY, public[day]))
        elif day in closed:
            counted.append(DayCount(day, NONE, NONE, Skipped.CLOSING_DAY, closed[day]))
        else:
            half = (day == first and start_half) or (day == last and end_half)
            counted.append(DayCount(day, HALF if half else ONE, hours / 2 if half else hours))
    return counted


def counted_days(counts: list[DayCount]) -> Decimal:
    return sum((count.days for count in counts), NONE)


def skipped(counts: list[DayCount]) -> list[DayCount]:
    return [count for count in counts if count.skipped]
