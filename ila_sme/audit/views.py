"""The audit log of the current employer, for admins."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from ila_sme import permissions
from ila_sme.audit import sentences
from ila_sme.audit.models import AuditEvent
from ila_sme.forms import paginate
from ila_sme.tenancy import current_employer, scoped
from ila_sme.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.get("")
@login_required
def index():
    employer = current_employer()
    permissions.require(permissions.can_view_audit(current_user, employer))
    page = paginate(scoped(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
                    per_page=PAGE_SIZE)
    cache: dict = {}
    sentences.preload(page.items, cache)
    said = {event.id: sentences.say(event, cache=cache) for event in page.items}
    return render("audit/index.html", "events", page=page, said=said)
