"""What waits for a user's decision: every kind in one place. The inbox lists it, the menu's badge and the home
page count it, all through ``waiting_for`` so the three never disagree.

Training leave (first approval, second step, cancellations) comes from ``leave.request_lists``; co-funding asked
on its own (first approval, the admin's second step) from ``funding.decisions``. Co-funding asked with a training
leave is decided with that leave: it shows on the leave's row and is not counted twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ila_sme import permissions
from ila_sme.funding import decisions
from ila_sme.funding.models import FundingRequest
from ila_sme.leave import request_lists
from ila_sme.leave.models import LeaveRequest


@dataclass
class Waiting:
    leave: list[LeaveRequest] = field(default_factory=list)
    funding: list[FundingRequest] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.leave) + len(self.funding)

    def __bool__(self) -> bool:
        return self.count > 0


def waiting_for(user, employer, today: date) -> Waiting:
    """Every decision ``user`` may take at ``employer`` on ``today``."""
    if not permissions.can_view_approvals(user, employer):
        return Waiting()
    funding = decisions.decidable(user, employer) if permissions.can_grant_funding(user, employer) else []
    return Waiting(leave=request_lists.decidable_requests(user, employer, today), funding=funding)


def count_for(user, employer, today: date) -> int:
    return waiting_for(user, employer, today).count
