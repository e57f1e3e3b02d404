"""The outbox's scheduled job: ``mail-outbox`` sends the mail that is due (fired by ``scheduler.jobs``
when ``mail_due`` says there is some; ``flask --app app mail send-outbox`` does the same now)."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme.mail import outbox
from ila_sme.outcomes import Outcome


def mail_outbox() -> Outcome:
    """Send the outbox's due mail (one SMTP connection for the batch); what fails waits for its next attempt."""
    result = outbox.send_outbox(limit=500)
    problem = None
    if result.failed:
        problem = _("%(num)s mail(s) could not be sent and will not be tried again: see the outbox.",
                    num=len(result.failed))
    return Outcome(result.counts(), problem)


def mail_due() -> bool:
    return outbox.due_count() > 0
