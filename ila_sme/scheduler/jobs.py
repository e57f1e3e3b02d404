"""The scheduler's jobs: name -> what it runs, when, and the command that does the same now.

Each job's body lives in its feature's ``jobs.py``, a plain function of the app context that returns an
``Outcome`` (``ila_sme.outcomes``: its counts, and what failed if part of it did); this module only names
them and says when they fire. The scheduler process (``runner``) fires them on their triggers, and
``flask --app app scheduler run-job NAME`` runs one now; both through ``recorder.run_job``, which keeps
the record. Every job is idempotent: run twice, or again after a crash, it changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ila_sme.approvals.jobs import reminders
from ila_sme.credentials.jobs import credentials_check
from ila_sme.db_types import utcnow
from ila_sme.learning_accounts.jobs import accounts_refresh
from ila_sme.leave.jobs import leave_allocation
from ila_sme.mail.jobs import mail_due, mail_outbox
from ila_sme.outcomes import Outcome
from ila_sme.reconciliation.jobs import nightly_reconcile, queued_work, reconcile_queued
from ila_sme.refunds.jobs import claim_reminders
from ila_sme.trainings.jobs import registry_sync

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Outcome]
    trigger: Callable[[Mapping], BaseTrigger]  # built from the app's config (timezone, poll interval)
    schedule: Callable[[Mapping], str]  # the trigger in words
    description: object  # a lazy string
    command: str  # the command that runs the same work now
    executor: str = "default"  # "register": one at a time, never beside another reconciliation
    has_work: Callable[[], bool] | None = None  # a run is recorded only when this says there is work
    misfire_grace_seconds: int | None = None  # default: SCHEDULER_MISFIRE_GRACE_SECONDS

    @property
    def title(self) -> str:
        """The job's name as a person reads it (``name`` is its code, for commands and URLs)."""
        return str(TITLES.get(self.name, self.name))

    def next_run(self, config: Mapping, now: datetime | None = None) -> datetime | None:
        return self.trigger(config).get_next_fire_time(None, (now or utcnow()).astimezone(_zone(config)))


def _zone(config: Mapping) -> ZoneInfo:
    return ZoneInfo(config["SCHEDULER_TIMEZONE"])


class _WallClock:
    """Mixed into APScheduler's CronTrigger (``wall_clock_trigger``): a cron trigger that fires once per
    wall-clock time. The night the clocks go back, 02:00 comes twice in Brussels: this trigger fires at the
    first only (APScheduler 3.11's own cron would return the second 02:00 again and again). The night they
    go forward, a time that does not exist fires when it would have been (02:00 CET, that is 03:00 CEST):
    once, as every night."""

    def get_next_fire_time(self, previous_fire_time, now):
        fire_time = super().get_next_fire_time(previous_fire_time, now)
        if fire_time is not None and fire_time.fold:  # the repeated hour: go on from its end
            after = fire_time.astimezone(UTC)
            while after.astimezone(self.timezone).fold:
                after += timedelta(minutes=1)
            fire_time = super().get_next_fire_time(None, after.astimezone(self.timezone))
        return fire_time


@cache
def wall_clock_trigger() -> type:
    """The trigger class, made on first use: APScheduler loads when a trigger is built, not at the app's start."""
    from apscheduler.triggers.cron import CronTrigger

    return type("WallClockTrigger", (_WallClock, CronTrigger), {})


def every(seconds_key: str) -> Callable[[Mapping], BaseTrigger]:
    """An interval trigger of the configured number of seconds."""
    def trigger(config: Mapping) -> BaseTrigger:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(seconds=config[seconds_key], timezone=_zone(config))
    return trigger


def daily(hour: int, minute: int, day_of_week: str | None = None) -> Callable[[Mapping], BaseTrigger]:
    def trigger(config: Mapping) -> BaseTrigger:
        return wall_clock_trigger()(hour=hour, minute=minute, day_of_week=day_of_week, timezone=_zone(config))
    return trigger


TITLES = {
    "registry-sync": _l("Catalogue sync"),
    "nightly-reconcile": _l("Nightly reconciliation"),
    "accounts-refresh": _l("Learning accounts refresh"),
    "reminders": _l("Reminders of waiting requests"),
    "vov-claim-reminders": _l("VOV refund claim reminders"),
    "leave-allocation": _l("Leave entitlements of the year"),
    "credentials-check": _l("Micro-credentials check"),
    "reconcile-queued": _l("Requested reconciliations"),
    "mail-outbox": _l("Mail outbox"),
}

JOBS: dict[str, Job] = {job.name: job for job in (
    Job("registry-sync", registry_sync, daily(1, 30), lambda config: _("every day at 01:30"),
        _l("Mirrors what changed in the national training registry into the catalogue."),
        "flask --app app registry sync"),
    Job("nightly-reconcile", nightly_reconcile, daily(2, 0), lambda config: _("every day at 02:00"),
        _l("Submits the pending contributions to the register, then reconciles every employer with it."),
        "flask --app app reconcile", executor="register"),
    Job("accounts-refresh", accounts_refresh, daily(3, 0), lambda config: _("every day at 03:00"),
        _l("Asks the register again for the learning account of every employee under contract."),
        "flask --app app learning-accounts refresh"),
    Job("reminders", reminders, daily(8, 0, "mon-fri"), lambda config: _("Monday to Friday at 08:00"),
        _l("Reminds those who may decide of the leave and co-funding requests that have waited too long."),
        "flask --app app scheduler run-job reminders"),
    Job("vov-claim-reminders", claim_reminders, daily(7, 30), lambda config: _("every day at 07:30"),
        _l("Reminds the accountants and admins, once per training, of a VOV refund claim whose window closes "
           "within 14 days."),
        "flask --app app scheduler run-job vov-claim-reminders"),
    Job("leave-allocation", leave_allocation, daily(0, 30),
        lambda config: _("every day at 00:30 (the new year's rows on 1 January)"),
        _l("Adds the current period's leave entitlements of every active employee; a second run adds nothing."),
        "flask --app app leave allocate"),
    Job("credentials-check", credentials_check, daily(4, 0), lambda config: _("every day at 04:00"),
        _l("Checks the staff's micro-credentials again (expiry, signature) and tells of those expiring within "
           "60 days."),
        "flask --app app credentials check"),
    Job("reconcile-queued", reconcile_queued,
        every("SCHEDULER_POLL_SECONDS"),
        lambda config: _("every %(seconds)s seconds", seconds=f"{config['SCHEDULER_POLL_SECONDS']:g}"),
        _l("Carries out the reconciliations asked for on the reconciliation page, oldest first."),
        "flask --app app scheduler run-job reconcile-queued", executor="register", has_work=queued_work,
        misfire_grace_seconds=60),
    Job("mail-outbox", mail_outbox,
        every("MAIL_OUTBOX_POLL_SECONDS"),
        lambda config: _("every %(seconds)s seconds", seconds=f"{config['MAIL_OUTBOX_POLL_SECONDS']:g}"),
        _l("Sends the mail waiting in the outbox; a message that could not be sent is tried again later."),
        "flask --app app mail send-outbox", has_work=mail_due, misfire_grace_seconds=60),
)}


def job_named(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; the jobs are: {', '.join(JOBS)}") from None
