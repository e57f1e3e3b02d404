"""The approvals inbox: decide inline, in bulk, and on cancellations."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
