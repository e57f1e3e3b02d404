"""The figures of the home cards, each read with the query of the screen the card links to, so a card never says
something its screen contradicts. Read-only: a GET of the home page writes nothing (the learning account shows
the figures last fetched; its own page asks the register)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme import permissions
from ila_sme.approvals import waiting
from ila_sme.credentials import services as credentials
from ila_sme.extensions import db
from ila_sme.funding import budget, reports
from ila_sme.funding.models import FundingRequest
from ila_sme.learning_accounts import services as learning_accounts
from ila_sme.leave import request_lists
from ila_sme.leave.balances import current_balances
from ila_sme.money import from_cents
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
    with_budget = permissions.can_view_budget(user, employer)
    figures = [people.team_size_query(employer, user), people.staff_size_query(employer)]
    if with_budget:
        figures += [_asked(employer, today.year), *budget.position_figures(employer, today.year)]
    team, staff, *money = db.session.execute(select(*figures)).one()  # every figure in one statement
    card = None
    if with_budget:
        has_policy, position = budget.position_from(money[1:])
        card = BudgetCard(year=today.year, has_policy=has_policy, position=position, asked=from_cents(money[0]))
    return {"team_count": team, "staff_count": staff, "budget": card}


@dataclass
class BudgetCard:
    """The budget page's head figures (``budget.position``, as ``reports.budget_report``), without its lines per
    employee and per month (the card shows none), and what is asked: the same requests as the report's lines."""

    year: int
    has_policy: bool
    position: budget.Position
    asked: Decimal


def _asked(employer, year: int):
    """What is asked, as a scalar subquery: the same requests as the budget report's lines (``reports.ASKED``, an
    employer part), summed by the database."""
    return (select(func.coalesce(func.sum(FundingRequest.employer_cents), 0))
            .where(FundingRequest.employer_id == employer.id, FundingRequest.year == year,
                   FundingRequest.status.in_(reports.ASKED), FundingRequest.employer_cents > 0).scalar_subquery())


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
