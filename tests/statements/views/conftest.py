"""Fixtures for the statements page: an employer with its 2026 co-funding policy (€10,000), an accountant,
an admin, a manager and an employee (who may not open the page), two employees with contributions booked
at the register in July, August and September 2026 (one with a second funding source), and another
employer with books of its own. Today is pinned to 5 October 2026: the third quarter is over.

Every request asks for English; the assertions read English."""

from __future__ import annotations

import csv
import io
import itertools
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import (
    BudgetEntry,
    BudgetMove,
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingStatus,
)
from tests import factories

TODAY = date(2026, 10, 5)
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


def book(employer, employee, admin, *, period: str, cents: int, day: int = 10, vouchers_cents: int = 0,
         status: str = ContributionStatus.BOOKED) -> Contribution:
    """A co-funding of ``employee`` booked at the register in ``period``: employer part ``cents``."""
    n = next(_numbers)
    year, month = map(int, period.split("-"))
    request = factories.funding_request(employee, admin, year=year, kind="top-up",
                                        cost_cents=cents + vouchers_cents, employer_cents=cents,
                                        status=FundingStatus.APPROVED)
    if vouchers_cents:
        db.session.add(FundingPart(funding_request_id=request.id, source="vouchers", amount_cents=vouchers_cents))
    db.session.add(BudgetEntry(employer_id=employer.id, year=year, kind=BudgetMove.RESERVATION, amount_cents=cents,
                               funding_request_id=request.id))
    contribution = Contribution(employer_id=employer.id, employee_id=employee.id, funding_request_id=request.id,
                                reference=f"C-{year}-{n:06d}", idempotency_key=uuid.uuid4().hex, kind="top-up",
                                amount_cents=cents, period=period, status=ContributionStatus.PENDING)
    db.session.add(contribution)
    db.session.flush()
    if status == ContributionStatus.BOOKED:
        funding.mark_booked(contribution, entry_id=f"L-{n:08d}", booked_at=datetime(year, month, day, 9, tzinfo=UTC))
    else:
        contribution.status = status
    db.session.commit()
    return contribution


@dataclass
class Books:
    employer: object
    accountant: object
    admin: object
    manager: object
    worker: object  # a user with the employee role only
    wim: object
    zoe: object
    other: object  # another employer, with books of its own
    other_accountant: object


@pytest.fixture
def books(app) -> Books:
    employer = factories.employer("Drukkerij Test")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    admin = factories.user("admin@example.be", roles={employer: "admin"}, name="Ada Admin")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    worker = factories.user("worker@example.be", roles={employer: "employee"}, name="Will Worker")
    wim = factories.employee(employer, first_name="Wim", last_name="Worker")
    zoe = factories.employee(employer, first_name="Zoe", last_name="Zeger")
    other = factories.employer("Elders BV")
    other_accountant = factories.user("elders@example.be", roles={other: "accountant"}, name="Eli Elders")
    stranger = factories.employee(other, first_name="Sam", last_name="Stranger")
    funding.set_policy(actor=admin, employer=employer, year=2026, budget=Decimal("10000.00"),
                       cap_per_employee=Decimal("5000.00"), max_share_pct=Decimal("100"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=None)
    db.session.commit()
    book(employer, wim, admin, period="2026-07", cents=15000, day=3)
    book(employer, zoe, admin, period="2026-07", cents=20050, day=15, vouchers_cents=5000)
    book(employer, wim, admin, period="2026-08", cents=12345, day=20)
    book(employer, zoe, admin, period="2026-09", cents=99999, day=1)
    book(other, stranger, other_accountant, period="2026-08", cents=77700)
    return Books(employer=employer, accountant=accountant, admin=admin, manager=manager, worker=worker, wim=wim,
                 zoe=zoe, other=other, other_accountant=other_accountant)


def text(html: str) -> str:
    """The page's text without tags, spaces collapsed, entities undone: to assert sentences."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " "))).strip()
    return plain.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def eur(amount) -> str:
    """An amount as the English (Belgian) pages show it."""
    from ila_sme.money import format_money

    return format_money(Decimal(amount), "en_BE").replace("\xa0", " ")


def csv_rows(data: bytes, separator: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=separator))


def token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)


HTMX = {"HX-Request": "true"}
