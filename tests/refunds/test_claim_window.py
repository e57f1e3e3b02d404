"""The VOV refund claim window: from 3 months before to 3 months after the course start, shown per training on
the refunds page, and a reminder to the accountants and admins 14 days before it closes, once per training."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.notifications.models import Notification
from ila_sme.refunds import services as refunds
from ila_sme.refunds.models import ClaimReminder
from ila_sme.refunds.reminders import send_claim_reminders
from ila_sme.scheduler.jobs import JOBS

THIS_YEAR = refunds.parse_school_year("2025-26")
COURSE_START = date(2026, 3, 3)  # this school year's course (tests/refunds/conftest.py)
DEADLINE = date(2026, 6, 3)


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 3, 3), 3, date(2026, 6, 3)), (date(2026, 3, 3), -3, date(2025, 12, 3)),
    (date(2026, 5, 31), 3, date(2026, 8, 31)), (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2026, 5, 31), -3, date(2026, 2, 28)), (date(2024, 11, 29), 3, date(2025, 2, 28)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert refunds.add_months(day, months) == expected


def test_the_window_of_each_training_on_the_sheet(books):
    sheet = refunds.refund_sheet(books["employer"], THIS_YEAR, today=date(2026, 3, 2))
    [window] = sheet.windows
    assert (window.training.id, window.course_start, window.opens_on, window.deadline) == (
        books["wim"].training_id, COURSE_START, date(2025, 12, 3), DEADLINE)
    assert (window.hours, window.refund, window.released_hours) == (Decimal("30.00"), Decimal("447.30"),
                                                                   Decimal("0"))
    assert [window.state(day) for day in (date(2025, 12, 2), date(2025, 12, 3), DEADLINE, date(2026, 6, 4))] == [
        "not_yet", "open", "open", "closed"]


def test_the_page_shows_open_until_and_closed_on(books, auth, client, app):
    auth.login("accountant@example.be")
    html = unescape(client.get("/refunds/vov").get_data(as_text=True))
    assert "Claim windows" in html and "Boekhouden voor KMO's" in html
    assert "open until Jun 3, 2026" in html and "0 hours of 30 hours released by the final assessment" in html
    last_year = unescape(client.get("/refunds/vov?school_year=2024-25").get_data(as_text=True))
    assert "closed on Jun 4, 2025" in last_year  # the course started on 4 March 2025
    assert "16 hours of 16 hours released" in last_year
    app.config["TODAY"] = date(2025, 12, 1)
    early = unescape(client.get("/refunds/vov?school_year=2025-26").get_data(as_text=True))
    assert "opens on Dec 3, 2025, closes on Jun 3, 2026" in early


def _release_wim(books):
    assessments.record_final_assessment(actor=books["users"]["accountant"], employee=books["wim"].employee,
                                        training=books["wim"].training, taken_on=date(2026, 3, 13),
                                        today=date(2026, 3, 20))
    db.session.commit()


def _notifications() -> list[tuple[int, str]]:
    """The claim reminders (in each user's language: the employer's, Dutch, here)."""
    return sorted((n.user_id, n.message) for n in db.session.scalars(
        select(Notification).where(Notification.link.like("%/refunds/vov?school_year=2025-26"))))


def test_the_accountants_and_admins_are_reminded_once_14_days_before(books, app):
    _release_wim(books)
    assert send_claim_reminders(date(2026, 5, 19)) == {"trainings": 0, "notifications": 0, "failed": 0}
    assert send_claim_reminders(date(2026, 5, 20)) == {"trainings": 1, "notifications": 2, "failed": 0}
    users = books["users"]
    subject = "Vraag de VOV-terugbetaling van Boekhouden voor KMO's aan uiterlijk op 3 juni 2026"
    assert _notifications() == sorted([(users["admin"].id, subject), (users["accountant"].id, subject)])
    reminder = db.session.scalars(select(ClaimReminder)).one()
    assert (reminder.employer_id, reminder.training_id, reminder.deadline, reminder.reminded_on) == (
        books["employer"].id, books["wim"].training_id, DEADLINE, date(2026, 5, 20))
    # a second run, the next day, or on the deadline tells nobody again
    for day in (date(2026, 5, 20), date(2026, 5, 21), DEADLINE):
        assert send_claim_reminders(day)["trainings"] == 0
    assert len(_notifications()) == 2


def test_no_reminder_without_released_hours_or_after_the_deadline(books):
    assert send_claim_reminders(date(2026, 5, 25))["trainings"] == 0  # nothing released yet
    _release_wim(books)
    assert send_claim_reminders(date(2026, 6, 4))["trainings"] == 0  # closed: too late to remind
    assert db.session.scalar(select(func.count()).select_from(ClaimReminder)) == 0


def test_the_scheduler_runs_it_as_a_job(books, app):
    _release_wim(books)
    app.config["TODAY"] = date(2026, 5, 27)
    job = JOBS["vov-claim-reminders"]
    assert job.command == "flask --app app scheduler run-job vov-claim-reminders"
    outcome = job.run()
    assert (outcome.counts, outcome.problem) == ({"trainings": 1, "notifications": 2, "failed": 0}, None)
    assert job.run().counts["trainings"] == 0
