"""Fixtures for the training-leave rules: a Flemish employer of 25 FTE, its people, its leave types
and a registry training that meets the VOV conditions. Every text is asserted in English."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.leave import services
from ila_sme.leave.models import LeaveRequest, LedgerEntry
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training
from tests import factories

# A school year (2025-26) and a calendar year (2026) that the whole folder works in.
TODAY = date(2026, 2, 2)
COURSE_START = date(2026, 3, 3)  # a Tuesday
COURSE_END = date(2026, 3, 13)  # a Friday
_registry_numbers = itertools.count(200001)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


def training(**fields) -> Training:
    """A registry training that meets every VOV condition unless told otherwise."""
    values = {
        "employer_id": None, "registry_id": f"ODB-{next(_registry_numbers)}", "title": "Boekhouden voor KMO's",
        "provider_name": "Syntra", "hours": Decimal("40"),
        "eligible_paid_leave": True, "eligible_ila": True, "valid_from": date(2025, 9, 1),
        "valid_until": date(2026, 8, 31), "starts_on": COURSE_START, "ends_on": COURSE_END,
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


@dataclass
class World:
    employer: object
    manager: object
    deputy: object
    admin: object
    accountant: object
    worker: object  # the employee's user
    employee: object  # the worker's EmployeeRecord, approver = manager
    vov_training: object  # leave type "training", drawing from VOV
    guidance: object  # leave type "career guidance", drawing from the federal training right (days)
    evc: object  # leave type "EVC", drawing from VOV
    course: object  # a registry training

    def leave_type(self, kind: str):
        return {LeaveKind.TRAINING: self.vov_training, LeaveKind.CAREER_GUIDANCE: self.guidance,
                LeaveKind.EVC: self.evc}[kind]

    def days(self, start: date, end: date, **fields) -> services.RequestInput:
        """A request drawing days from the federal training right."""
        return services.RequestInput(leave_type=self.guidance, start_date=start, end_date=end, **fields)

    def hours(self, start: date, end: date, hours_per_day: str = "8", **fields) -> services.RequestInput:
        """A VOV request for the registry training, in hours."""
        fields.setdefault("training", self.course)
        return services.RequestInput(leave_type=self.vov_training, start_date=start, end_date=end,
                                     hours_per_day=Decimal(hours_per_day), **fields)

    def submit(self, data: services.RequestInput, today: date = TODAY, employee=None, actor=None) -> LeaveRequest:
        employee = employee or self.employee
        return services.submit(actor=actor or employee.user, employee=employee, data=data, today=today)


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Drukkerij Test", average_fte=Decimal("25"), region="flanders")
    manager = factories.user("manager@example.be", roles={employer: ["manager", "employee"]}, name="Mia Manager")
    deputy = factories.user("deputy@example.be", roles={employer: "manager"}, name="Dirk Deputy")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    worker = factories.user("worker@example.be", roles={employer: "employee"}, name="Wim Worker")
    employee = factories.employee(employer, first_name="Wim", last_name="Worker", user_id=worker.id,
                                  email=worker.email, approver_id=manager.id, deputy_id=deputy.id,
                                  deputy_from=date(2026, 2, 10), deputy_until=date(2026, 2, 20))
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}
    course = training()
    db.session.commit()
    return World(employer=employer, manager=manager, deputy=deputy, admin=admin, accountant=accountant,
                 worker=worker, employee=employee, vov_training=types[LeaveKind.TRAINING],
                 guidance=types[LeaveKind.CAREER_GUIDANCE], evc=types[LeaveKind.EVC], course=course)


def counts() -> tuple[int, int]:
    """Rows of leave_requests and leave_ledger."""
    return (db.session.scalar(select(func.count()).select_from(LeaveRequest)),
            db.session.scalar(select(func.count()).select_from(LedgerEntry)))


def rows_of(request: LeaveRequest) -> list[tuple[str, Decimal]]:
    return [(row.kind, row.amount) for row in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.request_id == request.id).order_by(LedgerEntry.id))]


def bring_to(world: World, request: LeaveRequest, status: str, today: date = TODAY) -> LeaveRequest:
    """Move a pending request to ``status`` through the services, as people would."""
    if status == "pending":
        return request
    if status == "withdrawn":
        return services.withdraw(actor=request.employee.user, request=request)
    if status == "rejected":
        return services.reject(actor=world.manager, request=request, reason="Busy season", today=today)
    services.approve(actor=world.manager, request=request, today=today)
    if status == "approved":
        return request
    services.ask_cancellation(actor=request.employee.user, request=request, reason="The course moved",
                              today=today)
    if status == "cancellation_requested":
        return request
    assert status == "cancelled", status
    return services.decide_cancellation(actor=world.manager, request=request, accept=True, today=today)
