"""Fixtures for submitting contributions to the register: employers with employees and approved
co-funding whose contributions are ``pending`` (rows built directly, as approval leaves them: the
reservation in the budget ledger and the contribution with its reference and key), a fake transport
for the client, and a fake clock and sleep so retry tests never wait."""

from __future__ import annotations

import itertools
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest

from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution, ContributionStatus, FundingStatus
from ila_sme.register.client import RegisterClient, RetryPolicy
from tests import factories

YEAR = datetime.now(UTC).year
_references = itertools.count(1)


def this_period(months_ago: int = 0) -> str:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months_ago
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def make_contribution(employee, requester, *, amount_cents: int = 15000, period: str | None = None,
                      kind: str = "top-up", registry_id: str | None = None) -> Contribution:
    """An approved co-funding with its reservation, and its contribution, pending, as approval stores them."""
    funding = factories.funding_request(employee, requester, year=YEAR, kind=kind, cost_cents=amount_cents,
                                        employer_cents=amount_cents, status=FundingStatus.APPROVED)
    db.session.add(BudgetEntry(employer_id=employee.employer_id, year=YEAR, kind=BudgetMove.RESERVATION,
                               amount_cents=amount_cents, funding_request_id=funding.id))
    contribution = Contribution(
        employer_id=employee.employer_id, employee_id=employee.id, funding_request_id=funding.id,
        reference=f"C-{YEAR}-{next(_references):06d}", idempotency_key=uuid.uuid4().hex, kind=kind,
        registry_id=registry_id, amount_cents=amount_cents, period=period or this_period(),
        status=ContributionStatus.PENDING)
    db.session.add(contribution)
    db.session.flush()
    return contribution


@dataclass
class Shop:
    employer: object
    requester: object
    employees: list = field(default_factory=list)


@pytest.fixture
def shop(app):
    employer = factories.employer(register_token="token-shop")
    requester = factories.user(roles={employer: "manager"})
    employees = [factories.employee(employer) for _ in range(2)]
    db.session.commit()
    return Shop(employer, requester, employees)


class FakeClock:
    """time.monotonic and time.sleep in one: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


class Script:
    """A fake register: answers (status, body, headers) or raises, one per request, and keeps every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        status, body, *headers = answer
        return httpx.Response(status, content=json.dumps(body).encode(), headers=headers[0] if headers else {},
                              request=request)

    @property
    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


def error(status: int, code: str, message: str = "refused", retry_after: str | None = None, **extra):
    headers = {"Retry-After": retry_after} if retry_after else {}
    return (status, {"error": {"code": code, "message": message}, **extra}, headers)


def fake_client(script: Script, clock: FakeClock, *, budget: float | None = 60.0, rng=None,
                retry: RetryPolicy | None = None) -> RegisterClient:
    return RegisterClient("http://register.test", "token-shop", transport=httpx.MockTransport(script),
                          budget_seconds=budget, sleep=clock.sleep, clock=clock, rng=rng or random.Random(1),
                          retry=retry)
