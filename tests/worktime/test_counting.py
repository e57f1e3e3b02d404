"""Counting a request's dates on the employee's working time: pattern, contract, public holidays, closing days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from ila_sme.extensions import db
from ila_sme.people.history import WorkTerms
from ila_sme.schemes import services as schemes
from ila_sme.worktime import services as worktime
from ila_sme.worktime.services import Skipped
from tests import factories

MONDAY, FRIDAY = date(2026, 3, 9), date(2026, 3, 13)
TUESDAY_TO_SATURDAY = ["0", "7.6", "7.6", "7.6", "7.6", "7.6", "0"]
TODAY = date(2026, 2, 2)


@pytest.fixture
def employer(app):
    return factories.employer("Bakkerij Test", region="flanders")


@pytest.fixture
def admin(employer):
    return factories.user("admin@example.be", roles={employer: "admin"})


def _worker(employer, **fields):
    return factories.employee(employer, contract_start=fields.pop("contract_start", date(2020, 1, 1)), **fields)


def _summary(counts):
    return [(count.day.isoformat(), str(count.days), str(count.hours), count.skipped, count.name)
            for count in counts]


def test_11_november_is_skipped_for_a_monday_to_friday_worker(employer):
    counts = worktime.count_days(_worker(employer), employer, date(2025, 11, 10), date(2025, 11, 12))
    assert worktime.counted_days(counts) == Decimal("2")
    assert _summary(counts) == [
        ("2025-11-10", "1", "7.60", None, None),
        ("2025-11-11", "0", "0", Skipped.HOLIDAY, "Armistice Day"),
        ("2025-11-12", "1", "7.60", None, None),
    ]


@pytest.mark.parametrize(("language", "name"), [("nl", "Wapenstilstand"), ("fr", "Jour de l'Armistice"),
                                                ("en", "Armistice Day")])
def test_holiday_names_in_the_readers_language(employer, language, name):
    assert worktime.public_holidays(employer, date(2025, 11, 11), date(2025, 11, 11), language=language) == {
        date(2025, 11, 11): name}


def test_belgium_has_its_ten_legal_public_holidays_and_no_community_days(employer):
    found = worktime.public_holidays(employer, date(2026, 1, 1), date(2026, 12, 31), language="en")
    # the ten legal ones, and Easter Sunday (5 Apr) and Whit Sunday (24 May), which the package lists too
    assert sorted(day.isoformat() for day in found) == [
        "2026-01-01", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-24", "2026-05-25",
        "2026-07-21", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"]
    assert date(2026, 7, 11) not in found and date(2026, 9, 27) not in found


def test_a_bakery_saturday_worker_counts_her_saturday_and_skips_her_monday(employer):
    baker = _worker(employer, pattern=TUESDAY_TO_SATURDAY)
    counts = worktime.count_days(baker, employer, date(2026, 3, 7), date(2026, 3, 10))  # Saturday to Tuesday
    assert _summary(counts) == [
        ("2026-03-07", "1", "7.6", None, None),
        ("2026-03-08", "0", "0", Skipped.NOT_WORKING, None),
        ("2026-03-09", "0", "0", Skipped.NOT_WORKING, None),
        ("2026-03-10", "1", "7.6", None, None),
    ]


def test_a_closing_day_is_skipped(employer, admin):
    worktime.add_closing_days(actor=admin, employer=employer, first=date(2026, 3, 11), last=None,
                              name="Jaarlijkse sluiting", today=TODAY)
    counts = worktime.count_days(_worker(employer), employer, MONDAY, FRIDAY)
    assert worktime.counted_days(counts) == Decimal("4")
    assert [(c.day, c.skipped, c.name) for c in worktime.skipped(counts)] == [
        (date(2026, 3, 11), Skipped.CLOSING_DAY, "Jaarlijkse sluiting")]


def test_another_employers_closing_day_counts(employer, admin):
    other = factories.employer("Elders")
    worktime.add_closing_days(actor=admin, employer=other, first=date(2026, 3, 11), last=None, name="Dicht",
                              today=TODAY)
    assert worktime.counted_days(worktime.count_days(_worker(employer), employer, MONDAY, FRIDAY)) == 5


@pytest.mark.parametrize(
    ("start", "end", "start_half", "end_half", "days", "hours"),
    [
        (MONDAY, FRIDAY, False, False, "5", "38.00"),
        (MONDAY, FRIDAY, True, True, "4", "30.40"),  # Monday afternoon to Friday morning
        (MONDAY, FRIDAY, True, False, "4.5", "34.20"),
        (MONDAY, MONDAY, True, False, "0.5", "3.80"),  # a single afternoon
        (MONDAY, MONDAY, False, True, "0.5", "3.80"),  # a single morning
        (MONDAY, MONDAY, True, True, "0.5", "3.80"),  # a single half day, however it is ticked
        (date(2026, 3, 6), date(2026, 3, 9), False, False, "2", "15.20"),  # Friday to Monday
        (date(2026, 3, 7), date(2026, 3, 8), True, True, "0", "0"),  # a weekend only
        (date(2026, 3, 7), date(2026, 3, 13), True, False, "5", "38.00"),  # a half flag on a Saturday: nothing
    ],
)
def test_half_days(employer, start, end, start_half, end_half, days, hours):
    counts = worktime.count_days(_worker(employer), employer, start, end, start_half=start_half, end_half=end_half)
    assert worktime.counted_days(counts) == Decimal(days)
    assert sum((count.hours for count in counts), Decimal("0")) == Decimal(hours)


def test_a_pattern_change_mid_request_counts_each_day_with_the_pattern_of_that_day(employer):
    worker = _worker(employer)  # 7.6 h Monday to Friday
    db.session.add(WorkTerms(employer_id=employer.id, employee_id=worker.id, valid_from=date(2026, 3, 11),
                             employment_pct=Decimal("50"), hours_per_week=Decimal("19"),
                             pattern=["0", "0", "9.5", "9.5", "0", "0", "0"]))  # Wednesday and Thursday from then
    db.session.flush()
    counts = worktime.count_days(worker, employer, MONDAY, FRIDAY)
    assert [(str(c.days), str(c.hours), c.skipped) for c in counts] == [
        ("1", "7.60", None), ("1", "7.60", None), ("1", "9.5", None), ("1", "9.5", None),
        ("0", "0", Skipped.NOT_WORKING)]


def test_days_outside_the_contract_are_skipped(employer):
    worker = _worker(employer, contract_start=date(2026, 3, 11))
    counts = worktime.count_days(worker, employer, MONDAY, FRIDAY)
    assert [c.skipped for c in counts] == [Skipped.NO_CONTRACT, Skipped.NO_CONTRACT, None, None, None]


def test_a_sector_agreement_adds_the_flemish_community_holiday(employer, admin):
    worker = _worker(employer)
    assert worktime.counted_days(worktime.count_days(worker, employer, date(2025, 7, 10), date(2025, 7, 11))) == 2
    schemes.add_employer_version(
        actor=admin, employer=employer, scheme="working_time", valid_from=date(2025, 1, 1), valid_until=None,
        values={"holiday_subdivisions": ["Flemish"], "extra_holidays": [["07-11", "Feest van de Vlaamse Gemeenschap"]]},
        note="CAO PC 118.03")
    counts = worktime.count_days(worker, employer, date(2025, 7, 10), date(2025, 7, 11))
    assert [(c.day, c.skipped, c.name) for c in worktime.skipped(counts)] == [
        (date(2025, 7, 11), Skipped.HOLIDAY, "Feest van de Vlaamse Gemeenschap")]
    # before the agreement's version: the national calendar
    assert worktime.counted_days(worktime.count_days(worker, employer, date(2024, 7, 11), date(2024, 7, 11))) == 1


def test_each_source_is_read_once_per_call(employer):
    worker = _worker(employer)
    db.session.commit()
    assert worker.id and employer.id and employer.country and employer.region  # loaded before counting
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        worktime.count_days(worker, employer, date(2026, 1, 1), date(2026, 3, 31))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 4  # terms, contracts, the working-time parameters, closing days


@pytest.mark.parametrize(("values", "message"), [
    ({"holiday_subdivisions": ["Wallonia"]}, "BE has no region or community “Wallonia”."),
    ({"extra_holidays": [["07-32", "Te laat"]]}, "An extra holiday is a day of the year and a name, e.g. 07-11."),
    ({"extra_holidays": [["07-11"]]}, "An extra holiday is a day of the year and a name, e.g. 07-11."),
    ({"extra_holidays": [["07-11", " "]]}, "An extra holiday is a day of the year and a name, e.g. 07-11."),
    ({"holiday_country": "XX"}, "No public-holiday calendar is known for XX."),
])
def test_a_working_time_version_the_calendar_cannot_read_is_refused(employer, admin, values, message):
    with pytest.raises(schemes.SchemeError) as error:
        schemes.add_employer_version(actor=admin, employer=employer, scheme="working_time",
                                     valid_from=date(2026, 1, 1), valid_until=None, values=values, note="CAO")
    assert str(error.value) == message


def test_an_extra_holiday_on_29_february_counts_in_leap_years_only(employer, admin):
    schemes.add_employer_version(actor=admin, employer=employer, scheme="working_time", valid_from=date(2027, 1, 1),
                                 valid_until=None, values={"extra_holidays": [["02-29", "Schrikkeldag"]]}, note="CAO")
    found = worktime.public_holidays(employer, date(2027, 2, 1), date(2028, 3, 31), language="en")
    assert [day for day, name in found.items() if name == "Schrikkeldag"] == [date(2028, 2, 29)]
