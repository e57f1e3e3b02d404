"""Fixtures for the approvals inbox: an employer of 25 FTE (5 days of federal training right per
FTE), a manager with a deputy, an accountant, an admin, and employees who can sign in.

Most requests are career guidance: it draws days from the federal training right and needs no
registry training, so the dates alone decide the amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.leave import ledger, services
from ila_sme.leave.models import LedgerEntry
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from tests import factories

TODAY = date(2026, 3, 2)  # a Monday; the 2026 allocation is 5 days for a full-time employee
MONDAY = date(2026, 3, 9)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    """The views ask ``dates.today()``; a test may move it (the deputy's range)."""
    app.config["TODAY"] = TODAY
    return TODAY


@dataclass
class World:
    employer: object
    manager: object
    deputy: object
    accountant: object
    admin: object
    other_manager: object
    wim: object  # Wim's user
    wim_record: object  # approver: the manager; deputy: Dirk from 2 to 6 March 2026
    zoe: object
    zoe_record: object  # approver: the manager
    otto: object
    otto_record: object  # approver: the other manager
    guidance: object  # leave type "career guidance" (federal training right, days)

    def ask(self, record, start: date, end: date | None = None, **fields):
        """A request submitted by the employee, committed (the approver's mail goes out)."""
        guidance = next(t for t in schemes.leave_types(record.employer) if t.kind == LeaveKind.CAREER_GUIDANCE)
        request = services.submit(
            actor=record.user, employee=record,
            data=services.RequestInput(leave_type=guidance, start_date=start, end_date=end or start, **fields),
            today=TODAY,
        )
        db.session.commit()
        return request


def employee_with_user(employer, email: str, first: str, last: str, roles=("employee",), **fields):
    user = factories.user(email, roles={employer: list(roles)}, name=f"{first} {last}", language="en")
    record = factories.employee(employer, first_name=first, last_name=last, email=email, user_id=user.id, **fields)
    return user, record


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Bakkerij Test", average_fte=Decimal("25"))
    manager = factories.user("mia@example.be", roles={employer: "manager"}, name="Mia Manager", language="en")
    deputy = factories.user("dirk@example.be", roles={employer: "manager"}, name="Dirk Deputy", language="en")
    accountant = factories.user("anna@example.be", roles={employer: "accountant"}, name="Anna Accountant",
                                language="en")
    admin = factories.user("ada@example.be", roles={employer: "admin"}, name="Ada Admin", language="en")
    other_manager = factories.user("olga@example.be", roles={employer: "manager"}, name="Olga Other",
                                   language="en")
    wim, wim_record = employee_with_user(employer, "wim@example.be", "Wim", "Willems", approver_id=manager.id,
                                         deputy_id=deputy.id, deputy_from=date(2026, 3, 2),
                                         deputy_until=date(2026, 3, 6), team="Bakery")
    zoe, zoe_record = employee_with_user(employer, "zoe@example.be", "Zoë", "Peeters", approver_id=manager.id)
    otto, otto_record = employee_with_user(employer, "otto@example.be", "Otto", "Outsider",
                                           approver_id=other_manager.id)
    guidance = next(t for t in schemes.leave_types(employer) if t.kind == LeaveKind.CAREER_GUIDANCE)
    db.session.commit()
    return World(employer, manager, deputy, accountant, admin, other_manager, wim, wim_record, zoe, zoe_record,
                 otto, otto_record, guidance)


def rows_of(request) -> list[tuple[str, Decimal]]:
    """The ledger rows of one request, oldest first, as (kind, amount)."""
    return [(row.kind, row.amount) for row in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.request_id == request.id).order_by(LedgerEntry.id))]


def balance_of(record, year: str = "2026") -> ledger.Balance:
    return ledger.balance(record.id, "training_right", year)
