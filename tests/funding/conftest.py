"""Fixtures for the co-funding rules and services: a small Flemish employer (25 FTE) with a policy
for 2026, its managers and admins, an employee with a learning account of €500.00, and a registry
training eligible for the learning account and for paid leave.

Services run outside a request, in the app's default locale: English here, so every message and
every amount reads as in en_BE ("0,01 €")."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import rules, services
from ila_sme.funding.models import BudgetEntry, Contribution, FundingPart, FundingRequest
from ila_sme.learning_accounts.models import AccountSnapshot
from ila_sme.money import format_money, to_cents
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training
from tests import factories

TODAY = date(2026, 3, 2)  # a Monday in calendar year 2026 and school year 2025-26
YEAR = 2026
COURSE_START = date(2026, 3, 16)  # a Monday
COURSE_END = date(2026, 3, 18)  # a Wednesday
_registry_numbers = itertools.count(900001)


def eur(amount: str) -> str:
    """An amount as the messages show it in en_BE: eur("1000.01") == "1.000,01\xa0€"."""
    return format_money(Decimal(amount), "en_BE")


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


def training(**fields) -> Training:
    """A registry training eligible for the learning account and for Flemish paid leave, €2,000.00."""
    values = {
        "employer_id": None, "registry_id": f"ODB-{next(_registry_numbers)}", "title": "Boekhouden voor KMO's",
        "provider_name": "Syntra", "hours": Decimal("40"), "eligible_paid_leave": True, "eligible_ila": True,
        "cost_cents": 200000, "valid_from": date(2025, 9, 1), "valid_until": date(2026, 8, 31),
        "starts_on": COURSE_START, "ends_on": COURSE_END,
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def account(employee, balance: str) -> AccountSnapshot:
    """The learning account as the register last reported it."""
    snapshot = db.session.scalar(select(AccountSnapshot).where(AccountSnapshot.employee_id == employee.id))
    if snapshot is None:
        snapshot = AccountSnapshot(employer_id=employee.employer_id, employee_id=employee.id, public_credit_cents=0,
                                   employer_contributions_cents=0, spent_cents=0, balance_cents=0)
        db.session.add(snapshot)
    snapshot.balance_cents = snapshot.public_credit_cents = to_cents(Decimal(balance))
    db.session.flush()
    return snapshot


@dataclass
class World:
    employer: object
    manager: object  # Mia: manager; the employee's approver for leave
    other_manager: object  # Olaf: another manager
    admin: object  # Ada: admin only
    other_admin: object  # Abe: admin and manager
    worker: object  # Wim's user
    employee: object  # Wim's EmployeeRecord
    colleague: object  # Cora's EmployeeRecord
    course: object  # a registry training, eligible for the learning account, €2,000.00
    own_course: object  # the employer's own training: never eligible for the learning account
    policy: object

    def policy_with(self, year: int = YEAR, employer=None, **fields):
        return set_policy(employer or self.employer, self.admin, year=year, **fields)

    def ask(self, employee=None, *, kind: str = "course-fee", cost: str = "1000.00", training="course",
            actor=None, today: date = TODAY, leave_request=None, **split) -> FundingRequest:
        """Ask for co-funding; ``split`` in euros as strings, e.g. employer="500.00"."""
        employee = employee or self.employee
        if training == "course":
            training = self.course if kind == "course-fee" else None
        return services.ask(actor=actor or employee.user or self.manager, employee=employee, kind=kind,
                            cost=Decimal(cost), split=rules.Split(**split), training=training,
                            leave_request=leave_request, today=today)

    def top_up(self, amount: str, employee=None, *, actor=None, today: date = TODAY) -> FundingRequest:
        """A manager (Olaf, by default) grants a top-up of the employee's learning account."""
        return self.ask(employee, kind="top-up", cost=amount, actor=actor or self.other_manager, today=today,
                        employer=amount)

    def approved_top_up(self, amount: str, employee=None) -> FundingRequest:
        funding = self.top_up(amount, employee)
        return services.approve(actor=self.admin, funding=funding, today=TODAY)


def set_policy(employer, actor, *, year: int = YEAR, budget: str = "10000.00", cap_per_employee: str = "1500.00",
               max_share_pct: str = "50", gives_top_up: bool = True, gives_course_fee: bool = True,
               admin_approval_above: str | None = "1000.00"):
    return services.set_policy(
        actor=actor, employer=employer, year=year, budget=Decimal(budget), cap_per_employee=Decimal(cap_per_employee),
        max_share_pct=Decimal(max_share_pct), gives_top_up=gives_top_up, gives_course_fee=gives_course_fee,
        admin_approval_above=None if admin_approval_above is None else Decimal(admin_approval_above))


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Drukkerij Test", average_fte=Decimal("25"), region="flanders")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    other_manager = factories.user("olaf@example.be", roles={employer: "manager"}, name="Olaf Other")
    admin = factories.user("admin@example.be", roles={employer: "admin"}, name="Ada Admin")
    other_admin = factories.user("abe@example.be", roles={employer: ["admin", "manager"]}, name="Abe Admin")
    worker = factories.user("worker@example.be", roles={employer: "employee"}, name="Wim Worker")
    employee = factories.employee(employer, first_name="Wim", last_name="Worker", user_id=worker.id,
                                  email=worker.email, approver_id=manager.id)
    cora = factories.user("cora@example.be", roles={employer: "employee"}, name="Cora Colleague")
    colleague = factories.employee(employer, first_name="Cora", last_name="Colleague", user_id=cora.id,
                                   approver_id=manager.id)
    course = training()
    own_course = factories.training(employer, title="Onboarding", cost_cents=50000)
    account(employee, "500.00")
    account(colleague, "500.00")
    policy = set_policy(employer, admin)
    db.session.commit()
    return World(employer=employer, manager=manager, other_manager=other_manager, admin=admin,
                 other_admin=other_admin, worker=worker, employee=employee, colleague=colleague, course=course,
                 own_course=own_course, policy=policy)


@pytest.fixture
def leave_types(world) -> dict:
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(world.employer)}
    db.session.commit()
    return {"training": types[LeaveKind.TRAINING], "guidance": types[LeaveKind.CAREER_GUIDANCE]}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counts() -> dict:
    """The rows a co-funding request and its decisions write."""
    return {model.__tablename__: count(model) for model in (FundingRequest, FundingPart, BudgetEntry, Contribution)}


def audit_actions(obj=None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if obj is not None:
        query = query.where(AuditEvent.object_type == type(obj).__name__, AuditEvent.object_id == str(obj.id))
    return list(db.session.scalars(query))


def refused(call, *expected: str) -> str:
    """``call()`` raises FundingError whose message holds every ``expected`` text, and writes nothing."""
    db.session.commit()
    before, events = counts(), count(AuditEvent)
    with pytest.raises(services.FundingError) as raised:
        call()
    message = str(raised.value)
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert counts() == before  # in the same session, before any rollback: nothing was even added
    assert count(AuditEvent) == events
    db.session.rollback()
    assert counts() == before
    return message
