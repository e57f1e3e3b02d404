"""Co-funding's part of the leave request page (see ``leave/request_parts.py``): the cost of the leave's
training, shared among the sources, asked with the leave and decided with it. Registered on import."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme import dates
from ila_sme.funding import services
from ila_sme.funding.forms import SplitFields
from ila_sme.funding.models import Kind
from ila_sme.funding.rules import ZERO
from ila_sme.funding.services import FundingError
from ila_sme.leave import request_parts


def context(form, employee) -> dict:
    """The fieldset shows for a chosen training with a cost; the preview once some source is filled in."""
    chosen = form.chosen_training()
    training = chosen if chosen is not None and chosen.cost_cents > 0 else None
    return {"cofunding_training": training, "cofunding": _preview(form, employee, training)}


def _preview(form, employee, training) -> dict | None:
    """What the co-funding part asks: the cost, the sources together, what is left, the rules it breaks."""
    if training is None or not form.asks_cofunding() or not form.split_valid():
        return None
    split = form.split()
    problems = services.preview(employee, kind=Kind.COURSE_FEE, cost=training.cost, split=split, training=training,
                                today=dates.today())
    elsewhere = services.funded_elsewhere(employee, training)
    return {"cost": training.cost, "total": split.total, "elsewhere": elsewhere,
            "left": max(training.cost - elsewhere - split.total, ZERO), "problems": problems}


def submit(form, *, actor, employee, leave_request, today) -> bool:
    """Ask the co-funding of the leave's training when a source is filled in (FundingError refuses)."""
    if not form.asks_cofunding():
        return False
    training = form.training
    services.ask(actor=actor, employee=employee, kind=Kind.COURSE_FEE, cost=training.cost if training else ZERO,
                 split=form.split(), training=training, leave_request=leave_request, today=today)
    return True


def _sent_message() -> str:
    return _("Your request and its co-funding were sent to your approver.")


def problems(context: dict) -> list:
    """The funding rules the co-funding, as the preview shows it, breaks (none when nothing is asked)."""
    return list(context["cofunding"]["problems"]) if context.get("cofunding") else []


request_parts.register(request_parts.RequestPart(
    fields=SplitFields, fields_template="funding/leave_request_fields.html",
    preview_template="funding/leave_request_preview.html", context=context, submit=submit,
    refusals=(FundingError,), sent_message=_sent_message, problems=problems,
))
