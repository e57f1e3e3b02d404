"""A request counts the employee's working days: the pattern of each day, public holidays, closing days;
what was counted is kept on the request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from ila_sme.extensions import db
from ila_sme.leave.errors import LeaveError
from ila_sme.people.history import WorkTerms
from ila_sme.worktime import services as worktime
from tests import factories
from tests.leave.conftest import TODAY

TUESDAY_TO_SATURDAY = ["0", "7.6", "7.6", "7.6", "7.6", "7.6", "0"]


def _baker(world):
    user = factories.user("baker@example.be", roles={world.employer: "employee"}, name="Bea Baker")
    return factories.employee(world.employer, first_name="Bea", last_name="Baker", user_id=user.id,
                              email=user.email, approver_id=world.manager.id, pattern=TUESDAY_TO_SATURDAY)


def test_10_to_12_november_2025_is_two_days_and_keeps_what_was_counted(world):
    request = world.submit(world.days(date(2025, 11, 10), date(2025, 11, 12)))
    db.session.commit()
    assert request.amount == Decimal("2.00")
    assert request.day_counts == [
        {"day": "2025-11-10", "amount": "1", "hours": "7.60", "skipped": None, "name": None},
        {"day": "2025-11-11", "amount": "0", "hours": "0", "skipped": "holiday", "name": "Armistice Day"},
        {"day": "2025-11-12", "amount": "1", "hours": "7.60", "skipped": None, "name": None},
    ]
    assert [(count.day, count.skipped) for count in request.skipped_days] == [(date(2025, 11, 11), "holiday")]


def test_a_holiday_kept_in_the_requesters_language_is_named_in_the_readers(world):
    """The name is stored as the requester read it (English here); a Dutch or French approver reads their own."""
    request = world.submit(world.days(date(2025, 11, 10), date(2025, 11, 12)))
    db.session.commit()
    for language, name in (("nl", "Wapenstilstand"), ("fr", "Jour de l'Armistice"), ("en", "Armistice Day")):
        with force_locale(language):
            assert [count.name for count in request.skipped_days] == [name]


def test_a_bakery_saturday_worker_takes_leave_on_her_saturday(world):
    baker = _baker(world)
    saturday = world.submit(world.days(date(2026, 3, 7), date(2026, 3, 7)), employee=baker)
    assert saturday.amount == Decimal("1.00")
    over_the_monday = world.submit(world.days(date(2026, 3, 14), date(2026, 3, 17)), employee=baker)  # Sat to Tue
    assert over_the_monday.amount == Decimal("2.00")
    assert [(count.day.isoformat(), count.skipped) for count in over_the_monday.skipped_days] == [
        ("2026-03-15", "not_working"), ("2026-03-16", "not_working")]


def test_the_monday_off_of_a_saturday_worker_holds_no_working_day(world):
    baker = _baker(world)
    db.session.commit()
    with pytest.raises(LeaveError, match="These dates hold no working day."):
        world.submit(world.days(date(2026, 3, 9), date(2026, 3, 9)), employee=baker)


def test_a_closing_day_is_not_counted(world):
    worktime.add_closing_days(actor=world.admin, employer=world.employer, first=date(2026, 3, 11), last=None,
                              name="Inventaris", today=TODAY)
    request = world.submit(world.days(date(2026, 3, 9), date(2026, 3, 13)))
    assert request.amount == Decimal("4.00")
    assert [(c.day, c.skipped, c.name) for c in request.skipped_days] == [
        (date(2026, 3, 11), "closing_day", "Inventaris")]


def test_a_half_day_next_to_a_holiday(world):
    request = world.submit(world.days(date(2026, 5, 13), date(2026, 5, 15), start_half=True))  # Ascension on Thursday
    assert request.amount == Decimal("1.50")


def test_a_request_on_a_public_holiday_only_is_refused(world):
    db.session.commit()
    with pytest.raises(LeaveError, match="These dates hold no working day."):
        world.submit(world.days(date(2026, 5, 14), date(2026, 5, 14)))


def test_vov_without_hours_per_day_counts_each_days_hours_by_the_pattern_of_that_day(world):
    db.session.add(WorkTerms(employer_id=world.employer.id, employee_id=world.employee.id, valid_from=date(2026, 3, 4),
                             employment_pct=Decimal("100"), hours_per_week=Decimal("38"),
                             pattern=["6", "6", "10", "10", "6", "0", "0"], reason="Longer days mid-week"))
    db.session.flush()
    data = world.hours(date(2026, 3, 3), date(2026, 3, 5))  # Tuesday to Thursday of the course
    data.hours_per_day = None
    request = world.submit(data)
    assert request.amount == Decimal("27.60")  # Tuesday 7.6 h (the old pattern) + Wednesday 10 h + Thursday 10 h
    assert [row["hours"] for row in request.day_counts] == ["7.60", "10", "10"]


def test_vov_with_hours_per_day_counts_them_on_each_working_day(world):
    request = world.submit(world.hours(date(2026, 3, 6), date(2026, 3, 9), hours_per_day="3"))  # Fri to Mon
    assert request.amount == Decimal("6.00")  # Friday and Monday, not the weekend
