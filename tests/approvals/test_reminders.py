"""Reminders of requests that wait too long: to everyone who may take the next decision, at most once
every REMINDER_AFTER_DAYS days per request (3 in the tests), nothing twice on the same day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from ila_sme.approvals.reminders import send_reminders
from ila_sme.extensions import db
from ila_sme.funding.models import FundingRequest
from ila_sme.leave import services
from ila_sme.leave.models import LeaveRequest
from ila_sme.notifications.models import Notification
from ila_sme.scheduler.models import JobRun
from tests import factories
from tests.approvals.conftest import MONDAY, TODAY, employee_with_user
from tests.approvals.test_inbox import mails_to, notifications_of

THURSDAY, FRIDAY = TODAY + timedelta(days=3), TODAY + timedelta(days=4)  # TODAY is Monday 2 March 2026
BRUSSELS = ZoneInfo("Europe/Brussels")


def waiting_since(request: LeaveRequest, day: date, at: time = time(9, 0)) -> None:
    """The request's last change of status was on ``day`` (the services stamp the real clock)."""
    moment = datetime.combine(day, at, tzinfo=BRUSSELS)
    db.session.execute(update(LeaveRequest).where(LeaveRequest.id == request.id)
                       .values(created_at=moment, updated_at=moment))
    db.session.commit()


def fresh(obj):
    db.session.refresh(obj)
    return obj


def everyone_told() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Notification.user_id, Notification.message).order_by(Notification.id)))


@pytest.fixture
def zoe_waits(world):
    """Zoë's request (her approver: the manager, no deputy), waiting since Monday 2 March at 09:00."""
    request = world.ask(world.zoe_record, MONDAY)
    waiting_since(request, TODAY)
    db.session.execute(Notification.__table__.delete())  # the "asks for training leave" notices
    db.session.commit()
    return request


def test_a_request_waiting_more_than_three_days_reminds_its_approver(world, zoe_waits, outbox):
    mails_before = len(outbox())
    assert send_reminders(THURSDAY).counts()["leave_requests"] == 0  # three days: not more than three
    assert everyone_told() == []

    done = send_reminders(FRIDAY)
    assert done.counts() == {"leave_requests": 1, "funding_requests": 0, "notifications": 1, "without_decider": 0,
                             "failed": 0}
    assert notifications_of(world.manager) == [
        "Reminder: the training leave of Zoë Peeters waits for your decision: Career guidance, Mar 9, 2026"]
    assert [user_id for user_id, _ in everyone_told()] == [world.manager.id]
    (subject, body), = mails_to(outbox, "mia@example.be")[-1:]
    assert " ".join(subject.split()) == (
        "Reminder: the training leave of Zoë Peeters waits for your decision: Career guidance, Mar 9, 2026")
    assert "has been waiting since March 2, 2026" in body and "Decide here: http://localhost/approvals\n" in body
    assert len(outbox()) == mails_before + 1
    request = fresh(zoe_waits)
    assert request.reminded_on == FRIDAY
    assert request.updated_at.astimezone(BRUSSELS) == datetime.combine(TODAY, time(9, 0), tzinfo=BRUSSELS)


def test_a_second_run_the_same_day_sends_nothing_and_the_next_reminder_waits_three_days(world, zoe_waits):
    send_reminders(FRIDAY)
    assert send_reminders(FRIDAY).counts()["notifications"] == 0
    for day in (FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2)):
        assert send_reminders(day).counts()["notifications"] == 0
    again = send_reminders(FRIDAY + timedelta(days=3))
    assert (again.leave_requests, again.notifications) == (1, 1)
    assert len(notifications_of(world.manager)) == 2
    assert fresh(zoe_waits).reminded_on == FRIDAY + timedelta(days=3)


def test_the_deputy_is_reminded_while_deputising(world, outbox):
    request = world.ask(world.wim_record, MONDAY)  # Wim: approver the manager, deputy Dirk from 2 to 6 March
    waiting_since(request, TODAY - timedelta(days=7))
    told = send_reminders(TODAY)
    assert told.notifications == 2
    assert notifications_of(world.deputy)[-1].startswith(
        "Reminder: the training leave of Wim Willems waits for your decision: ")


def test_the_second_step_reminds_its_role_not_the_first_approver(world):
    world.guidance.second_step_role = "admin"
    request = world.ask(world.zoe_record, MONDAY)
    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    waiting_since(request, TODAY)  # the approver agreed on Monday
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    assert send_reminders(FRIDAY).notifications == 1
    assert [user_id for user_id, _ in everyone_told()] == [world.admin.id]


def test_decided_requests_are_not_reminded_and_a_request_without_approver_reminds_the_admins(world):
    decided = world.ask(world.zoe_record, MONDAY)
    services.approve(actor=world.manager, request=decided, today=TODAY)
    db.session.commit()
    waiting_since(decided, TODAY - timedelta(days=10))
    _nobody, record = employee_with_user(world.employer, "nina@example.be", "Nina", "Noone")
    orphan = factories.leave_request(record, record.user, start_date=MONDAY, end_date=MONDAY)
    db.session.commit()
    waiting_since(orphan, TODAY - timedelta(days=10))
    db.session.execute(Notification.__table__.delete())
    db.session.commit()

    done = send_reminders(TODAY)
    # Nina has no approver: the employer's admins decide her request (leave.notices.approvers_of).
    assert (done.leave_requests, done.notifications, done.without_decider) == (1, 1, 0)
    assert [user_id for user_id, _ in everyone_told()] == [world.admin.id]
    assert fresh(orphan).reminded_on == TODAY and fresh(decided).reminded_on is None


