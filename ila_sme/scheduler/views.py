"""The scheduler's page for admins: is it running, the jobs and their schedules, every job run, the outbox.

Job runs and the outbox counts are the platform's, not one employer's: an admin of any employer sees them
(the outbox as counts; failed messages only of their own employer, as scrubbed errors: never an address or a subject).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ila_sme import permissions
from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.forms import paginate
from ila_sme.mail import outbox
from ila_sme.mail.models import OutboxMail
from ila_sme.scheduler import services
from ila_sme.scheduler.forms import RetryMailForm, RunFilterForm
from ila_sme.scheduler.models import JobRun
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import render

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")
RUNS_PER_PAGE = 25
TRIGGER_LABELS = {"scheduler": _l("scheduled"), "cli": _l("command")}
# What each job counts (``Outcome.counts`` of the features' jobs), said in the reader's language.
COUNT_LABELS = {
    "done": _l("done"), "incomplete": _l("incomplete"), "failed": _l("failed"), "busy": _l("already running"),
    "sent": _l("sent"), "retrying": _l("to be tried again"), "leave_requests": _l("leave requests"),
    "funding_requests": _l("co-funding requests"), "notifications": _l("notifications"),
    "without_decider": _l("without anyone who may decide"), "checked": _l("checked"), "changed": _l("changed"),
    "expired": _l("expired"), "notified": _l("people notified"), "trainings": _l("trainings"),
    "employers": _l("employers"), "refreshed": _l("refreshed"), "rows_added": _l("ledger rows added"),
    "inserted": _l("added"), "updated": _l("updated"), "withdrawn": _l("withdrawn"), "unchanged": _l("unchanged"),
}


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
    page = paginate(query, per_page=RUNS_PER_PAGE)
    return render("scheduler/runs.html", "runs", page=page, form=form, job=job, status=services.status(),
                  jobs=services.job_rows(current_app.config), timezone=current_app.config["SCHEDULER_TIMEZONE"],
                  start_command=services.START_COMMAND, due_at=services.due_at, moment=format_datetime,
                  trigger_labels=TRIGGER_LABELS, count_labels=COUNT_LABELS, mail_counts=outbox.state_counts(),
                  failed_mail=outbox.failed(employer.id),
                  retry_form=RetryMailForm())


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
