"""The scheduler's record of every job run (the leases that keep one holder at a time are ``ila_sme.locks``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class JobState(StrEnum):
    QUEUED = "queued"  # asked for on the jobs page or the catalogue; the scheduler process picks it up
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the job raised, or reported that part of its work failed: see ``error``
    INTERRUPTED = "interrupted"  # its process died while it ran


JOB_STATE_LABELS = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Running"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
    JobState.INTERRUPTED: _l("Interrupted"),
}


class JobRun(db.Model):
    """One run of a scheduled job. ``slot`` is the time it was due (or "now-<uuid>" for a run asked by
    hand): a second scheduler firing the same slot hits the unique constraint and runs nothing. A run
    asked for on a page waits as QUEUED under the slot "queued" (one per job at a time, by the same
    constraint) until the scheduler takes it and gives it a slot of its own."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    slot: Mapped[str] = mapped_column(String(60))
    trigger: Mapped[str] = mapped_column(String(20), default="scheduler")  # scheduler | cli | web
    holder: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20), default=JobState.RUNNING, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))

    @property
    def finished(self) -> bool:
        return self.state not in (JobState.QUEUED, JobState.RUNNING)

    @property
    def state_label(self):
        return JOB_STATE_LABELS.get(self.state, self.state)

