"""The scheduler's jobs: name -> what it runs, when, and the command that does the same now.

Each job is a plain function of the app context that returns an ``Outcome`` (its counts, and what
failed if part of it did). The scheduler process (``runner``) fires them on their triggers, and
``flask --app app scheduler run-job NAME`` runs one now; both through ``recorder.run_job``, which keeps
the record. Every job is idempotent: run twice, or again after a crash, it changes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ila_sme import dates
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.mail import outbox
from ila_sme.register.client import scrub

log = logging.getLogger("ila_sme.scheduler")


@dataclass
class Outcome:
    counts: dict = field(default_factory=dict)
    problem: str | None = None  # part of the work failed: the run is recorded as failed, with this error


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

    def next_run(self, config: Mapping, now: datetime | None = None) -> datetime | None:
        return self.trigger(config).get_next_fire_time(None, (now or utcnow()).astimezone(_zone(config)))


def _zone(config: Mapping) -> ZoneInfo:
    return ZoneInfo(config["SCHEDULER_TIMEZONE"])


class WallClockTrigger(CronTrigger):
    """A cron trigger that fires once per wall-clock time. The night the clocks go back, 02:00 comes
    twice in Brussels: this trigger fires at the first only (APScheduler 3.11's own cron would return
    the second 02:00 again and again). The night they go forward, a time that does not exist fires
    when it would have been (02:00 CET, that is 03:00 CEST): once, as every night."""

    def get_next_fire_time(self, previous_fire_time, now):
        fire_time = super().get_next_fire_time(previous_fire_time, now)
        if fire_time is not None and fire_time.fold:  # the repeated hour: go on from its end
            after = fire_time.astimezone(UTC)
            while after.astimezone(self.timezone).fold:
                after += timedelta(minutes=1)
            fire_time = super().get_next_fire_time(None, after.astimezone(self.timezone))
        return fire_time


def daily(hour: int, minute: int, day_of_week: str | None = None) -> Callable[[Mapping], BaseTrigger]:
    def trigger(config: Mapping) -> BaseTrigger:
        return WallClockTrigger(hour=hour, minute=minute, day_of_week=day_of_week, timezone=_zone(config))
    return trigger


def _echo_to_log(message: str, err: bool = False) -> None:
    log.log(logging.WARNING if err else logging.INFO, scrub(message))


# The jobs ------------------------------------------------------------------------------------


def nightly_reconcile() -> Outcome:
    from ila_sme.reconciliation.cli import run_all

    totals = run_all(trigger="scheduler", echo=_echo_to_log)
    problem = None
    if totals["failed"] or totals["incomplete"]:
        problem = _("%(failed)s employer(s) failed and %(incomplete)s stayed incomplete: see their reconciliation "
                    "runs.", failed=totals["failed"], incomplete=totals["incomplete"])
    return Outcome(dict(totals), problem)


def registry_sync() -> Outcome:
    from ila_sme.register.client import RegisterClient
    from ila_sme.trainings import sync

    try:
        with RegisterClient.for_registry() as client:
            run = sync.sync_registry(client)
    except sync.SyncError as error:  # the failed sync run is on the registry's sync-runs page too
        return Outcome({}, str(error))
    return Outcome({"inserted": run.inserted, "updated": run.updated, "withdrawn": run.withdrawn,
                    "unchanged": run.unchanged})


def accounts_refresh() -> Outcome:
    from ila_sme.learning_accounts import services

    counts = services.refresh_all(utcnow(), today=dates.today())
    problem = None
    if not counts.ok:
        problem = _("%(num)s learning account(s) could not be refreshed: %(employers)s.", num=counts.failed,
                    employers="; ".join(f"{run.name}: {run.failed}" + (f" ({run.error})" if run.error else "")
                                        for run in counts.runs if run.failed))
    return Outcome({"employers": len(counts.runs), "refreshed": counts.refreshed, "failed": counts.failed}, problem)


def reminders() -> Outcome:
    from ila_sme.approvals.reminders import send_reminders

    done = send_reminders(dates.today())
    problem = None
    if done.failed:
        problem = _("%(num)s reminder(s) could not be sent; the next run tries again.", num=done.failed)
    return Outcome(done.counts(), problem)


def leave_allocation() -> Outcome:
    from ila_sme.leave import jobs as leave_jobs

    result = leave_jobs.allocate_year(dates.today())
    problem = "; ".join(f"{run.name}: {run.error}" for run in result.failures) or None
    return Outcome({"employers": len(result.runs), "rows_added": result.total, "failed": len(result.failures)},
                   problem)


def credentials_check() -> Outcome:
    from ila_sme.credentials import services

    counts = services.nightly_check(dates.today())
    problem = None
    if counts["failed"]:
        problem = _("%(num)s credential(s) could not be checked; the next run tries again.", num=counts["failed"])
    return Outcome(counts, problem)


def _queued():
    from ila_sme.reconciliation.models import ReconciliationRun, RunState

    return select(ReconciliationRun).where(ReconciliationRun.state == RunState.QUEUED).order_by(
        ReconciliationRun.created_at, ReconciliationRun.id)


def queued_work() -> bool:
    """A queued reconciliation whose employer nobody is reconciling now (the others wait: no record)."""
    from ila_sme import locks
    from ila_sme.reconciliation.engine import lock_name

    return any(locks.current(lock_name(run.employer)) is None for run in db.session.scalars(_queued()))


def reconcile_queued() -> Outcome:
    """Carry out the runs asked for on the reconciliation page, oldest first. An employer another process
    is reconciling now is left queued for the next poll."""
    from ila_sme.reconciliation.engine import AlreadyRunning, reconcile
    from ila_sme.reconciliation.models import ReconciliationRun, RunState

    counts = {"done": 0, "incomplete": 0, "failed": 0, "busy": 0}
    tried: set[int] = set()
    while True:
        query = _queued().where(ReconciliationRun.id.not_in(tried)) if tried else _queued()
        run = db.session.scalar(query.limit(1))
        if run is None:
            break
        tried.add(run.id)
        try:
            run = reconcile(run.employer, run=run, trigger="web")
        except AlreadyRunning:
            db.session.rollback()
            counts["busy"] += 1
            continue
        except Exception:  # noqa: BLE001 - the engine recorded the failure on the run; the others go on
            db.session.rollback()
            counts["failed"] += 1
            continue
        key = {RunState.DONE: "done", RunState.INCOMPLETE: "incomplete"}.get(run.state, "failed")
        counts[key] += 1
    problem = None
    if counts["failed"]:
        problem = _("%(num)s queued reconciliation(s) failed: see the reconciliation page.", num=counts["failed"])
    return Outcome(counts, problem)


def mail_outbox() -> Outcome:
    """Send the outbox's due mail (one SMTP connection for the batch); what fails waits for its next attempt."""
    result = outbox.send_outbox(limit=500)
    problem = None
    if result.failed:
        problem = _("%(num)s mail(s) could not be sent and will not be tried again: see the outbox.",
                    num=len(result.failed))
    return Outcome(result.counts(), problem)


