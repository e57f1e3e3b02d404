"""The audit log of the current employer, for admins."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ila_sme import paging, permissions
from ila_sme.audit import sentences
from ila_sme.audit.models import AuditEvent
from ila_sme.tenancy import current_employer, scoped
from ila_sme.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.get("")
@login_required
def index():
    """The newest events; "show older" appends the next ones (their rows alone for htmx)."""
    employer = current_employer()
    permissions.require(permissions.can_view_audit(current_user, employer))
    page = paging.page_of(scoped(AuditEvent).options(selectinload(AuditEvent.actor))
                          .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()), size=PAGE_SIZE)
    cache: dict = {}
    sentences.preload(page.items, cache)
    said = {event.id: sentences.say(event, cache=cache) for event in page.items}
    return render("audit/index.html", "rows" if paging.wants_more() else "events", page=page, said=said,
                  more_url=page.next_url("audit.index"))
