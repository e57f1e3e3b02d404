"""The current employer, and loading its objects so that another tenant's always answer 404.

Every view that takes an object id from the URL names it with an argument registered here
(``register_url_object("employee_id", EmployeeRecord)``). Before any permission check, an object
that does not belong to the current employer answers 404; the view then loads it with
``get_or_404``. The tenant-isolation test walks the same registry, so new routes are covered
without editing it.
"""

from __future__ import annotations

from flask import abort, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import select

from ila_sme.extensions import db

URL_OBJECTS: dict[str, type] = {}
_BELONGS: dict[type, object] = {}


def _own(obj, employer) -> bool:
    return obj.employer_id == employer.id


def register_url_object(argument: str, model: type, belongs=_own) -> None:
    """``belongs(obj, employer)`` says whether the current employer may see ``obj`` (default: its own).
    Shared objects (registry trainings, employer_id NULL) pass a wider predicate."""
    URL_OBJECTS[argument] = model
    _BELONGS[model] = belongs


def _resolve_current_employer() -> None:
    """Set g.employer and g.roles once per request: the session's choice among the user's employers."""
    this_request = request._get_current_object()
    if g.get("_tenancy_request") is this_request:
        return
    g._tenancy_request = this_request
    g.employer = None
    g.roles = frozenset()
    if not current_user.is_authenticated:
        return
    employers = current_user.employers()
    if not employers:
        return
    wanted = session.get("employer_id")
    employer = next((e for e in employers if e.id == wanted), employers[0])
    if session.get("employer_id") != employer.id:  # unchanged: no new session cookie on every response
        session["employer_id"] = employer.id
    g.employer = employer
    g.roles = current_user.roles_in(employer.id)


def init_app(app) -> None:
    app.before_request(_resolve_current_employer)

    @app.url_value_preprocessor
    def _other_tenants_objects_do_not_exist(endpoint, values):
        """Runs before any permission check: another employer's object is a 404 for every role."""
        if not values or not current_user.is_authenticated:
            return
        for argument, model in URL_OBJECTS.items():
            if argument in values:
                # Held for the request: the session keeps objects weakly, and the view's own ``get_or_404``
                # then finds it loaded instead of reading the same row again.
                g.setdefault("_url_objects", []).append(get_or_404(model, values[argument]))

    @app.context_processor
    def _tenancy_context():
        if not has_request_context():
            return {}
        _resolve_current_employer()
        return {"current_employer": g.employer, "current_roles": g.roles}


def current_employer_or_none():
    _resolve_current_employer()
    return g.employer


def current_roles() -> frozenset[str]:
    _resolve_current_employer()
    return g.roles


def current_employer():
    employer = current_employer_or_none()
    if employer is None:
        abort(404)
    return employer


def scoped(model):
    """SELECT of ``model`` limited to the current employer."""
    return select(model).where(model.employer_id == current_employer().id)


MAX_ID = 2**31 - 1  # the largest INTEGER key on PostgreSQL; a larger id is simply not there


def get_or_404(model, object_id: int):
    if not 0 < object_id <= MAX_ID:  # never sent to the database, which would refuse it with an error
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None or not _BELONGS.get(model, _own)(obj, current_employer()):
        abort(404)
    return obj