def test_a_co_funding_request_reminds_managers_and_admins_but_never_its_own_asker(world, outbox):
    funding = factories.funding_request(world.zoe_record, world.zoe, asked_on=TODAY - timedelta(days=4))
    own = factories.funding_request(world.otto_record, world.manager, asked_on=TODAY - timedelta(days=4))
    recent = factories.funding_request(world.wim_record, world.wim, asked_on=TODAY - timedelta(days=3))
    db.session.commit()

    done = send_reminders(TODAY)
    assert (done.funding_requests, done.leave_requests) == (2, 0)
    managers_and_admin = {world.manager.id, world.deputy.id, world.other_manager.id, world.admin.id}
    told = everyone_told()
    about_zoe = {user_id for user_id, message in told if "Zoë Peeters" in message}
    about_otto = {user_id for user_id, message in told if "Otto Outsider" in message}
    assert about_zoe == managers_and_admin
    assert about_otto == managers_and_admin - {world.manager.id}  # the manager asked it
    assert ("Reminder: the co-funding of Zoë Peeters waits for your decision: Top-up of the learning account, "
            "100,00\xa0€" in [message for _, message in told])
    (_subject, body), = [mail for mail in mails_to(outbox, "ada@example.be") if "Zoë" in mail[0]]
    assert "asked on February 26, 2026 for co-funding of" in body
    assert "Decide here: http://localhost/funding/requests\n" in body
    assert (fresh(funding).reminded_on, fresh(own).reminded_on, fresh(recent).reminded_on) == (TODAY, TODAY, None)
    assert send_reminders(TODAY).notifications == 0


def test_co_funding_asked_with_a_leave_request_is_reminded_with_the_leave(world):
    leave = world.ask(world.zoe_record, MONDAY)
    waiting_since(leave, TODAY - timedelta(days=5))
    funding = factories.funding_request(world.zoe_record, world.zoe, asked_on=TODAY - timedelta(days=5),
                                        leave_request_id=leave.id)
    db.session.execute(Notification.__table__.delete())
    db.session.commit()

    done = send_reminders(TODAY)
    assert (done.leave_requests, done.funding_requests, done.notifications) == (1, 0, 1)
    assert [user_id for user_id, _ in everyone_told()] == [world.manager.id]
    assert fresh(funding).reminded_on is None and db.session.get(FundingRequest, funding.id).status == "pending"


def test_the_scheduler_job_runs_the_reminders_and_records_them(app, world, zoe_waits):
    app.config["TODAY"] = FRIDAY
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "reminders"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("reminders: done (leave_requests 1, funding_requests 0, notifications 1, "
                                     "without_decider 0, failed 0).")
    again = app.test_cli_runner().invoke(args=["scheduler", "run-job", "reminders"])
    assert "notifications 0" in again.output
    assert [run.counts["notifications"] for run in db.session.scalars(select(JobRun).order_by(JobRun.id))] == [1, 0]


def test_a_job_sent_reminder_is_written_in_dutch_with_full_links_from_the_public_url(app, world, zoe_waits, outbox):
    """The scheduler's job has no request: its links still start with PUBLIC_URL, and a Dutch reader reads
    Dutch dates, amounts with their unit and currency, and the training."""
    app.config["PUBLIC_URL"] = "https://ila.example.be/kmo"
    app.config["TODAY"] = FRIDAY
    world.manager.language = world.admin.language = "nl"
    factories.funding_request(world.wim_record, world.wim, asked_on=TODAY - timedelta(days=4))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "reminders"])
    assert result.exit_code == 0, result.output

    (subject, body), = [mail for mail in mails_to(outbox, "mia@example.be") if "Herinnering: het" in mail[0]]
    assert " ".join(subject.split()) == (
        "Herinnering: het opleidingsverlof van Zoë Peeters wacht op je beslissing: Loopbaanbegeleiding, 9 mrt 2026")
    assert body == ("De aanvraag van Zoë Peeters voor 1 dag opleidingsverlof van 9 maart 2026 tot 9 maart 2026 "
                    "wacht sinds 2 maart 2026.\n\nBeslis hier: https://ila.example.be/kmo/approvals\n")
    (subject, body), = [mail for mail in mails_to(outbox, "ada@example.be") if "Wim" in mail[0]]
    assert " ".join(subject.split()) == ("Herinnering: de cofinanciering van Wim Willems wacht op je beslissing: "
                                         "Aanvulling van de leerrekening, € 100,00")  # split() takes the nbsp too
    assert body == ("Wim Willems vroeg op 26 februari 2026 een cofinanciering van €\xa0100,00 aan de werkgever voor "
                    "Aanvulling van de leerrekening.\n\nBeslis hier: https://ila.example.be/kmo/funding/requests\n")
    # The in-app notification links to the same page by its path, wherever the app is served.
    assert {link for (link,) in db.session.execute(select(Notification.link))} == {
        "/kmo/approvals", "/kmo/funding/requests"}
