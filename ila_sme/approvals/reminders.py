"""Remind those who may decide a leave or co-funding request that has waited too long.

A request waiting more than ``REMINDER_AFTER_DAYS`` days reminds everyone who may take its next
decision: a notification in the app and a mail after commit, in each person's language. A leave
request waits since its last change of status (``updated_at``: asked, agreed by the approver, or its
cancellation asked); a co-funding request since the day it was asked (``asked_on``). Co-funding asked
with a leave request is decided with the leave, in Approvals: the leave's reminder covers it.

At most one reminder per request every ``REMINDER_AFTER_DAYS`` days: ``reminded_on`` is claimed by one
guarded UPDATE before anyone is told, so a second run the same day (the scheduler's and a command's,
even at the same moment) sends nothing. Like the leave jobs, ``send_reminders`` commits, one request
at a time: a request whose reminder failed is rolled back alone and tried again by the next run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from ila_sme.accounts.models import User
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.funding import services as funding_services
from ila_sme.funding.models import KIND_LABELS, FundingRequest, FundingStatus
from ila_sme.leave import services as leave_services
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.leave.notices import approvers_of, request_details, request_title, training_line
from ila_sme.money import format_money
from ila_sme.notifications.services import notify
from ila_sme.urls import absolute_url
from ila_sme.web import babel_locale

LEAVE_WAITING = (RequestStatus.PENDING, RequestStatus.SECOND_STEP, RequestStatus.CANCELLATION_REQUESTED)
FUNDING_WAITING = (FundingStatus.PENDING, FundingStatus.SECOND_STEP)
LEAVE_UNDECIDED = (RequestStatus.PENDING, RequestStatus.SECOND_STEP)  # its co-funding is decided with it


@dataclass
class Reminded:
    leave_requests: int = 0  # requests whose deciders were reminded
    funding_requests: int = 0
    notifications: int = 0  # one per person reminded of one request
    without_decider: int = 0  # waiting, but nobody may decide them: the admin should look
    failed: int = 0  # rolled back; the next run tries again

    def counts(self) -> dict:
        return asdict(self)


def after_days() -> int:
    return max(int(current_app.config.get("REMINDER_AFTER_DAYS", 3)), 1)


def send_reminders(today: date, *, days: int | None = None) -> Reminded:
    """Remind the deciders of every request waiting more than ``days`` days (default: the config)."""
    days = days or after_days()
    last_reminder = today - timedelta(days=days)  # a reminder on or before this day may be repeated
    done = Reminded()
    members: dict[int, list[User]] = {}
    for request_id in _due_leave(today, days):
        request = db.session.get(LeaveRequest, request_id)
        _remind(done, "leave_requests", request, _leave_deciders(request, today, members), last_reminder, today)
    for funding_id in _due_funding(today, days):
        funding = db.session.get(FundingRequest, funding_id)
        if funding.leave_request is not None and funding.leave_request.status in LEAVE_UNDECIDED:
            continue
        deciders = [user for user in _members(funding.employer_id, members)
                    if funding_services.may_decide(user, funding)]
        _remind(done, "funding_requests", funding, deciders, last_reminder, today)
    return done


# Which requests ------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` where the employers are, in UTC (the timestamps' zone)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _due_leave(today: date, days: int) -> list[int]:
    waited_since = _start_of(today - timedelta(days=days))  # waiting since before that day: more than N days
    return list(db.session.scalars(select(LeaveRequest.id).where(
        LeaveRequest.status.in_(LEAVE_WAITING), LeaveRequest.updated_at < waited_since,
        or_(LeaveRequest.reminded_on.is_(None), LeaveRequest.reminded_on <= today - timedelta(days=days)),
    ).order_by(LeaveRequest.id)))


def _due_funding(today: date, days: int) -> list[int]:
    return list(db.session.scalars(select(FundingRequest.id).where(
        FundingRequest.status.in_(FUNDING_WAITING), FundingRequest.asked_on < today - timedelta(days=days),
        or_(FundingRequest.reminded_on.is_(None), FundingRequest.reminded_on <= today - timedelta(days=days)),
    ).order_by(FundingRequest.id)))


# Who decides ---------------------------------------------------------------------------------


def _members(employer_id: int, cache: dict[int, list[User]]) -> list[User]:
    """The employer's active users (each once), loaded once per run."""
    if employer_id not in cache:
        cache[employer_id] = list(db.session.scalars(
            select(User).where(User.id.in_(select(Membership.user_id).where(Membership.employer_id == employer_id)))
            .options(selectinload(User.memberships)).order_by(User.id)))
    return [user for user in cache[employer_id] if user.is_active]


