"""Learning accounts against a running register stub (a separate process on loopback): an employer
whose token the register knows, its employee Wim who can sign in, his approver, a manager who is not
his approver, an admin, an accountant and a colleague. Every request asks for English."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from ila_sme.extensions import db
from ila_sme.funding.models import Contribution, FundingRequest, FundingStatus
from tests import factories
from tests.support.register_process import register  # noqa: F401
from tests.support.world import Staff, staff

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
REGISTER_UPDATED_AT = "2026-03-01T02:00:00Z"
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@pytest.fixture
def ledger(app, register):  # noqa: F811 - the fixture imported above
    """The running register, with the app pointed at it."""
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN=register.token, LEDGER_TIMEOUT=5.0)
    return register


def account(balance="150.10", public_credit="100.00", employer_contributions="75.10", spent="25.00",
            updated_at=REGISTER_UPDATED_AT) -> dict:
    return {"balance": balance, "public_credit": public_credit, "employer_contributions": employer_contributions,
            "spent": spent, "updated_at": updated_at}


@dataclass
class World(Staff):
    course: object


@pytest.fixture
def world(app, ledger) -> World:
    employer = factories.employer("Drukkerij Rekening", register_token=ledger.token)
    people = staff(employer)
    course = factories.training(title="Boekhouden voor KMO's", registry_id="ODB-123456", cost_cents=45000)
    db.session.commit()
    return World(**vars(people), course=course)


def contribution(employee, requested_by, *, amount_cents=5000, status="pending", reference=None, training=None,
                 kind="course-fee") -> Contribution:
    """A contribution row as the co-funding approval stores it, with its funding request."""
    request = FundingRequest(employer_id=employee.employer_id, employee_id=employee.id, year=2026,
                             asked_on=date(2026, 3, 2), kind=kind,
                             training_id=training.id if training else None, cost_cents=amount_cents,
                             employer_cents=amount_cents, status=FundingStatus.APPROVED,
                             requested_by_id=requested_by.id)
    db.session.add(request)
    db.session.flush()
    n = next(_keys)
    row = Contribution(employer_id=employee.employer_id, employee_id=employee.id, funding_request_id=request.id,
                       reference=reference or f"C-2026-{n:06d}", idempotency_key=f"test-key-{n}", kind=kind,
                       registry_id=training.registry_id if training else None, amount_cents=amount_cents,
                       period="2026-03", status=status, created_at=NOW)
    db.session.add(row)
    db.session.flush()
    return row
