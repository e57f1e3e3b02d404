"""The team calendar (a month grid of who is on training leave) and the private iCalendar feeds.

Services take ``actor`` and ``today`` explicitly, add and flush, and never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ila_sme import paging, permissions
from ila_sme.accounts.models import User
from ila_sme.audit.services import record
from ila_sme.calendar.models import CalendarFeed
from ila_sme.db_types import utcnow
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.leave import request_lists
from ila_sme.leave.models import HOLDING_STATUSES, LeaveRequest, RequestStatus
from ila_sme.people.models import EmployeeRecord

APPROVED = (RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED)
PEOPLE_PER_PAGE = 20  # rows of the month grid at a time: a window of the staff that moves
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# The month grid ------------------------------------------------------------------------------


def parse_month(value: str | None, today: date) -> date:
    """The first day of ``YYYY-MM``; this month when the value is missing or not a month."""
    match = _MONTH.match((value or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1900 <= year <= 2999 and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def month_label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


@dataclass
class Cell:
    day: date
    weekend: bool
    today: bool
    half: bool = False
    request: LeaveRequest | None = None  # the leave that holds the day, if any
    approved: bool = False  # that leave is approved; else it waits for approval


@dataclass
class Row:
    employee: EmployeeRecord
    cells: list[Cell]


@dataclass
class MonthGrid:
    first: date
    days: list[date]
    rows: list[Row]
    today: date
    people: paging.Page | None = None  # the window of staff shown (the rows)

    @property
    def last(self) -> date:
        return self.days[-1]

    @property
    def previous(self) -> str:
        return month_label((self.first - timedelta(days=1)).replace(day=1))

    @property
    def next(self) -> str:
        return month_label(self.last + timedelta(days=1))

    @property
    def label(self) -> str:
        return month_label(self.first)

    @property
    def has_leave(self) -> bool:
        return any(cell.request for row in self.rows for cell in row.cells)


def _approved(request: LeaveRequest) -> bool:
    """Approved leave, also while a cancellation is asked: it holds the day until it is cancelled."""
    return request.status in APPROVED


def _half_on(request: LeaveRequest, day: date) -> bool:
    return (day == request.start_date and request.start_half) or (day == request.end_date and request.end_half)


def month_grid(employer, first: date, today: date, *, start: int = 0, size: int = PEOPLE_PER_PAGE) -> MonthGrid:
    """Staff (rows) × days (columns) of the month, with the leave that holds each working day: a window of
    ``size`` people from the ``start``-th, in name order (``MonthGrid.people``)."""
    first = first.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    with_leave = (select(LeaveRequest.employee_id)
                  .where(LeaveRequest.employer_id == employer.id, LeaveRequest.status.in_(HOLDING_STATUSES),
                         LeaveRequest.start_date <= last, LeaveRequest.end_date >= first))
    people = paging.page_of(
        select(EmployeeRecord)
        .where(EmployeeRecord.employer_id == employer.id)
        .where(or_(
            EmployeeRecord.id.in_(with_leave),
            (EmployeeRecord.contract_start <= last)
            & or_(EmployeeRecord.contract_end.is_(None), EmployeeRecord.contract_end >= first),
        ))
        .order_by(EmployeeRecord.last_name, EmployeeRecord.first_name, EmployeeRecord.id),
        size=size, start=start)
    holding = request_lists.holding_between(employer, first, last, employee_ids=[e.id for e in people]) \
        if people else []
    by_day: dict[tuple[int, date], LeaveRequest] = {}
    for request in holding:
        for day in days:
            if request.start_date <= day <= request.end_date and day.weekday() < 5:
                current = by_day.get((request.employee_id, day))
                if current is None or (_approved(request) and not _approved(current)):
                    by_day[(request.employee_id, day)] = request
    rows = []
    for employee in people:
        cells = []
        for day in days:
            request = by_day.get((employee.id, day))
            cells.append(Cell(day=day, weekend=day.weekday() >= 5, today=day == today,
                              half=bool(request) and _half_on(request, day), request=request,
                              approved=bool(request) and _approved(request)))
        rows.append(Row(employee, cells))
    return MonthGrid(first=first, days=days, rows=rows, today=today, people=people)


# Private feeds -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_feed(user, employer) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.employer_id == employer.id,
                                   CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())
    )


def _revoke_all(actor, employer) -> int:
    feeds = db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == actor.id, CalendarFeed.employer_id == employer.id,
                                   CalendarFeed.revoked_at.is_(None))
    ).all()
    for feed in feeds:
        feed.revoked_at = utcnow()
        record("calendar_feed.revoked", actor=actor, employer_id=employer.id, obj=feed,
               after={"revoked_at": feed.revoked_at.isoformat()})
    db.session.flush()
    return len(feeds)


def create_feed(*, actor, employer) -> tuple[CalendarFeed, str]:
    """A new private feed for ``actor``; any earlier one stops working. Returns the feed and its token:
    the token itself is never stored (only its SHA-256), so the caller shows it once."""
    _revoke_all(actor, employer)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=actor.id, employer_id=employer.id, token_hash=hash_token(token))
    db.session.add(feed)
    db.session.flush()
    record("calendar_feed.created", actor=actor, employer_id=employer.id, obj=feed)
    return feed, token


def revoke_feed(*, actor, employer) -> int:
    """Stop the user's feed; returns how many were revoked (0: there was none)."""
    return _revoke_all(actor, employer)


