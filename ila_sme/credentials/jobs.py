"""The micro-credentials' scheduled job: ``credentials-check`` checks them again (expiry, signature) and
tells of those expiring soon (fired by ``scheduler.jobs``; ``flask --app app credentials check`` does the
same now)."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme import dates
from ila_sme.credentials import notices
from ila_sme.outcomes import Outcome


def credentials_check() -> Outcome:
    counts = notices.nightly_check(dates.today())
    problem = None
    if counts["failed"]:
        problem = _("%(num)s credential(s) could not be checked; the next run tries again.", num=counts["failed"])
    return Outcome(counts, problem)
