"""The employee side of training leave: request, follow, withdraw; balances and their ledger rows."""

from __future__ import annotations

from flask import Blueprint

from ila_sme.leave.models import LeaveRequest
from ila_sme.tenancy import register_url_object

bp = Blueprint("leave", __name__, url_prefix="/leave")
register_url_object("request_id", LeaveRequest)
