"""What the admin page and ``scheduler jobs`` show: the scheduler's status, the jobs, their last runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.scheduler.jobs import JOBS, Job
from ila_sme.scheduler.models import JobRun
from ila_sme.scheduler.runner import LEASE


@dataclass
class Status:
    holder: str
    heartbeat_at: datetime  # the lease's last renewal
    expires_at: datetime


@dataclass
class JobRow:
    job: Job
    schedule: str
    next_run: datetime | None
    last: JobRun | None


def status() -> Status | None:
    """The scheduler holding the lease now, or None: no scheduler runs."""
    lease = locks.current(LEASE)
    if lease is None:
        return None
    return Status(lease.holder, lease.acquired_at, lease.expires_at)


def job_rows(config: Mapping) -> list[JobRow]:
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    last = {run.job: run for run in db.session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id))}
    return [JobRow(job, job.schedule(config), job.next_run(config), last.get(job.name)) for job in JOBS.values()]


def due_at(run: JobRun) -> datetime | None:
    """When a scheduled run was due (its slot); None for a run asked by hand."""
    try:
        return datetime.fromisoformat(run.slot)
    except ValueError:
        return None
