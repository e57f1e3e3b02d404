"""The scheduler's page for admins: is it running, the jobs and their schedules, every job run, the outbox.

Job runs and the outbox counts are the platform's, not one employer's: an admin of any employer sees them
(the outbox as counts; failed messages only of their own employer, as scrubbed errors: never an address or a subject).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ila_sme import paging, permissions
from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.mail import outbox
from ila_sme.mail.models import OutboxMail
from ila_sme.scheduler import progress, recorder, services
from ila_sme.scheduler.forms import RetryMailForm, RunFilterForm, RunNowForm
from ila_sme.scheduler.jobs import JOBS
from ila_sme.scheduler.models import JobRun
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import moment_filter, render, wants_fragment

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")
RUNS_PER_PAGE = 25
TRIGGER_LABELS = {"scheduler": _l("scheduled"), "cli": _l("command"), "web": _l("from a page")}


@bp.get("")
@login_required
def runs():
    employer = current_employer()
    permissions.require(permissions.can_view_jobs(current_user, employer))
    form = RunFilterForm(request.args)
    job = form.chosen_job()
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job:
        query = query.where(JobRun.job == job)
    page = paging.page_of(query, size=RUNS_PER_PAGE)
    rows = {"page": page, "more_url": page.next_url("scheduler.runs", job=job), "due_at": services.due_at,
            "moment": moment_filter, "count_items": progress.count_items, "jobs_by_name": JOBS,
            "trigger_labels": TRIGGER_LABELS}
    if paging.wants_more() and wants_fragment():  # the older runs alone, appended under the others
        return render("scheduler/runs.html", "rows", **rows)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    jobs = services.job_rows(current_app.config)
    return render("scheduler/runs.html", "runs", **rows, total=total, form=form, job=job, status=services.status(),
                  jobs=jobs, timezone=current_app.config["SCHEDULER_TIMEZONE"],
                  shown_runs=progress.shown_runs([row.job.name for row in jobs]), run_now_form=RunNowForm(),
                  mail_counts=outbox.state_counts(), failed_mail=outbox.failed(employer.id), retry_form=RetryMailForm())


register_url_object("mail_id", OutboxMail)  # an admin retries only the mail of their own employer


@bp.post("/mail/<int:mail_id>/retry")
@login_required
def retry_mail(mail_id: int):
    """Send a failed message again: pending now, with its attempts counted afresh; audited."""
    employer = current_employer()
    permissions.require(permissions.can_view_jobs(current_user, employer))
    mail = get_or_404(OutboxMail, mail_id)
    if RetryMailForm().validate_on_submit():
        if mail.is_failed:
            attempts = mail.attempts
            outbox.retry(mail)
            record("mail.retried", actor=current_user, employer_id=employer.id, obj=mail,
                   before={"state": "failed", "attempts": attempts}, after={"state": mail.state})
            db.session.commit()
            flash(_("The mail will be sent again with the outbox's next run."), "success")
        else:
            flash(_("This mail is no longer waiting for a retry."), "info")
    return redirect(url_for("scheduler.runs", _anchor="mail-outbox"), 303)


# "Run now" and "Sync now": the run is only queued; the scheduler process carries it out ----------------


def _job_for_admin(job_name: str) -> str:
    permissions.require(permissions.can_view_jobs(current_user, current_employer()))
    if job_name not in JOBS:
        abort(404)
    return job_name


def _place() -> str:
    place = request.values.get("place", "jobs")
    return place if place in progress.PLACES else "jobs"


def _progress(job_name: str, place: str):
    return render_template("scheduler/_run_progress.html", name=job_name, place=place,
                           run=progress.shown_run(job_name), count_items=progress.count_items,
                           scheduler_running=services.status() is not None, moment=moment_filter,
                           run_now_form=RunNowForm())


@bp.post("/<job_name>/run")
@login_required
def run_now(job_name: str):
    """Queue a run of the job for the scheduler process (never run here); a second click while one is
    queued or running queues nothing more. htmx gets the progress, a plain form the page back."""
    job_name, place = _job_for_admin(job_name), _place()
    queued = False
    if RunNowForm().validate_on_submit():
        try:
            _run, queued = recorder.queue_run(job_name)
            db.session.commit()
        except IntegrityError:  # a click at the same moment queued it first
            db.session.rollback()
    else:
        flash(_("The page was out of date: try again."), "error")
    if wants_fragment():  # a boosted plain form wants the page back
        return _progress(job_name, place)
    if queued:
        flash(_("Queued: the scheduler starts it within seconds."), "success")
    else:
        flash(_("It is already queued or running: its progress shows on the page."), "info")
    if place == "catalogue":
        return redirect(url_for("trainings.index"), 303)
    return redirect(url_for("scheduler.runs", _anchor=f"job-{job_name}"), 303)


@bp.get("/<job_name>/progress")
@login_required
def run_progress(job_name: str):
    """The button and the progress of the run it asked for; polled every 2 s while that run is unfinished."""
    return _progress(_job_for_admin(job_name), _place())
