"""Fixtures for the credential screens: a small employer with a manager, an admin, two employees who can sign
in (Wim, Cora), a team each, and Open Badges 3.0 files signed with the tests' own key for Wim.

Every request asks for English, and so do services run outside a request: the assertions read English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import issuing
from ila_sme.credentials.elements import Learner
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests import factories
from tests.support.credentials import dumps, sample_elements, signed_ob3

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@dataclass
class World:
    employer: object
    manager: object
    admin: object
    worker: object  # Wim's user
    employee: object  # Wim's EmployeeRecord, team Bakery
    cora_user: object
    cora: object  # Cora's EmployeeRecord, team Shop
    key: object  # the issuer's Ed25519 key

    def ob3(self, employee=None, **changes) -> bytes:
        """An OB 3.0 credential for ``employee`` (default Wim), signed with the world's key."""
        employee = employee or self.employee
        elements = sample_elements()
        elements.learner = Learner(name=employee.full_name, emails=(employee.email,))
        for name, value in changes.items():
            setattr(elements, name, value)
        return dumps(signed_ob3(self.key, elements=elements))

    def held(self, employee=None, **fields) -> Credential:
        """A stored credential row of ``employee`` (default Wim); shared unless told otherwise."""
        return factories.credential(employee or self.employee, **fields)


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Drukkerij Test")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    worker = factories.user("worker@example.be", roles={employer: "employee"}, name="Wim Worker")
    employee = factories.employee(employer, first_name="Wim", last_name="Worker", user_id=worker.id,
                                  email=worker.email, approver_id=manager.id, team="Bakery")
    cora_user = factories.user("cora@example.be", roles={employer: "employee"}, name="Cora Colleague")
    cora = factories.employee(employer, first_name="Cora", last_name="Colleague", user_id=cora_user.id,
                              email=cora_user.email, approver_id=manager.id, team="Shop")
    db.session.commit()
    return World(employer=employer, manager=manager, admin=admin, worker=worker, employee=employee,
                 cora_user=cora_user, cora=cora, key=issuing.new_ed25519_key())


def count(model=Credential, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot() -> dict:
    return {"credentials": count(Credential), "audit": count(AuditEvent)}


def text(html: str) -> str:
    """The page's text without tags, spaces collapsed, entities undone: to assert sentences."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " "))).strip()
    return (plain.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
            .replace("&lt;", "<").replace("&gt;", ">"))


def htmx(**extra) -> dict:
    return {"HX-Request": "true", **extra}


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)
