"""The learning accounts' scheduled job: ``accounts-refresh`` asks the register again for every account
(fired by ``scheduler.jobs``; ``flask --app app learning-accounts refresh`` does the same now)."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme import dates
from ila_sme.db_types import utcnow
from ila_sme.learning_accounts import services
from ila_sme.outcomes import Outcome


def accounts_refresh() -> Outcome:
    counts = services.refresh_all(utcnow(), today=dates.today())
    problem = None
    if not counts.ok:
        problem = _("%(num)s learning account(s) could not be refreshed: %(employers)s.", num=counts.failed,
                    employers="; ".join(f"{run.name}: {run.failed}" + (f" ({run.error})" if run.error else "")
                                        for run in counts.runs if run.failed))
    return Outcome({"employers": len(counts.runs), "refreshed": counts.refreshed, "failed": counts.failed}, problem)
