"""Every job run is recorded: started, finished, state, counts, error. The record is also the guard.

``run_job`` first inserts the run with its ``slot`` and commits: the slot of a scheduled firing is the
time it was due (UTC, ISO 8601), the same in every scheduler process; a run asked by hand gets a slot
of its own ("now-<uuid>"). (job, slot) is unique, so when two schedulers fire the same slot only the
first insert stands; the second process gets an IntegrityError and runs nothing.

A job that raises, or that reports that part of its work failed, is recorded as failed with the
error, scrubbed of national numbers; it never stops the scheduler.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
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
    run_id = record.id
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
