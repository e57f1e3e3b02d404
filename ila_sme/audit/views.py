"""The audit log of the current employer, for admins."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from ila_sme import permissions
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.tenancy import current_employer, scoped
from ila_sme.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.get("")
@login_required
def index():
    employer = current_employer()
    permissions.require(permissions.can_view_audit(current_user, employer))
    page = db.paginate(
        scoped(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False,
    )
    return render("audit/index.html", "events", page=page)
