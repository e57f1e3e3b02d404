"""A Flemish employer of 25 FTE with a manager, an admin, an accountant and three employees (two
approved by the manager, one by the admin), and another employer whose leave must never show.
Leave is made through the leave services, so the ledger stays consistent. Texts are asserted in English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.leave import services
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from tests import factories

TODAY = date(2026, 3, 2)  # a Monday; every leave of this folder is in March 2026


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@dataclass
class Team:
    employer: object
    manager: object
    admin: object
    accountant: object
    wim: object  # employee record, approver: manager
    cleo: object  # employee record, approver: manager
    otto: object  # employee record, approver: admin
    other_employer: object
    outsider: object  # employee record of the other employer, approver: other_manager
    other_manager: object

    def leave(self, employee, start: date, end: date, status: str = "approved", **fields):
        """A career-guidance request (days of the federal training right) brought to ``status``
        through the services, as the employee and their approver would."""
        leave_type = next(t for t in schemes.leave_types(employee.employer) if t.kind == LeaveKind.CAREER_GUIDANCE)
        data = services.RequestInput(leave_type=leave_type, start_date=start, end_date=end, **fields)
        request = services.submit(actor=employee.user, employee=employee, data=data, today=TODAY)
        approver = employee.approver
        if status in ("approved", "cancellation_requested", "cancelled"):
            services.approve(actor=approver, request=request, today=TODAY)
        if status in ("cancellation_requested", "cancelled"):
            services.ask_cancellation(actor=employee.user, request=request, reason="Course moved", today=TODAY)
        if status == "cancelled":
            services.approve(actor=approver, request=request, today=TODAY)
        if status == "rejected":
            services.reject(actor=approver, request=request, reason="Busy month", today=TODAY)
        if status == "withdrawn":
            services.withdraw(actor=employee.user, request=request)
        db.session.commit()
        assert request.status == status
        return request


def _employee(employer, first: str, last: str, approver, **fields):
    user = factories.user(f"{first.lower()}@example.be", roles={employer: "employee"}, name=f"{first} {last}")
    return factories.employee(employer, first_name=first, last_name=last, user_id=user.id, email=user.email,
                              approver_id=approver.id, **fields)


@pytest.fixture
def team(app) -> Team:
    employer = factories.employer("Drukkerij Kalender", average_fte=Decimal("25"))
    manager = factories.user("manager@example.be", roles={employer: ["manager", "employee"]}, name="Mia Manager")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    wim = _employee(employer, "Wim", "Worker", manager)
    cleo = _employee(employer, "Cleo", "Colleague", manager)
    otto = _employee(employer, "Otto", "Office", admin)
    other = factories.employer("Other BV", average_fte=Decimal("25"))
    other_manager = factories.user("other-manager@example.be", roles={other: "manager"}, name="Olga Other")
    outsider = _employee(other, "Bob", "Outsider", other_manager)
    db.session.commit()
    return Team(employer=employer, manager=manager, admin=admin, accountant=accountant, wim=wim, cleo=cleo,
                otto=otto, other_employer=other, outsider=outsider, other_manager=other_manager)
