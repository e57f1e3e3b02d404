"""Which account is which employee: an invitation from a staff row links the account it makes (or finds) to
that record; an admin links an existing account to a record or unlinks it; an invitation typed for the
e-mail of a staff member offers to link. One account is at most one employee per employer (a unique
constraint on the record). No request, no flash; the caller commits once. Audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import Invitation, User, normalise_email
from ila_sme.audit.services import record
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.people.events import PeopleError
from ila_sme.people.models import EmployeeRecord


@dataclass
class InviteResult:
    linked: bool  # the account existed: linked now, nothing sent
    invitation: Invitation | None = None  # else the invitation that links it when accepted


def linked_record(employer, user) -> EmployeeRecord | None:
    return db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id,
                                                          EmployeeRecord.user_id == user.id))


def staff_member_with_email(employer, email: str) -> EmployeeRecord | None:
    """The employee of ``employer`` with this e-mail address whom no account is linked to yet."""
    return db.session.scalar(select(EmployeeRecord).where(
        EmployeeRecord.employer_id == employer.id, EmployeeRecord.user_id.is_(None),
        func.lower(EmployeeRecord.email) == normalise_email(email)).order_by(EmployeeRecord.id).limit(1))


def linkable_accounts(employer) -> list[User]:
    """The accounts with a role at ``employer`` that are no employee of it yet, by name."""
    linked = select(EmployeeRecord.user_id).where(EmployeeRecord.employer_id == employer.id,
                                                   EmployeeRecord.user_id.is_not(None))
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.employer_id == employer.id, User.id.not_in(linked))
        .group_by(User.id).order_by(func.lower(User.name), User.id)))


def link_account(*, actor, employee: EmployeeRecord, user: User) -> None:
    """Make ``user`` the account of ``employee`` (with the employee role here if it had another role only, so that
    they see their own leave). Refused: the record has an account already, the account has no role at this
    employer, or it is another employee's already."""
    employer = employee.employer
    if employee.user_id == user.id:
        raise PeopleError(_("%(name)s is already linked to this account.", name=employee.full_name))
    if employee.user_id is not None:
        raise PeopleError(_("%(name)s is already linked to the account of %(account)s: unlink it first.",
                            name=employee.full_name, account=employee.user.name))
    if not user.roles_in(employer.id):
        raise PeopleError(_("%(account)s has no access to %(employer)s: invite them instead.",
                            account=user.name, employer=employer.name))
    other = linked_record(employer, user)
    if other is not None:
        raise PeopleError(_("The account of %(account)s is already linked to %(name)s: an account is one employee.",
                            account=user.name, name=other.full_name))
    employee.user_id = user.id
    after = {"user_id": user.id}
    if "employee" not in user.roles_in(employer.id):  # an employee of the staff list signs in as one
        db.session.add(Membership(user_id=user.id, employer_id=employer.id, role="employee"))
        after["role_added"] = "employee"
    db.session.flush()
    record("employee.account_linked", actor=actor, employer_id=employer.id, obj=employee, after=after)


def unlink_account(*, actor, employee: EmployeeRecord) -> User:
    """The record has no account any more (the account keeps its roles); the account it had."""
    if employee.user_id is None:
        raise PeopleError(_("%(name)s is not linked to an account.", name=employee.full_name))
    user = employee.user
    employee.user_id = None
    db.session.flush()
    record("employee.account_unlinked", actor=actor, employer_id=employee.employer_id, obj=employee,
           before={"user_id": user.id})
    return user


def invite_employee(*, actor, employee: EmployeeRecord, role: str = "employee", name: str | None = None
                    ) -> InviteResult:
    """Invite the person of ``employee`` (to ``role``) so that their account is that record.

    The account exists with that role here already: linked now. An invitation is open for the address: it
    is given the record (no second mail). Else a new invitation for the record, which links it when accepted.
    """
    if employee.user_id is not None:
        raise PeopleError(_("%(name)s can already sign in.", name=employee.full_name))
    if not employee.email:
        raise PeopleError(_("Add an e-mail address to %(name)s first.", name=employee.full_name), "email")
    employer = employee.employer
    user = accounts.find_user(employee.email)
    if user is not None and role in user.roles_in(employer.id):
        link_account(actor=actor, employee=employee, user=user)
        return InviteResult(linked=True)
    waiting = db.session.scalar(select(Invitation).where(
        Invitation.employer_id == employer.id, Invitation.email == normalise_email(employee.email),
        Invitation.role == role, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
    if waiting is not None:
        if waiting.employee_record_id is not None:  # sent from this row (or another's) already: one mail
            raise PeopleError(_("%(email)s already has an open invitation for this role.", email=waiting.email),
                              "email")
        waiting.employee_record_id = employee.id
        record("invitation.linked", actor=actor, employer_id=employer.id, obj=waiting,
               after={"employee_record_id": employee.id})
        return InviteResult(linked=False, invitation=waiting)
    try:
        invitation = accounts.invite(actor=actor, employer=employer, email=employee.email,
                                     name=name or employee.full_name, role=role, employee_record=employee)
    except accounts.AccountError as error:
        raise PeopleError(str(error), "email") from error
    return InviteResult(linked=False, invitation=invitation)
