"""Who hears about a leave request, and what: in-app notifications and mail after commit."""

from __future__ import annotations

from datetime import date

from babel.dates import format_interval
from flask_babel import format_date
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
from ila_sme.web import babel_locale, format_quantity

# The words that say which request a notice is about, in the recipient's language: ``notify`` calls the
# subject and the body under ``force_locale`` of the person told, so these run in that language too.

def request_title(request: LeaveRequest) -> str:
    """The training (or the kind of leave) and the dates, short: "Excel voor gevorderden, 11–12 jan 2027"."""
    what = request.training.title if request.training is not None else str(request.leave_type.label)
    return _("%(what)s, %(dates)s", what=what, dates=_dates_short(request))


def request_details(request: LeaveRequest) -> str:
    """How much, from and to which day: "14 uur opleidingsverlof van 11 januari 2027 tot 12 januari 2027"."""
    return _("%(amount)s of training leave from %(first)s to %(last)s", amount=request_amount(request),
             first=format_date(request.start_date, "long"), last=format_date(request.end_date, "long"))


def training_line(request: LeaveRequest) -> str:
    """"\nOpleiding: Excel voor gevorderden", or nothing when the request names no training."""
    return "\n" + _("Training: %(title)s", title=request.training.title) if request.training is not None else ""


def request_amount(request: LeaveRequest) -> str:
    return format_quantity(request.amount, request.leave_type.unit)


def _dates_short(request: LeaveRequest) -> str:
    if request.start_date == request.end_date:
        return format_date(request.start_date, "medium")
    return format_interval(request.start_date, request.end_date, "yMMMd", locale=babel_locale())


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
            subject = lambda: _("%(name)s asks to cancel approved training leave: %(title)s",  # noqa: E731
                                name=name, title=request_title(request))
        else:
            subject = lambda: _("%(name)s asks for training leave: %(title)s",  # noqa: E731
                                name=name, title=request_title(request))
        notify(approver, request.employee.employer, subject=subject, link=link, body=lambda: _(
            "%(name)s asks for %(amount)s of training leave from %(first)s to %(last)s.%(training)s\n\n"
            "Decide here: %(link)s\n", name=name, amount=request_amount(request),
            first=format_date(request.start_date, "long"), last=format_date(request.end_date, "long"),
            training=training_line(request), link=link))


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
               subject=lambda: _("Training leave of %(name)s needs your approval: %(title)s",
                                 name=request.employee.full_name, title=request_title(request)),
               body=lambda: _("The approver agreed; the second step is yours.\n"
                              "%(name)s: %(details)s.%(training)s\n\n%(link)s\n",
                              name=request.employee.full_name, details=request_details(request),
                              training=training_line(request), link=link))


def tell_employee(request: LeaveRequest, approved: bool, cancellation: bool = False) -> None:
    user = request.employee.user
    if user is None:
        return
    link = absolute_url("leave.my_requests")
    if cancellation:
        def subject():
            title = request_title(request)
            return (_("The cancellation of your training leave was refused: %(title)s", title=title) if approved
                    else _("Your training leave was cancelled: %(title)s", title=title))
    else:
        def subject():
            title = request_title(request)
            return (_("Your training leave was approved: %(title)s", title=title) if approved
                    else _("Your training leave was rejected: %(title)s", title=title))

    def body():
        text = _("Your request for %(details)s: %(status)s.", details=request_details(request),
                 status=request.status_label)
        text += training_line(request)
        if request.decision_reason:
            text += "\n" + request.reason_label
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
