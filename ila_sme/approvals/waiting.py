"""What waits for a user's decision: every kind in one place. The inbox shows a window of it, the menu's badge and
the home page count it (one COUNT statement), all through the same conditions so the three never disagree.

Training leave (first approval, second step, cancellations) comes from ``leave.request_lists``; co-funding asked
on its own (first approval, the admin's second step) from ``funding.decisions``. Co-funding asked with a training
leave is decided with that leave: it shows on the leave's row and is not counted twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import g, has_request_context
from sqlalchemy import select

from ila_sme import permissions
from ila_sme.extensions import db
from ila_sme.funding import decisions
from ila_sme.funding.models import FundingRequest
from ila_sme.leave import request_lists
from ila_sme.leave.models import LeaveRequest

PAGE = 10  # rows of each kind the inbox shows at a time ("load more" for the next): a phone screen or two
KINDS = ("leave", "cancellation", "funding")


@dataclass
class Counts:
    leave: int = 0
    funding: int = 0

    @property
    def count(self) -> int:
        return self.leave + self.funding

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class Window:
    """The first ``PAGE`` rows of each kind after a given row; ``more_*``: whether rows follow."""

    leave: list[LeaveRequest] = field(default_factory=list)
    funding: list[FundingRequest] = field(default_factory=list)
    more_leave: bool = False
    more_funding: bool = False


def _funding_decider(user, employer) -> bool:
    return permissions.can_grant_funding(user, employer)


def counts_for(user, employer, today: date, kind: str | None = None) -> Counts:
    """How many decisions of each kind ``user`` may take at ``employer`` on ``today``: one statement."""
    if not permissions.can_view_approvals(user, employer):
        return Counts()
    key = (user.id, employer.id, today, kind)
    cached = g.get("_waiting_counts") if has_request_context() else None
    if cached is not None and cached[0] == key:  # the page's list and its menu badge count once
        return cached[1]
    counts = _count(user, employer, today, kind)
    if has_request_context():
        g._waiting_counts = (key, counts)
    return counts


def _count(user, employer, today: date, kind: str | None) -> Counts:
    columns = [request_lists.count_decidable(user, employer, today, kind if kind != "funding" else None)]
    with_funding = _funding_decider(user, employer) and kind in (None, "funding")
    if with_funding:
        columns.append(decisions.count_decidable(user, employer))
    found = db.session.execute(select(*columns)).one()
    return Counts(leave=found[0] if kind != "funding" else 0, funding=found[1] if with_funding else 0)


def count_for(user, employer, today: date) -> int:
    return counts_for(user, employer, today).count


def window_for(user, employer, today: date, *, kind: str | None = None, after_leave: int | None = None,
               after_funding: int | None = None, limit: int = PAGE) -> Window:
    """A window of what ``user`` may decide: ``limit`` rows of each kind asked for (``kind``: one of ``KINDS``,
    or all), after the rows ``after_leave`` / ``after_funding`` (ids) when given."""
    window = Window()
    if not permissions.can_view_approvals(user, employer):
        return window
    if kind != "funding":
        window.leave = request_lists.decidable_requests(user, employer, today, limit=limit + 1, after=after_leave,
                                                        kind=kind)
        window.more_leave = len(window.leave) > limit
        del window.leave[limit:]
    if kind in (None, "funding") and _funding_decider(user, employer):
        window.funding = decisions.decidable_window(user, employer, limit=limit + 1, after=after_funding)
        window.more_funding = len(window.funding) > limit
        del window.funding[limit:]
    return window
