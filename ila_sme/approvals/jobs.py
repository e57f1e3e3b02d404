"""The approvals' scheduled job: ``reminders`` tells those who may decide of the requests that have waited
too long (fired by ``scheduler.jobs``; ``flask --app app scheduler run-job reminders`` runs it now)."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme import dates
from ila_sme.approvals.reminders import send_reminders
from ila_sme.outcomes import Outcome


def reminders() -> Outcome:
    done = send_reminders(dates.today())
    problem = None
    if done.failed:
        problem = _("%(num)s reminder(s) could not be sent; the next run tries again.", num=done.failed)
    return Outcome(done.counts(), problem)
