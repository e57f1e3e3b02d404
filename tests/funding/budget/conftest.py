"""Fixtures for the manager's budget and participation view: a Flemish employer with a co-funding policy
for 2026, its managers, admin, accountant and staff, and co-funding made through the real services on
pinned past days. Every request asks for English (en_BE puts the euro sign after the amount)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution
from ila_sme.funding.rules import Split
from ila_sme.schemes import services as schemes
from tests import factories

TODAY = date(2026, 6, 15)
EUR = "\xa0€"


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@dataclass
class World:
    employer: object
    admin: object
    manager: object
    accountant: object
    worker: object  # Wim's login (employee role)
    cora_user: object
    wim: object  # EmployeeRecord, team Productie, 100 %, 38 h
    cora: object  # EmployeeRecord, team Winkel, 80 %, 30.4 h
    course: object  # a registry training of €800
    cheap: object  # a registry training of €300


def _person(employer, first, last, approver, *, login=True, **fields):
    user = None
    if login:
        user = factories.user(f"{first.lower()}@example.be", roles={employer: "employee"}, name=f"{first} {last}")
    employee = factories.employee(employer, first_name=first, last_name=last, user_id=user.id if user else None,
                                  email=user.email if user else None, approver_id=approver.id, **fields)
    return user, employee


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Bakkerij Budget BV", average_fte=Decimal("12"))
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    worker, wim = _person(employer, "Wim", "Worker", manager, team="Productie")
    cora_user, cora = _person(employer, "Cora", "Colleague", manager, team="Winkel", employment_pct=Decimal("80"),
                              hours_per_week=Decimal("30.4"))
    course = factories.training(title="Boekhouden voor KMO's", cost_cents=80000)
    cheap = factories.training(title="HACCP", cost_cents=30000)
    schemes.leave_types(employer)
    services.set_policy(actor=admin, employer=employer, year=2026, budget=Decimal("5000"),
                        cap_per_employee=Decimal("1500"), max_share_pct=Decimal("50"), gives_top_up=True,
                        gives_course_fee=True, admin_approval_above=Decimal("1000"))
    db.session.commit()
    return World(employer=employer, admin=admin, manager=manager, accountant=accountant, worker=worker,
                 cora_user=cora_user, wim=wim, cora=cora, course=course, cheap=cheap)


def fund(employee, *, actor, day: date, employer_part: str, training=None, account: str = "0",
         decide_by=None, outcome: str = "approved", reason: str = "Not this year"):
    """Ask co-funding on ``day`` (a course fee with a training, a top-up without) and decide it that day."""
    kind = "course-fee" if training else "top-up"
    funding = services.ask(actor=actor, employee=employee, kind=kind, cost=training.cost if training else Decimal(0),
                           split=Split(employer=Decimal(employer_part), account=Decimal(account)),
                           training=training, today=day)
    funding.created_at = at(day)
    if outcome in ("approved", "cancelled", "booked"):
        services.approve(actor=decide_by, funding=funding, today=day)
        funding.decided_at = at(day)
    elif outcome == "rejected":
        services.reject(actor=decide_by, funding=funding, reason=reason)
        funding.decided_at = at(day)
    if outcome == "cancelled":
        services.cancel(actor=decide_by, funding=funding, reason="Course moved")
    if outcome == "booked":
        contribution = db.session.query(Contribution).filter_by(funding_request_id=funding.id).one()
        services.mark_booked(contribution, entry_id=f"L-TEST-{funding.id}", booked_at=at(day))
    db.session.commit()
    return funding
