"""How numbers, amounts, hours, dates and moments read, in one place (ila_sme/dates.py, money.py and the
Jinja filters of ila_sme/web.py): Brussels time, the reader's decimal separator, a unit with every number,
and no ambiguous English short date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale

from ila_sme.dates import format_day, format_moment, local

SUMMER_NIGHT = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 July in Brussels (UTC+2)
WINTER_NIGHT = datetime(2026, 12, 31, 23, 15, tzinfo=UTC)  # 00:15 on 1 January 2027 (UTC+1)


def test_local_reads_a_utc_moment_on_a_brussels_clock():
    assert local(SUMMER_NIGHT).replace(tzinfo=None) == datetime(2026, 7, 2, 0, 30)
    assert local(WINTER_NIGHT).replace(tzinfo=None) == datetime(2027, 1, 1, 0, 15)
    assert local(datetime(2026, 7, 1, 22, 30)) == local(SUMMER_NIGHT)  # naive: taken as UTC, as stored


@pytest.mark.parametrize(("locale", "fmt", "expected"), [
    ("nl", "long", "2 juli 2026"), ("nl", "short", "02-07-2026"), ("fr", "long", "2 juillet 2026"),
    ("en", "short", "Jul 2, 2026"),  # never 7/2/26
    ("en", "medium", "Jul 2, 2026"),
])
def test_a_day_is_the_brussels_day_in_the_readers_language(locale, fmt, expected):
    assert format_day(SUMMER_NIGHT, locale, fmt) == expected
    assert format_day(date(2026, 7, 2), locale, fmt) == expected
    assert format_day(None, locale) == ""


@pytest.mark.parametrize(("locale", "fmt", "expected"), [
    ("nl", "short", "02-07-2026, 00:30"), ("fr", "short", "02/07/2026 00:30"),
    ("en", "short", "Jul 2, 2026, 12:30\u202fAM"), ("nl", "long", "2 juli 2026, 00:30:00 CEST"),
    ("nl", "d MMMM y HH:mm", "2 juli 2026 00:30"),
])
def test_a_moment_is_on_a_brussels_clock(locale, fmt, expected):
    assert format_moment(SUMMER_NIGHT, locale, fmt) == expected


@pytest.mark.parametrize(("language", "source", "expected"), [
    ("nl", "{{ amount | money }}", "€\xa06.000,00"),
    ("fr", "{{ amount | money }}", "6\u202f000,00\xa0€"),
    ("nl", "{{ 30.4 | hours }}", "30,4 uur"),
    ("fr", "{{ 40.0 | hours }}", "40 heures"),
    ("en", "{{ 1 | hours }}", "1 hour"),
    ("nl", "{{ moment | date('long') }}", "2 juli 2026"),
    ("nl", "{{ moment | datetime }}", "02-07-2026, 00:30"),
    ("nl", "{{ moment | datetimeformat('short') }}", "02-07-2026, 00:30"),  # Flask-Babel's name, same rules
    ("en", "{{ moment | date('short') }}", "Jul 2, 2026"),
    ("en", "{{ day | date('short') }}", "Dec 3, 2026"),
])
def test_the_filters_speak_the_readers_language(app, language, source, expected):
    with app.test_request_context("/"), force_locale(language):
        rendered = render_template_string(source, amount=Decimal("6000"), moment=SUMMER_NIGHT,
                                          day=date(2026, 12, 3))
    assert rendered == expected