def _leave_deciders(request: LeaveRequest, today: date, cache: dict[int, list[User]]) -> list[User]:
    candidates = {user.id: user for user in _members(request.employer_id, cache)}
    for user_id in approvers_of(request.employee, today) - candidates.keys():
        user = db.session.get(User, user_id)
        if user is not None and user.is_active:
            candidates[user.id] = user
    return [user for user in candidates.values() if leave_services.may_decide(user, request, today)]


# Telling them --------------------------------------------------------------------------------


def _remind(done: Reminded, kind: str, request, deciders: list[User], last_reminder: date, today: date) -> None:
    if not deciders:
        done.without_decider += 1
        return
    model, request_id = type(request), request.id
    claimed = db.session.execute(
        update(model).where(model.id == request_id, model.status == request.status,
                            or_(model.reminded_on.is_(None), model.reminded_on <= last_reminder))
        .values(_claim_values(model, today)).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # decided meanwhile, or another run reminded it first
        db.session.rollback()
        return
    try:
        for user in deciders:
            if model is LeaveRequest:
                _tell_leave(user, request)
            else:
                _tell_funding(user, request)
        db.session.commit()
    except Exception:  # noqa: BLE001 - one request's failure never stops the others' reminders
        db.session.rollback()
        current_app.logger.exception("the reminder of %s %s failed", model.__tablename__, request_id)
        done.failed += 1
        return
    setattr(done, kind, getattr(done, kind) + 1)
    done.notifications += len(deciders)


def _claim_values(model, today: date) -> dict:
    if model is LeaveRequest:  # a reminder is not a change of the request: its waiting time stands
        return {"reminded_on": today, "updated_at": LeaveRequest.updated_at}
    return {"reminded_on": today}


def _tell_leave(user: User, request: LeaveRequest) -> None:
    link, name = absolute_url("approvals.inbox"), request.employee.full_name

    def subject():
        if request.status == RequestStatus.CANCELLATION_REQUESTED:
            return _("Reminder: %(name)s asks to cancel approved training leave: %(title)s", name=name,
                     title=request_title(request))
        return _("Reminder: the training leave of %(name)s waits for your decision: %(title)s", name=name,
                 title=request_title(request))

    notify(user, request.employee.employer, subject=subject, link=link, body=lambda: _(
        "%(name)s's request for %(details)s has been waiting since %(since)s.%(training)s\n\n"
        "Decide here: %(link)s\n", name=name, details=request_details(request), training=training_line(request),
        since=format_date(request.updated_at, "long"), link=link))


def _tell_funding(user: User, funding: FundingRequest) -> None:
    link, name = absolute_url("funding.requests"), funding.employee.full_name

    def what() -> str:
        if funding.training is not None:
            return funding.training.title
        return str(KIND_LABELS.get(funding.kind, funding.kind))

    def subject():
        return _("Reminder: the co-funding of %(name)s waits for your decision: %(what)s, %(amount)s", name=name,
                 what=what(), amount=format_money(funding.employer_amount, babel_locale()))

    notify(user, funding.employee.employer, link=link, subject=subject,
           body=lambda: _("%(name)s asked on %(asked)s for co-funding of %(amount)s from the employer for "
                          "%(what)s.\n\nDecide here: %(link)s\n", name=name,
                          asked=format_date(funding.asked_on, "long"),
                          amount=format_money(funding.employer_amount, babel_locale()), what=what(), link=link))
