"""The scheduler's page for admins: is it running, the jobs and their schedules, every job run.

Job runs are the platform's, not one employer's: an admin of any employer sees them all.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ila_sme import permissions
from ila_sme.extensions import db
from ila_sme.scheduler import services
from ila_sme.scheduler.forms import RunFilterForm
from ila_sme.scheduler.models import JobRun
from ila_sme.tenancy import current_employer
from ila_sme.web import render

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")
RUNS_PER_PAGE = 25
TRIGGER_LABELS = {"scheduler": _l("scheduled"), "cli": _l("command")}


@bp.get("")
@login_required
def runs():
    permissions.require(permissions.can_view_jobs(current_user, current_employer()))
    form = RunFilterForm(request.args)
    job = form.chosen_job()
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job:
        query = query.where(JobRun.job == job)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=RUNS_PER_PAGE,
                       max_per_page=RUNS_PER_PAGE, error_out=False)
    return render("scheduler/runs.html", "runs", page=page, form=form, job=job, status=services.status(),
                  jobs=services.job_rows(current_app.config), timezone=current_app.config["SCHEDULER_TIMEZONE"],
                  start_command=services.START_COMMAND, due_at=services.due_at, moment=format_datetime,
                  trigger_labels=TRIGGER_LABELS)