def mail_due() -> bool:
    return outbox.due_count() > 0


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
    Job("leave-allocation", leave_allocation, daily(0, 30),
        lambda config: _("every day at 00:30 (the new year's rows on 1 January)"),
        _l("Adds the current period's leave entitlements of every active employee; a second run adds nothing."),
        "flask --app app leave allocate"),
    Job("credentials-check", credentials_check, daily(4, 0), lambda config: _("every day at 04:00"),
        _l("Checks the staff's micro-credentials again (expiry, signature) and tells of those expiring within "
           "60 days."),
        "flask --app app credentials check"),
    Job("reconcile-queued", reconcile_queued,
        lambda config: IntervalTrigger(seconds=config["SCHEDULER_POLL_SECONDS"], timezone=_zone(config)),
        lambda config: _("every %(seconds)s seconds", seconds=f"{config['SCHEDULER_POLL_SECONDS']:g}"),
        _l("Carries out the reconciliations asked for on the reconciliation page, oldest first."),
        "flask --app app scheduler run-job reconcile-queued", executor="register", has_work=queued_work,
        misfire_grace_seconds=60),
    Job("mail-outbox", mail_outbox,
        lambda config: IntervalTrigger(seconds=config["MAIL_OUTBOX_POLL_SECONDS"], timezone=_zone(config)),
        lambda config: _("every %(seconds)s seconds", seconds=f"{config['MAIL_OUTBOX_POLL_SECONDS']:g}"),
        _l("Sends the mail waiting in the outbox; a message that could not be sent is tried again later."),
        "flask --app app mail send-outbox", has_work=mail_due, misfire_grace_seconds=60),
)}


def job_named(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; the jobs are: {', '.join(JOBS)}") from None
