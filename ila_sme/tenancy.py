"""The current employer, and loading its objects so that another tenant's always answer 404.

Every view that takes an object id from the URL loads it with ``get_or_404``. The URL argument
names and their models are registered here (``register_url_object``), which is how the
tenant-isolation test finds every such route without being edited.
"""

from __future__ import annotations

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import select

from ila_sme.extensions import db

URL_OBJECTS: dict[str, type] = {}


def register_url_object(argument: str, model: type) -> None:
    URL_OBJECTS[argument] = model


def init_app(app) -> None:
    @app.before_request
    def _load_current_employer():
        g.employer = None
        g.roles = frozenset()
        if not current_user.is_authenticated:
            return
        employers = current_user.employers()
        if not employers:
            return
        wanted = session.get("employer_id")
        employer = next((e for e in employers if e.id == wanted), employers[0])
        session["employer_id"] = employer.id
        g.employer = employer
        g.roles = current_user.roles_in(employer.id)

    @app.context_processor
    def _tenancy_context():
        return {"current_employer": g.get("employer"), "current_roles": g.get("roles", frozenset())}


def current_employer():
    employer = g.get("employer")
    if employer is None:
        abort(404)
    return employer


def scoped(model):
    """SELECT of ``model`` limited to the current employer."""
    return select(model).where(model.employer_id == current_employer().id)


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None or obj.employer_id != current_employer().id:
        abort(404)
    return obj
