"""The co-funding blueprint, /funding: the requests' screens (``views``) and the budget view
(``budget_views``) both put their routes on it; the factory imports both."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/funding")
