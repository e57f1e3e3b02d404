"""Fixtures for the co-funding screens: a Flemish small employer (25 FTE) with its 2026 co-funding policy,
an employee who can sign in (approver: a manager), a colleague, a second manager, an admin, an accountant,
and registry trainings with a cost around a pinned today.

Every request asks for English, and so do services run outside a request: the assertions read English."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import rules
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, Contribution, FundingPart, FundingRequest
from ila_sme.learning_accounts.models import AccountSnapshot
from ila_sme.leave.models import LeaveRequest, LedgerEntry
from ila_sme.money import format_money
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training
from tests import factories
from tests.support.world import Staff, staff

TODAY = date(2026, 3, 2)  # a Monday in school year 2025-26 and calendar year 2026
COURSE_START = date(2026, 3, 16)  # a Monday
COURSE_END = date(2026, 3, 18)  # a Wednesday: three working days
_registry_numbers = itertools.count(800001)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


def training(**fields) -> Training:
    """A registry training costing €1,000 that meets every condition of Flemish training leave."""
    values = {
        "employer_id": None, "registry_id": f"ODB-{next(_registry_numbers)}", "title": "Boekhouden voor KMO's",
        "provider_name": "Syntra", "hours": Decimal("40"), "eligible_paid_leave": True, "eligible_ila": True,
        "valid_from": date(2025, 9, 1), "valid_until": date(2026, 8, 31), "starts_on": COURSE_START,
        "ends_on": COURSE_END, "cost_cents": 100000,
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


@dataclass
class World(Staff):
    """The staff; the register last reported €500 on Wim's learning account, Cora's was never fetched."""

    vov: object  # leave type "training" (Flemish training leave, hours)
    course: object  # a registry training, €1,000, 16–18 March 2026

    def policy(self, **overrides):
        """The 2026 policy: €1,000 budget, €600 per employee, at most 50 % of a training, both kinds."""
        values = {"budget": Decimal("1000.00"), "cap_per_employee": Decimal("600.00"),
                  "max_share_pct": Decimal("50"), "gives_top_up": True, "gives_course_fee": True,
                  "admin_approval_above": None}
        values.update(overrides)
        policy = funding.set_policy(actor=self.admin, employer=self.employer, year=2026, **values)
        db.session.commit()
        return policy

    def ask(self, employee=None, *, actor=None, kind="course-fee", training="course", **parts):
        """A pending co-funding request made through the service (default: Wim asks €300 of the course)."""
        employee = employee or self.employee
        chosen = self.course if training == "course" else training
        split = rules.Split(**(parts or {"employer": Decimal("300.00")}))
        cost = chosen.cost if chosen is not None and kind == "course-fee" else split.employer
        request = funding.ask(actor=actor or employee.user, employee=employee, kind=kind, cost=cost, split=split,
                              training=chosen if kind == "course-fee" else None, today=TODAY)
        db.session.commit()
        return request


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Drukkerij Test", average_fte=Decimal("25"))
    people = staff(employer, admin_roles=("admin", "manager"))
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}
    course = training(title="Boekhouden voor KMO's", provider_name="Syntra West")
    db.session.add(AccountSnapshot(employer_id=employer.id, employee_id=people.employee.id, balance_cents=50000,
                                   public_credit_cents=50000, employer_contributions_cents=0, spent_cents=0))
    db.session.commit()
    world = World(**vars(people), vov=types[LeaveKind.TRAINING], course=course)
    world.policy()
    return world


def users_by_role(world) -> dict:
    return {"employee": world.worker, "manager": world.manager, "admin": world.admin,
            "accountant": world.accountant}


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot() -> dict:
    """Everything asking or deciding touches, to prove that a refusal saved nothing."""
    return {model.__name__: count(model) for model in
            (FundingRequest, FundingPart, BudgetEntry, Contribution, AuditEvent, LeaveRequest, LedgerEntry)}


def token(client) -> str:
    """The session's CSRF token. Take it before a snapshot: fetching it opens the home page."""
    from tests.conftest import csrf_token

    return csrf_token(client)


def eur(amount: str) -> str:
    """An amount as the English (Belgian) pages show it: eur("1250.5") -> '1.250,50 €'."""
    return format_money(Decimal(amount), "en_BE").replace("\xa0", " ")


def text(html: str) -> str:
    """The page's text without tags, spaces collapsed, entities of quotes undone: to assert sentences."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " "))).strip()
    return plain.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def htmx(**extra) -> dict:
    return {"HX-Request": "true", **extra}
