"""What the "Run now" and "Sync now" buttons show: the run asked for, queued → running → done with its
counts in the reader's language, or failed with the job's own message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.scheduler import recorder
from ila_sme.scheduler.models import JobRun, JobState

# The counts the jobs report (``Outcome.counts``), as a reader says them; an unknown key is shown as is.
COUNT_LABELS = {
    "inserted": _l("new"),
    "updated": _l("updated"),
    "withdrawn": _l("withdrawn"),
    "unchanged": _l("unchanged"),
    "employers": _l("employers"),
    "rows_added": _l("rows added"),
    "refreshed": _l("refreshed"),
    "failed": _l("failed"),
    "done": _l("done"),
    "incomplete": _l("incomplete"),
    "busy": _l("busy elsewhere"),
    "matched": _l("in agreement"),
    "differences": _l("differences"),
    "sent": _l("sent"),
    "retrying": _l("to retry"),
    "leave_requests": _l("leave requests"),
    "funding_requests": _l("co-funding requests"),
    "notifications": _l("notifications"),
    "without_decider": _l("without anyone who may decide"),
    "checked": _l("checked"),
    "changed": _l("changed"),
    "expired": _l("expired"),
    "notified": _l("people notified"),
    "trainings": _l("trainings"),
}

PLACES = ("jobs", "catalogue")  # where a button stands: its label, and the page a plain POST returns to


def count_items(counts: dict | None) -> list[tuple[str, object]]:
    return [(str(COUNT_LABELS.get(key, key)), value) for key, value in (counts or {}).items()]


def shown_run(name: str) -> JobRun | None:
    """The run a button shows: the one waiting or going on, else the last one asked for on a page."""
    return recorder.unfinished_run(name) or db.session.scalar(
        select(JobRun).where(JobRun.job == name, JobRun.trigger == "web").order_by(JobRun.id.desc()).limit(1))


def shown_runs(names) -> dict[str, JobRun | None]:
    """``shown_run`` of every job in ``names`` with one query: the runs waiting or going on, and the last run
    asked for on a page of each job."""
    last_web = select(func.max(JobRun.id)).where(JobRun.trigger == "web").group_by(JobRun.job).scalar_subquery()
    runs = db.session.scalars(select(JobRun).where(
        or_(JobRun.state.in_((JobState.QUEUED, JobState.RUNNING)), JobRun.id.in_(last_web)))
        .order_by(JobRun.id.desc())).all()
    shown = {}
    for name in names:
        own = [run for run in runs if run.job == name]
        unfinished = (run for run in own if run.state in (JobState.QUEUED, JobState.RUNNING)
                      and (run.state == JobState.QUEUED or locks.holder_alive(run.holder)))
        shown[name] = next(unfinished, None) or next((run for run in own if run.trigger == "web"), None)
    return shown
