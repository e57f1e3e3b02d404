"""Every job run is recorded: started, finished, state, counts, error. The record is also the guard.

``run_job`` first inserts the run with its ``slot`` and commits: the slot of a scheduled firing is the
time it was due (UTC, ISO 8601), the same in every scheduler process; a run asked by hand gets a slot
of its own ("now-<uuid>"). (job, slot) is unique, so when two schedulers fire the same slot only the
first insert stands; the second process gets an IntegrityError and runs nothing.

A job that raises, or that reports that part of its work failed, is recorded as failed with the
error, scrubbed of national numbers; it never stops the scheduler.

A run asked for on a page (``queue_run``: the jobs page's "Run now", the catalogue's "Sync now") waits as
QUEUED; the scheduler process polls every SCHEDULER_POLL_SECONDS (``run_queued``), takes it and records it
like any other run. The web request never runs the job itself.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ila_sme import locks
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.register.client import scrub
from ila_sme.scheduler.jobs import job_named
from ila_sme.scheduler.models import JobRun, JobState

log = logging.getLogger("ila_sme.scheduler")
ERROR_LENGTH = 500  # JobRun.error


def slot_of(run_time: datetime) -> str:
    """The slot of a firing: the time it was due, in UTC (the same string in every process)."""
    return run_time.astimezone(UTC).isoformat()


QUEUED_SLOT = "queued"  # the slot of the one run of a job waiting for the scheduler


def manual_slot() -> str:
    return f"now-{uuid.uuid4()}"


def run_job(name: str, *, slot: str, trigger: str) -> JobRun | None:
    """Run the job ``name`` for ``slot`` and record it. None when nothing ran: another process took this
    slot first, or the job found no work (a poll that found nothing leaves no record)."""
    job = job_named(name)
    if job.has_work is not None and not job.has_work():
        db.session.rollback()
        return None
    record = JobRun(job=name, slot=slot, trigger=trigger, holder=locks.holder_id(), state=JobState.RUNNING,
                    started_at=utcnow())
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("%s at %s: already run by another scheduler; skipped", name, slot)
        return None
    return _carry_out(job, record.id)


def _carry_out(job, run_id: int) -> JobRun:
    """Run the job of the committed run ``run_id`` (state running) and record how it ended."""
    record = db.session.get(JobRun, run_id)
    name, slot = record.job, record.slot
    log.info("%s at %s: started", name, slot)
    try:
        outcome = job.run()
    except Exception as error:  # noqa: BLE001 - recorded as failed; the scheduler goes on
        db.session.rollback()
        state, counts, problem = JobState.FAILED, None, f"{type(error).__name__}: {error}"
        log.error("%s at %s: failed: %s", name, slot, scrub(problem))  # never the traceback: it may hold an INSZ
    else:
        state = JobState.FAILED if outcome.problem else JobState.DONE
        counts, problem = outcome.counts, outcome.problem
    record = db.session.get(JobRun, run_id)
    record.state, record.counts, record.finished_at = state, counts, utcnow()
    record.error = scrub(problem)[:ERROR_LENGTH] if problem else None
    db.session.commit()
    log.info("%s at %s: %s %s%s", name, slot, record.state, counts or {}, f" ({record.error})" if problem else "")
    return record


# Runs asked for on a page ---------------------------------------------------------------------


def unfinished_run(name: str) -> JobRun | None:
    """The run of ``name`` waiting or going on now, if any (a run left running by a process of this host
    that has died does not count: the scheduler marks it interrupted)."""
    runs = db.session.scalars(select(JobRun).where(JobRun.job == name, JobRun.state.in_(
        (JobState.QUEUED, JobState.RUNNING))).order_by(JobRun.id.desc()))
    return next((run for run in runs if run.state == JobState.QUEUED or locks.holder_alive(run.holder)), None)


def queue_run(name: str) -> tuple[JobRun, bool]:
    """Queue a run of ``name`` for the scheduler process: (the run, True); while one is queued or running,
    that one and False: never two waiting. Adds and flushes; the caller commits. Two clicks at the same
    moment: the second insert hits the unique (job, "queued") slot, and the caller gets the first one by
    calling again after its rollback."""
    job_named(name)
    waiting = unfinished_run(name)
    if waiting is not None:
        return waiting, False
    run = JobRun(job=name, slot=QUEUED_SLOT, trigger="web", state=JobState.QUEUED, started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run, True


def queued_work() -> bool:
    return db.session.scalar(select(JobRun.id).where(JobRun.state == JobState.QUEUED).limit(1)) is not None


def run_queued() -> list[JobRun]:
    """Carry out the queued runs, oldest first, each recorded like a scheduled run. A run is taken once:
    QUEUED -> RUNNING with a slot of its own, by an UPDATE that only one process can win."""
    done = []
    while True:
        queued = db.session.scalar(select(JobRun).where(JobRun.state == JobState.QUEUED).order_by(JobRun.id).limit(1))
        if queued is None:
            db.session.rollback()
            return done
        run_id, name = queued.id, queued.job
        taken = db.session.execute(
            update(JobRun).where(JobRun.id == run_id, JobRun.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, slot=manual_slot(), holder=locks.holder_id(), started_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        db.session.expire_all()
        if not taken:
            continue
        try:
            job = job_named(name)
        except LookupError as error:  # a job removed since it was queued
            record = db.session.get(JobRun, run_id)
            record.state, record.finished_at, record.error = JobState.FAILED, utcnow(), str(error)[:ERROR_LENGTH]
            db.session.commit()
            done.append(record)
            continue
        done.append(_carry_out(job, run_id))


def mark_interrupted() -> int:
    """Runs still marked running whose process is gone: interrupted (their job runs again at its next
    time). A holder on another host cannot be checked from here and is left alone."""
    stale = [run for run in db.session.scalars(select(JobRun).where(JobRun.state == JobState.RUNNING))
             if not locks.holder_alive(run.holder)]
    for run in stale:
        _interrupt(run)
    db.session.commit()
    return len(stale)


def interrupt_own() -> int:
    """This process stops now: its runs still running are interrupted."""
    own = list(db.session.scalars(select(JobRun).where(JobRun.state == JobState.RUNNING,
                                                       JobRun.holder == locks.holder_id())))
    for run in own:
        _interrupt(run)
    db.session.commit()
    return len(own)


def _interrupt(run: JobRun) -> None:
    run.state, run.finished_at = JobState.INTERRUPTED, utcnow()
    run.error = _("Its process stopped before the end; the job runs again at its next time.")
