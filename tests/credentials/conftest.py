"""Fixtures for the credential services: a small employer with Emma Peeters (the learner of
``tests.support.credentials.sample_elements``, who signs in; approver: a manager), a colleague, a second
manager, an admin, the registry training the sample credential names (ODB-123456), and issuer keys made
here for the tests.

Services run in English, so the assertions read English messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import issuing
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from ila_sme.notifications.models import Notification
from tests import factories
from tests.support.credentials import NATIONAL_ID, sample_elements

TODAY = date(2026, 4, 1)
TRAINING_ID = "ODB-123456"  # what sample_elements names


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@pytest.fixture(scope="session")
def issuer_key():
    return issuing.new_ed25519_key()


@pytest.fixture(scope="session")
def other_key():
    return issuing.new_ed25519_key()


@dataclass
class World:
    employer: object
    manager: object  # Emma's approver
    other_manager: object
    admin: object
    worker: object  # Emma's user
    employee: object  # Emma's EmployeeRecord
    colleague_user: object
    colleague: object
    course: object  # the registry training ODB-123456


@pytest.fixture
def world(app) -> World:
    employer = factories.employer("Boekhouding Test", default_language="en")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager", language="en")
    other_manager = factories.user("other@example.be", roles={employer: "manager"}, name="Olga Other", language="en")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin",
                           language="en")
    worker = factories.user("emma.peeters@example.be", roles={employer: "employee"}, name="Emma Peeters",
                            language="en")
    employee = factories.employee(employer, first_name="Emma", last_name="Peeters", user_id=worker.id,
                                  email="emma.work@example.be", national_number=NATIONAL_ID,
                                  approver_id=manager.id, team="Accounting")
    colleague_user = factories.user("cora@example.be", roles={employer: "employee"}, name="Cora Colleague",
                                    language="en")
    colleague = factories.employee(employer, first_name="Cora", last_name="Colleague", user_id=colleague_user.id,
                                   email="cora@example.be", approver_id=other_manager.id, team="Sales")
    course = factories.training(registry_id=TRAINING_ID, title="Digitaal boekhouden met e-facturen",
                                hours=Decimal("75.5"))
    db.session.commit()
    return World(employer=employer, manager=manager, other_manager=other_manager, admin=admin, worker=worker,
                 employee=employee, colleague_user=colleague_user, colleague=colleague, course=course)


def elements(**changes):
    """The sample elements (Emma Peeters, ODB-123456), with some changed."""
    made = sample_elements()
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def ob3_json(key, **changes) -> bytes:
    """An OB 3.0 credential signed (eddsa-rdfc-2022) by ``key``, the issuer being its did:key."""
    did = issuing.did_key(key)
    made = elements(issuer_id=did, awarding_body_id=did, **changes)
    signed = issuing.sign_data_integrity(issuing.build_ob3(made), key, issuing.verification_method(did))
    return json.dumps(signed).encode("utf-8")


def count(model=Credential, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot() -> dict:
    """What an import touches: to prove that a refusal saved nothing."""
    return {model.__name__: count(model) for model in (Credential, AuditEvent, Notification)}
