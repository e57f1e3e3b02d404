"""The refunds' scheduled job: ``vov-claim-reminders`` reminds the accountants and admins of the VOV refund
claims whose window closes soon (fired by ``scheduler.jobs``; ``flask --app app scheduler run-job
vov-claim-reminders`` runs it now)."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme import dates
from ila_sme.outcomes import Outcome
from ila_sme.refunds.reminders import send_claim_reminders


def claim_reminders() -> Outcome:
    counts = send_claim_reminders(dates.today())
    problem = None
    if counts["failed"]:
        problem = _("%(num)s claim reminder(s) could not be sent; the next run tries again.", num=counts["failed"])
    return Outcome(counts, problem)
