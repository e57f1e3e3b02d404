"""Fixtures for the accountants' statements: an employer with its 2026 co-funding policy (€10,000), an
accountant, two employees (one whose name is a formula-injection payload), and contributions booked at the
register in July, August and September 2026, as rows (like the register's run leaves them): each with its
funding request and parts (some with a second source), the budget ledger's reservation and consumption,
and a reconciliation item. Today is pinned to 5 October 2026 (the third quarter is over).

Every export is built in English (the assertions read English) unless a test asks for another language."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
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
from ila_sme.reconciliation.models import ReconciliationItem
from tests import factories

TODAY = date(2026, 10, 5)
INJECTIONS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2+3", "@SUM(A1:A2)")
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@dataclass
class Books:
    employer: object
    accountant: object
    admin: object
    wim: object  # an ordinary employee
    evil: object  # first name and last name are formula-injection payloads
    course: object  # a registry training whose title is a payload too
    run: object  # a finished reconciliation run (1 September 2026)
    contributions: list = field(default_factory=list)

    def book(self, employee, *, period: str, cents: int, day: int = 10, vouchers_cents: int = 0,
             kind: str = "top-up", training=None, status: str = ContributionStatus.BOOKED,
             outcome: str | None = "matched") -> Contribution:
        """A co-funding booked at the register in ``period``: employer part ``cents`` (+ vouchers)."""
        n = next(_numbers)
        year, month = map(int, period.split("-"))
        request = factories.funding_request(
            employee, self.admin, year=year, kind=kind, cost_cents=cents + vouchers_cents, employer_cents=cents,
            status=FundingStatus.APPROVED, training_id=training.id if training else None)
        if vouchers_cents:
            db.session.add(FundingPart(funding_request_id=request.id, source="vouchers", amount_cents=vouchers_cents))
        db.session.add(BudgetEntry(employer_id=self.employer.id, year=year, kind=BudgetMove.RESERVATION,
                                   amount_cents=cents, funding_request_id=request.id))
        contribution = Contribution(
            employer_id=self.employer.id, employee_id=employee.id, funding_request_id=request.id,
            reference=f"C-{year}-{n:06d}", idempotency_key=uuid.uuid4().hex, kind=kind,
            registry_id=training.registry_id if training else None, amount_cents=cents, period=period,
            status=ContributionStatus.PENDING)
        db.session.add(contribution)
        db.session.flush()
        if status == ContributionStatus.BOOKED:
            funding.mark_booked(contribution, entry_id=f"L-{n:08d}",
                                booked_at=datetime(year, month, day, 9, 0, tzinfo=UTC))
        else:
            contribution.status = status
        if outcome:
            db.session.add(ReconciliationItem(run_id=self.run.id, outcome=outcome, reference=contribution.reference,
                                              entry_id=contribution.entry_id, contribution_id=contribution.id,
                                              period=period, local_cents=cents, register_cents=cents))
        db.session.commit()
        self.contributions.append(contribution)
        return contribution


@pytest.fixture
def books(app) -> Books:
    employer = factories.employer("Drukkerij Test")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    admin = factories.user("admin@example.be", roles={employer: "admin"}, name="Ada Admin")
    wim = factories.employee(employer, first_name="Wim", last_name="Worker")
    evil = factories.employee(employer, first_name=INJECTIONS[0], last_name=INJECTIONS[1])
    course = factories.training(title=INJECTIONS[3])
    run = factories.reconciliation_run(employer, started_at=datetime(2026, 9, 1, 6, tzinfo=UTC),
                                       finished_at=datetime(2026, 9, 1, 7, tzinfo=UTC))
    funding.set_policy(actor=admin, employer=employer, year=2026, budget=Decimal("10000.00"),
                       cap_per_employee=Decimal("5000.00"), max_share_pct=Decimal("100"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=None)
    db.session.commit()
    books = Books(employer=employer, accountant=accountant, admin=admin, wim=wim, evil=evil, course=course, run=run)
    books.book(wim, period="2026-07", cents=15000, day=3)
    books.book(evil, period="2026-07", cents=20050, day=15, vouchers_cents=5000, kind="course-fee", training=course)
    books.book(wim, period="2026-08", cents=12345, day=20, outcome="amount_mismatch")
    books.book(evil, period="2026-09", cents=99999, day=1, outcome=None)
    return books
