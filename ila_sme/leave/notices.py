"""Who hears about a leave request, and what: in-app notifications and mail after commit."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.leave.models import LeaveRequest
from ila_sme.messages import say
from ila_sme.notifications.services import notify
from ila_sme.roles import Role
from ila_sme.urls import absolute_url


def approvers_of(employee, today: date) -> set[int]:
    """The approver, and the deputy while the deputy's range runs; never the employee themself.

    When the employee has no approver, or the approver is the employee's own user, or is no longer an active
    manager or admin of the employer, the employer's active admins (minus the employee) decide instead.
    """
    roles = _active_deciders(employee.employer_id)
    own = employee.user_id
    approver = employee.approver_id
    if approver and approver != own and approver in roles:
        ids = {approver}
    else:
        ids = {user_id for user_id, held in roles.items() if Role.ADMIN in held and user_id != own}
    if employee.deputy_active_on(today) and employee.deputy_id != own:
        ids.add(employee.deputy_id)
    return ids


def _active_deciders(employer_id: int) -> dict[int, set[str]]:
    """The employer's active managers and admins, each with those roles."""
    found: dict[int, set[str]] = {}
    for user_id, role in db.session.execute(
        select(Membership.user_id, Membership.role).join(User, User.id == Membership.user_id)
        .where(Membership.employer_id == employer_id, Membership.role.in_([Role.MANAGER, Role.ADMIN]),
               User.active.is_(True))
    ):
        found.setdefault(user_id, set()).add(Role(role))
    return found


def tell_approvers(request: LeaveRequest, today: date, cancellation: bool = False) -> None:
    link = absolute_url("approvals.inbox")
    name = request.employee.full_name
    for user_id in approvers_of(request.employee, today):
        approver = db.session.get(User, user_id)
        if approver is None:
            continue
        if cancellation:
            subject = lambda: _("%(name)s asks to cancel approved training leave", name=name)  # noqa: E731
        else:
            subject = lambda: _("%(name)s asks for training leave", name=name)  # noqa: E731
        notify(approver, request.employee.employer, subject=subject, link=link, body=lambda: _(
            "%(name)s asks for %(amount)s from %(first)s to %(last)s.\n\nDecide here: %(link)s\n",
            name=name, amount=request.amount, first=request.start_date.isoformat(),
            last=request.end_date.isoformat(), link=link))


def tell_second_step(request: LeaveRequest) -> None:
    link = absolute_url("approvals.inbox")
    users = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.employer_id == request.employer_id, Membership.role == request.leave_type.second_step_role)
    ).all()
    for user in users:
        if user.id in (request.first_decided_by_id, request.employee.user_id):
            continue
        notify(user, request.employee.employer, link=link,
               subject=lambda: _("Training leave of %(name)s needs your approval",
                                 name=request.employee.full_name),
               body=lambda: _("The approver agreed; the second step is yours.\n\n%(link)s\n", link=link))


def tell_employee(request: LeaveRequest, approved: bool, cancellation: bool = False) -> None:
    user = request.employee.user
    if user is None:
        return
    link = absolute_url("leave.my_requests")
    first, last = request.start_date.isoformat(), request.end_date.isoformat()
    if cancellation:
        def subject():
            return (_("The cancellation of your training leave was refused") if approved
                    else _("Your training leave was cancelled"))
    else:
        def subject():
            return _("Your training leave was approved") if approved else _("Your training leave was rejected")

    def body():
        text = _("Your request from %(first)s to %(last)s: %(status)s.", first=first, last=last,
                 status=request.status_label)
        if request.decision_reason:
            text += "\n" + _("Reason: %(reason)s", reason=request.decision_reason)
        return text + "\n\n" + link + "\n"

    notify(user, request.employee.employer, subject=subject, body=body, link=link)


def tell_balance_below_zero(balance, *, employee, change: dict | str, today: date) -> None:
    """A recalculation took a balance below what is already approved or reserved: the employee and the
    approvers hear it, with the figures, to settle it (cancel a request, or an admin's correction)."""
    link = absolute_url("leave.employee_balances", employee_id=employee.id)
    own_link = absolute_url("leave.my_balances")
    name = employee.full_name
    unit = str(balance.unit)

    def subject():
        return _("The training-leave balance of %(name)s is below zero", name=name)

    def body(target_link):
        return lambda: _(
            "After a change (%(change)s) the entitlement of %(period)s was recalculated to %(entitlement)s "
            "%(unit)s, while %(held)s %(unit)s are already approved or reserved: %(remaining)s %(unit)s "
            "remain.\n\n%(link)s\n",
            change=say(change), period=balance.period, entitlement=balance.entitlement + balance.carried_over,
            held=balance.used + balance.reserved, remaining=balance.remaining, unit=_unit_word(unit),
            link=target_link)

    if employee.user is not None:
        notify(employee.user, employee.employer, link=own_link, body=body(own_link),
               subject=lambda: _("Your training-leave balance is below zero"))
    for user_id in approvers_of(employee, today) - {employee.user_id}:
        approver = db.session.get(User, user_id)
        if approver is not None:
            notify(approver, employee.employer, subject=subject, body=body(link), link=link)


def _unit_word(unit: str) -> str:
    return _("days") if unit == "days" else _("hours")
