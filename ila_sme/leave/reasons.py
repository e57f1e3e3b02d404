"""The messages the leave ledger writes on its automatic rows (``ila_sme.messages``): said in the reader's
language when the balance is read, never stored as text."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme.messages import register, say

register("leave.end_of_period", lambda: _("end of period"))
register("leave.carried_over_to", lambda period: _("carried over to %(period)s", period=period))
register("leave.carried_over_from", lambda period: _("carried over from %(period)s", period=period))
register("leave.recalculated", lambda change, explanations: _(
    "%(change)s: %(explanations)s", change=say(change), explanations="; ".join(say(item) for item in explanations)))