@dataclass
class LiveFeed:
    feed: CalendarFeed
    user: object  # User
    employer: object  # Employer


def feed_for_token(token: str) -> LiveFeed | None:
    """The live feed behind a token: None for an unknown or revoked token, an inactive user, or a user
    who is no longer a member of the feed's employer (the same answer for each)."""
    if not token or len(token) > 200:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if feed is None or feed.revoked_at is not None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.is_active or not user.roles_in(feed.employer_id):
        return None
    return LiveFeed(feed, user, db.session.get(Employer, feed.employer_id))


def feed_requests(user, employer) -> list[LeaveRequest]:
    """Approved leave the user may see: their own; a manager's approvees (approver or deputy) too;
    an admin everyone of the employer."""
    if not permissions.is_member(user, employer):
        return []
    query = (
        select(LeaveRequest)
        .join(EmployeeRecord, EmployeeRecord.id == LeaveRequest.employee_id)
        .where(LeaveRequest.employer_id == employer.id, LeaveRequest.status.in_(APPROVED))
        .options(selectinload(LeaveRequest.employee), selectinload(LeaveRequest.leave_type),
                 selectinload(LeaveRequest.training))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)
    )
    if not permissions.can_subscribe_to_everyones_leave(user, employer):
        visible = [EmployeeRecord.user_id == user.id]
        if permissions.can_subscribe_to_approvees_leave(user, employer):
            visible += [EmployeeRecord.approver_id == user.id, EmployeeRecord.deputy_id == user.id]
        query = query.where(or_(*visible))
    return list(db.session.scalars(query))


def feed_language(user, employer) -> str:
    return user.language or employer.default_language or current_app.config["BABEL_DEFAULT_LOCALE"]


def build_ics(live: LiveFeed, requests: list[LeaveRequest]) -> bytes:
    """One all-day VEVENT per request (DTEND is the day after the last day, as iCalendar wants), in the
    feed owner's language."""
    from icalendar import Calendar, Event  # loaded by the first feed, not at the app's start

    calendar = Calendar()
    calendar.add("prodid", "-//ILA-SME//Training leave//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-published-ttl", "PT1H")  # a hint to subscribers: fetch again after an hour
    with force_locale(feed_language(live.user, live.employer)):
        calendar.add("x-wr-calname", _("Training leave · %(employer)s", employer=live.employer.name))
        for request in requests:
            event = Event()
            event.add("uid", f"leave-{request.id}@ila-sme")
            event.add("dtstamp", request.updated_at or request.created_at or utcnow())
            event.add("dtstart", request.start_date)
            event.add("dtend", request.end_date + timedelta(days=1))
            event.add("summary", f"{request.employee.full_name}: {request.leave_type.label}")
            lines = []
            if request.training is not None:
                lines.append(request.training.title)
            if request.start_half:
                lines.append(_("The first day: afternoon only."))
            if request.end_half:
                lines.append(_("The last day: morning only."))
            if request.status == RequestStatus.CANCELLATION_REQUESTED:
                lines.append(_("Cancellation asked; approved until decided."))
            if lines:
                event.add("description", "\n".join(lines))
            # Someone else's leave does not make the subscriber busy.
            event.add("transp", "OPAQUE" if request.employee.user_id == live.user.id else "TRANSPARENT")
            event.add("status", "CONFIRMED")
            calendar.add_component(event)
    return calendar.to_ical()


def mark_used(feed: CalendarFeed) -> None:
    feed.last_used_at = utcnow()
    db.session.flush()
