"""``flask --app app scheduler run|jobs|run-job NAME``: the scheduler process, its jobs, one job now.

``run`` is the process (see ``runner``); ``jobs`` lists the jobs, their schedules and next runs;
``run-job NAME`` runs one job now through the recorder (trigger "cli"), prints its counts and exits
with status 1 when it failed. Each job's own feature command (``flask --app app reconcile``,
``registry sync``, ``learning-accounts refresh``, ``leave allocate``) does the same work too.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ila_sme import locks
from ila_sme.db_types import utcnow
from ila_sme.scheduler import recorder
from ila_sme.scheduler.jobs import JOBS
from ila_sme.scheduler.models import JobState
from ila_sme.scheduler.runner import LEASE, SchedulerProcess

scheduler_cli = AppGroup("scheduler", help="The scheduler process and its jobs.")


def _fire_at(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO 8601 time, e.g. 2026-03-02T08:00:05+00:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["SCHEDULER_TIMEZONE"]))
    return moment


def next_whole(seconds: int, now: datetime | None = None) -> datetime:
    """The next multiple of ``seconds`` since the epoch: what two processes started together both compute."""
    stamp = int((now or utcnow()).timestamp()) // seconds * seconds + seconds
    return datetime.fromtimestamp(stamp, UTC)


@scheduler_cli.command("run")
@click.option("--fire-now", "fire_now", multiple=True, type=click.Choice(list(JOBS)), hidden=True,
              help="Testing: also fire this job once, at --fire-at (default: the next whole 10 seconds).")
@click.option("--fire-at", callback=_fire_at, default=None, hidden=True,
              help="Testing: when --fire-now fires (ISO 8601; without an offset, in SCHEDULER_TIMEZONE).")
def run_command(fire_now, fire_at):
    """Run the scheduler until SIGTERM or Ctrl-C (one at a time: a second one stands by)."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    at = fire_at or next_whole(10)
    SchedulerProcess(current_app._get_current_object(), once=[(name, at) for name in fire_now]).run()


@scheduler_cli.command("jobs")
def jobs_command():
    """List the jobs: schedule, next run, the command that runs each now."""
    config = current_app.config
    zone = ZoneInfo(config["SCHEDULER_TIMEZONE"])
    lease = locks.current(LEASE)
    if lease is None:
        click.echo("Scheduler: not running (start it with: flask --app app scheduler run).")
    else:
        click.echo(f"Scheduler: running, {lease.holder}, last heartbeat {_local(lease.acquired_at, zone)}.")
    click.echo(f"Times are {zone.key} time.")
    for job in JOBS.values():
        next_run = job.next_run(config)
        click.echo(f"{job.name}: {job.schedule(config)}; next run {_local(next_run, zone)}")
        click.echo(f"    {job.description}")
        click.echo(f"    now: {job.command}")


@scheduler_cli.command("run-job")
@click.argument("name", type=click.Choice(list(JOBS)))
def run_job_command(name):
    """Run one job now (recorded like a scheduled run, trigger "cli"); exit 1 when it failed."""
    record = recorder.run_job(name, slot=recorder.manual_slot(), trigger="cli")
    if record is None:
        click.echo(f"{name}: nothing to do.")
        return
    counts = ", ".join(f"{key} {value}" for key, value in (record.counts or {}).items())
    click.echo(f"{name}: {record.state}" + (f" ({counts})" if counts else "") + ".")
    if record.state != JobState.DONE:
        click.echo(f"{name} failed: {record.error}", err=True)
        raise SystemExit(1)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
