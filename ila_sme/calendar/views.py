"""The team calendar of training leave and the private iCalendar feeds."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
