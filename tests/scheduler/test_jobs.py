"""The job registry: every job has a schedule, a description and a command that runs it now; the
schedules are Brussels wall-clock times, once a night across both changes of the clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from ila_sme.scheduler.cli import run_job_command
from ila_sme.scheduler.jobs import JOBS

BRUSSELS = ZoneInfo("Europe/Brussels")
EXPECTED = {"nightly-reconcile", "registry-sync", "accounts-refresh", "reminders", "leave-allocation",
            "reconcile-queued", "credentials-check", "mail-outbox", "vov-claim-reminders"}


def fire_times(trigger, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times, asked as APScheduler asks them (previous fire time, now), in UTC."""
    times, previous, now = [], None, start.astimezone(BRUSSELS)
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous.astimezone(UTC))
        now = previous + timedelta(seconds=1)
    return times


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_job_has_a_schedule_and_a_command_that_runs_it_now(app):
    assert set(JOBS) == EXPECTED
    assert set(run_job_command.params[0].type.choices) == EXPECTED
    runner = app.test_cli_runner()
    for job in JOBS.values():
        assert job.trigger(app.config).get_next_fire_time(None, datetime.now(BRUSSELS)) is not None, job.name
        assert job.schedule(app.config) and str(job.description), job.name
        words = job.command.split()
        assert words[:3] == ["flask", "--app", "app"], job.name
        helped = runner.invoke(args=[*words[3:], "--help"])
        assert helped.exit_code == 0 and "Usage:" in helped.output, job.name


def test_the_nightly_reconcile_runs_at_two_in_brussels_once_a_night_across_the_spring_change(app):
    trigger = JOBS["nightly-reconcile"].trigger(app.config)
    times = fire_times(trigger, utc("2026-03-27T12:00:00"), 3)
    # 02:00 CET; then 02:00 does not exist (the clocks jump to 03:00): when it would have been; then 02:00 CEST
    assert times == [utc("2026-03-28T01:00:00"), utc("2026-03-29T01:00:00"), utc("2026-03-30T00:00:00")]
    assert [t.astimezone(BRUSSELS).strftime("%H:%M") for t in times] == ["02:00", "03:00", "02:00"]


def test_the_nightly_reconcile_runs_once_the_night_the_clocks_go_back(app):
    trigger = JOBS["nightly-reconcile"].trigger(app.config)
    times = fire_times(trigger, utc("2026-10-23T12:00:00"), 4)
    # 02:00 comes twice on 25 October: the job runs at the first only, then at 02:00 CET
    assert times == [utc("2026-10-24T00:00:00"), utc("2026-10-25T00:00:00"), utc("2026-10-26T01:00:00"),
                     utc("2026-10-27T01:00:00")]
    assert {t.astimezone(BRUSSELS).strftime("%H:%M") for t in times} == {"02:00"}


def test_a_scheduler_started_in_the_repeated_hour_waits_for_the_next_night(app):
    trigger = JOBS["nightly-reconcile"].trigger(app.config)
    second_one_thirty = utc("2026-10-25T01:30:00")  # 02:30 CET, the second time round
    assert fire_times(trigger, second_one_thirty, 1) == [utc("2026-10-26T01:00:00")]


@pytest.mark.parametrize(("name", "start", "expected"), [
    ("registry-sync", "2026-03-02T12:00:00", "2026-03-03T00:30:00"),  # 01:30 CET
    ("accounts-refresh", "2026-07-01T12:00:00", "2026-07-02T01:00:00"),  # 03:00 CEST
    ("reminders", "2026-03-06T09:00:00", "2026-03-09T07:00:00"),  # Friday after 08:00 -> Monday 08:00 CET
    ("leave-allocation", "2026-12-31T12:00:00", "2026-12-31T23:30:00"),  # 00:30 on 1 January 2027
    ("leave-allocation", "2027-01-01T12:00:00", "2027-01-01T23:30:00"),  # and every day after (idempotent)
    ("leave-allocation", "2026-08-31T12:00:00", "2026-08-31T22:30:00"),  # 00:30 CEST on 1 September (VOV)
    ("credentials-check", "2026-03-02T12:00:00", "2026-03-03T03:00:00"),  # 04:00 CET
    ("credentials-check", "2026-07-01T12:00:00", "2026-07-02T02:00:00"),  # 04:00 CEST
])
def test_the_other_schedules(app, name, start, expected):
    assert fire_times(JOBS[name].trigger(app.config), utc(start), 1) == [utc(expected)]


def test_reminders_skip_the_weekend(app):
    times = fire_times(JOBS["reminders"].trigger(app.config), utc("2026-03-02T12:00:00"), 5)
    assert [t.astimezone(BRUSSELS).strftime("%a %H:%M") for t in times] == [
        "Tue 08:00", "Wed 08:00", "Thu 08:00", "Fri 08:00", "Mon 08:00"]


def test_the_outbox_is_sent_every_few_seconds(app):
    app.config["MAIL_OUTBOX_POLL_SECONDS"] = 30
    trigger = JOBS["mail-outbox"].trigger(app.config)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == timedelta(seconds=30)
    assert JOBS["mail-outbox"].schedule(app.config) == "every 30 seconds"


def test_queued_reconciliations_are_polled_every_few_seconds(app):
    app.config["SCHEDULER_POLL_SECONDS"] = 7
    trigger = JOBS["reconcile-queued"].trigger(app.config)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == timedelta(seconds=7)
    assert JOBS["reconcile-queued"].schedule(app.config) == "every 7 seconds"
