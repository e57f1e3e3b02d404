"""Refunds the employer can claim: the approved Flemish training leave (VOV) of a school year."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("refunds", __name__, url_prefix="/refunds")
