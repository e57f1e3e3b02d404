"""Who may do what: small predicates used by views and templates alike.

Each takes the user and the employer the action is about. Objects of another employer never get
here: ``tenancy.get_or_404`` has already answered 404 for them.
"""

from __future__ import annotations

from flask import abort

from ila_sme.employers.models import Role


def _roles(user, employer) -> frozenset[str]:
    if employer is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return user.roles_in(employer.id)


def is_member(user, employer) -> bool:
    return bool(_roles(user, employer))


def can_view_people(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.ADMIN, Role.MANAGER})


def can_edit_people(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.ADMIN, Role.MANAGER})


def can_import_people(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def invitable_roles(user, employer) -> list[str]:
    """An admin may invite to any role; a manager only invites employees."""
    roles = _roles(user, employer)
    if Role.ADMIN in roles:
        return [Role.EMPLOYEE, Role.MANAGER, Role.ACCOUNTANT, Role.ADMIN]
    if Role.MANAGER in roles:
        return [Role.EMPLOYEE]
    return []


def can_invite(user, employer, role: str | None = None) -> bool:
    allowed = invitable_roles(user, employer)
    return bool(allowed) if role is None else role in allowed


def can_edit_employer(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_view_audit(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_view_finance(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.ACCOUNTANT, Role.ADMIN})


PREDICATES = {
    name: function
    for name, function in dict(globals()).items()
    if name.startswith(("can_", "is_")) or name == "invitable_roles"
}


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
