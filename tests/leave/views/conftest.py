"""Fixtures for the employee's training-leave screens: a Flemish employer, an employee who can sign
in (approver: a manager), a colleague, an admin, and registry trainings around a pinned today.

Every request asks for English, so the assertions read the English texts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave.models import LeaveRequest, LedgerEntry
from ila_sme.notifications.models import Notification
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training
from tests import factories
from tests.support.world import Staff, staff

TODAY = date(2026, 3, 2)  # a Monday in school year 2025-26 and calendar year 2026
COURSE_START = date(2026, 3, 16)  # a Monday
COURSE_END = date(2026, 3, 18)  # a Wednesday: three working days
_registry_numbers = itertools.count(700001)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


def training(**fields) -> Training:
    """A registry training that meets every VOV condition unless told otherwise."""
    values = {
        "employer_id": None, "registry_id": f"ODB-{next(_registry_numbers)}", "title": "Boekhouden voor KMO's",
        "provider_name": "Syntra", "hours": Decimal("40"), "eligible_paid_leave": True, "eligible_ila": True,
        "valid_from": date(2025, 9, 1), "valid_until": date(2026, 8, 31),
        "starts_on": COURSE_START, "ends_on": COURSE_END,
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


@dataclass
class World(Staff):
    deputy: object  # Wim's deputy approver in July 2026
    vov: object  # leave type "training", drawing VOV hours
    guidance: object  # leave type "career guidance", drawing training-right days
    evc: object  # leave type "EVC", drawing VOV hours
    course: object  # a registry training, 16–18 March 2026, 40 h


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Drukkerij Test", average_fte=Decimal("25"))
    deputy = factories.user("deputy@example.be", roles={employer: "manager"}, name="Dirk Deputy")
    people = staff(employer, admin_roles=("admin", "manager"), deputy_id=deputy.id, deputy_from=date(2026, 7, 1),
                   deputy_until=date(2026, 7, 31))
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}
    for record in (people.employee, people.colleague):  # set up as the people form does: this period allocated
        factories.allocate(record, TODAY)
    course = training(title="Boekhouden voor KMO's", provider_name="Syntra West")
    db.session.commit()
    return World(**vars(people), deputy=deputy, vov=types[LeaveKind.TRAINING],
                 guidance=types[LeaveKind.CAREER_GUIDANCE], evc=types[LeaveKind.EVC], course=course)


def request_form(world: World, **overrides) -> dict:
    """The request form for 3 days of the course at 8 h a day (24 VOV hours)."""
    data = {
        "leave_type_id": str(world.vov.id),
        "training_id": str(world.course.id),
        "start_date": COURSE_START.isoformat(),
        "end_date": COURSE_END.isoformat(),
        "hours_per_day": "8",
        "exams": "0",
        "evc_competences": "0",
        "note": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot() -> dict:
    """Everything a request touches, to prove that a refusal saved nothing."""
    return {model.__name__: count(model) for model in (LeaveRequest, LedgerEntry, AuditEvent, Notification)}


def ledger_rows(employee, scheme: str | None = None) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.employee_id == employee.id)
    if scheme:
        query = query.where(LedgerEntry.scheme == scheme)
    return list(db.session.scalars(query.order_by(LedgerEntry.id)))


def token(client) -> str:
    """The session's CSRF token (it opens the home page): post with ``data={..., "csrf_token": token}``."""
    from tests.conftest import csrf_token

    return csrf_token(client)
