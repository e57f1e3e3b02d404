"""The job-runs page's filter, read from the query string (GET, no CSRF): a bookmarkable view; the outbox's
retry button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from ila_sme.forms import QueryForm
from ila_sme.scheduler.jobs import JOBS, TITLES


class RunFilterForm(QueryForm):
    job = SelectField(_l("Job"), validators=[Optional()], choices=[("", _l("Every job"))]
                      + [(name, TITLES.get(name, name)) for name in JOBS])

    def chosen_job(self) -> str | None:
        """The job asked for, if it is one; an unknown name is ignored, not an error."""
        self.validate()
        return None if self.job.errors or not self.job.data else self.job.data


class RetryMailForm(FlaskForm):
    """The outbox's "send again" button: a POST with its CSRF token, nothing else."""


class RunNowForm(FlaskForm):
    """The "Run now" and "Sync now" buttons: a POST with its CSRF token (and the page it stands on)."""
