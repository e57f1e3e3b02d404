"""The figures of the home cards, each read with the query of the screen the card links to, so a card never says
something its screen contradicts. Read-only: a GET of the home page writes nothing (the learning account shows
the figures last fetched; its own page asks the register)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ila_sme import permissions
from ila_sme.approvals import waiting
from ila_sme.credentials import services as credentials
from ila_sme.extensions import db
from ila_sme.funding import reports
from ila_sme.learning_accounts import services as learning_accounts
from ila_sme.leave import request_lists
from ila_sme.leave.balances import current_balances
from ila_sme.people import services as people
from ila_sme.reconciliation import overview
from ila_sme.statements import page_data

RECENT_REQUESTS = 5


def employee_cards(user, employer, today: date) -> dict:
    """My details, balances (``leave.my_balances``), requests (``leave.my_requests``), credentials
    (``credentials.mine``) and learning account (``learning_accounts.mine``)."""
    me = people.employee_for_user(employer, user)
    if me is None:
        return {"me": None}
    requests = request_lists.requests_of(me)
    return {
        "me": me,
        "balances": current_balances(me, employer, today),
        "my_requests": requests[:RECENT_REQUESTS],
        "my_request_count": len(requests),
        "my_open_requests": sum(1 for r in requests if r.is_open or r.is_cancellation_requested),
        "my_credentials": credentials.held_by(me, user),
        "account": learning_accounts.overview(me),
    }


def decision_cards(user, employer, today: date) -> dict:
    """What waits for the user's decision: the inbox's own counts (``approvals.waiting``, one COUNT statement)."""
    return {"waiting": waiting.counts_for(user, employer, today)}


def manager_cards(user, employer, today: date) -> dict:
    """The team (``people.team_of``), the staff (the people list) and this year's co-funding budget (the budget
    page's report)."""
    return {
        "team_count": len(people.team_of(employer, user)),
        "staff_count": len(people.employees(employer)),
        "budget": reports.budget_report(employer, today.year) if permissions.can_view_budget(user, employer) else None,
    }


def accountant_cards(employer) -> dict:
    """The reconciliation (the page's current run, last finished run, open differences) and the statements
    (the export log, the closed months)."""
    exports = page_data.export_log(employer)
    closed = page_data.closed_months(employer.id, limit=1)
    return {
        "current_run": overview.current_run(employer),
        "last_done_run": overview.last_done_run(employer),
        "open_differences": overview.open_differences(employer),
        "latest_export": db.session.scalars(exports.limit(1)).first(),
        "export_count": db.session.scalar(select(func.count()).select_from(exports.order_by(None).subquery())) or 0,
        "last_closed": closed[0] if closed else None,
    }
