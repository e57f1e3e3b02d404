"""Leave settings for admins: scheme parameters (versioned) and leave types."""

from __future__ import annotations

from flask import Blueprint

from ila_sme.schemes.models import LeaveType
from ila_sme.tenancy import register_url_object

bp = Blueprint("schemes", __name__, url_prefix="/settings/leave")
register_url_object("leave_type_id", LeaveType)
