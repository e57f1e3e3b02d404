"""Who may do what: small predicates used by views and templates alike.

Each takes the user and the employer the action is about. Objects of another employer never get
here: ``tenancy.get_or_404`` has already answered 404 for them.
"""

from __future__ import annotations

from flask import abort

from ila_sme.roles import Role


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


def can_manage_access(user, employer) -> bool:
    """See who may sign in to this employer with which role, and withdraw a role."""
    return Role.ADMIN in _roles(user, employer)


def can_view_audit(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_view_finance(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.ACCOUNTANT, Role.ADMIN})


def can_request_leave(user, employer) -> bool:
    return Role.EMPLOYEE in _roles(user, employer)


def can_view_approvals(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.MANAGER, Role.ADMIN, Role.ACCOUNTANT})


def can_approve_for_a_team(user, employer) -> bool:
    """Managers and admins: an employee's approver is one of them, so their home shows their team."""
    return bool(_roles(user, employer) & {Role.MANAGER, Role.ADMIN})


def is_accountant(user, employer) -> bool:
    return Role.ACCOUNTANT in _roles(user, employer)


def can_view_calendar(user, employer) -> bool:
    return is_member(user, employer)


def can_subscribe_to_approvees_leave(user, employer) -> bool:
    """A manager's calendar feed also has the approved leave of the people they approve, also as a deputy."""
    return Role.MANAGER in _roles(user, employer)


def can_subscribe_to_everyones_leave(user, employer) -> bool:
    """An admin's calendar feed has the approved leave of everyone at the employer."""
    return Role.ADMIN in _roles(user, employer)


def can_view_trainings(user, employer) -> bool:
    return is_member(user, employer)


def can_manage_trainings(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_edit_leave_settings(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_view_balances_of(user, employee) -> bool:
    """The employee, their approver or deputy, and the employer's admins."""
    if employee is None or not getattr(user, "is_authenticated", False):
        return False
    roles = user.roles_in(employee.employer_id)
    if not roles:
        return False
    return (employee.user_id == user.id or Role.ADMIN in roles
            or (Role.MANAGER in roles and user.id in (employee.approver_id, employee.deputy_id)))


def can_set_funding_policy(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


def can_grant_funding(user, employer) -> bool:
    """Managers grant top-ups and decide on co-funding; admins too."""
    return bool(_roles(user, employer) & {Role.MANAGER, Role.ADMIN})


def can_view_budget(user, employer) -> bool:
    return bool(_roles(user, employer) & {Role.MANAGER, Role.ADMIN, Role.ACCOUNTANT})


def can_view_skills(user, employer) -> bool:
    """The skills matrix: managers and admins see the credentials their staff earned or shared."""
    return bool(_roles(user, employer) & {Role.MANAGER, Role.ADMIN})


def can_manage_credentials_of(user, employee) -> bool:
    """Upload, enter and share credentials: the employee themself, or an admin of their employer."""
    if employee is None or not getattr(user, "is_authenticated", False):
        return False
    roles = user.roles_in(employee.employer_id)
    return bool(roles) and (employee.user_id == user.id or Role.ADMIN in roles)


def can_reconcile(user, employer) -> bool:
    """Accountants (and admins) reconcile with the register and resolve its differences."""
    return bool(_roles(user, employer) & {Role.ACCOUNTANT, Role.ADMIN})


def can_export_statements(user, employer) -> bool:
    """The accountants' statements: export, close periods, read the export log. Accountants and admins."""
    return bool(_roles(user, employer) & {Role.ACCOUNTANT, Role.ADMIN})


def can_view_jobs(user, employer) -> bool:
    """The scheduler's job runs: admins."""
    return Role.ADMIN in _roles(user, employer)


def can_correct_balance(user, employer) -> bool:
    return Role.ADMIN in _roles(user, employer)


PREDICATES = {
    name: function
    for name, function in dict(globals()).items()
    if name.startswith(("can_", "is_")) or name == "invitable_roles"
}


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
