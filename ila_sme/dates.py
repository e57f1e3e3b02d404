"""Dates and times: today's date for views and jobs, and how a date or a moment reads on a page, in a
document or in a mail. Services never call ``today()``: they take ``today`` as an argument.

``TODAY`` in the configuration pins it (the demo and the browser tests use a fixed date).

Timestamps are stored as aware UTC; a person reads them in Europe/Brussels (``local``). A short date
must be unambiguous in every language: English's "12/3/26" (3 December? 12 March?) is written as the
medium date ("Dec 3, 2026") instead. The Jinja filters ``date`` and ``datetime`` (ila_sme/web.py) call
``format_day`` and ``format_moment`` with the reader's language; documents and mails call them with theirs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import current_app

from ila_sme.locales import locale as parsed_locale

BRUSSELS = ZoneInfo("Europe/Brussels")
# Languages whose short date puts the month first or is otherwise ambiguous: their "short" is "medium".
_AMBIGUOUS_SHORT = {"en"}


def today() -> date:
    pinned = current_app.config.get("TODAY")
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned))
    return date.today()


def local(moment: datetime) -> datetime:
    """The same moment on a Brussels clock (a naive datetime is taken as UTC, as the database keeps it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BRUSSELS)


def _style(fmt: str, locale: str) -> str:
    language = str(locale).replace("-", "_").split("_")[0]
    return "medium" if fmt == "short" and language in _AMBIGUOUS_SHORT else fmt


def format_day(value: date | datetime | None, locale: str, fmt: str = "medium") -> str:
    """A day in ``locale`` ('3 dec 2026', '03-12-2026', 'Dec 3, 2026'); a datetime gives its Brussels day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return format_date(value, _style(fmt, locale), locale=parsed_locale(locale))


def format_moment(value: datetime | None, locale: str, fmt: str = "short") -> str:
    """A moment on a Brussels clock in ``locale``: '03-12-2026 20:30' (nl), 'Dec 3, 2026, 8:30 PM' (en)."""
    if value is None:
        return ""
    moment = local(value)
    if fmt not in ("short", "medium", "long", "full"):
        return format_datetime(moment, fmt, tzinfo=BRUSSELS, locale=parsed_locale(locale))
    return format_datetime(moment, _moment_pattern(str(locale), fmt), tzinfo=BRUSSELS, locale=parsed_locale(locale))


@lru_cache(maxsize=64)
def _moment_pattern(locale: str, fmt: str) -> str:
    """The locale's date-and-time pattern of ``fmt``, its date part unambiguous (``_style``): built once."""
    babel_locale = parsed_locale(locale)
    return babel_locale.datetime_formats[fmt].format(
        babel_locale.time_formats[fmt].pattern, babel_locale.date_formats[_style(fmt, locale)].pattern)

