"""The registry mirror against a real register process (``tests.support.register_stub``): the app points
at it, an employer with a user of each role, and a helper that writes trainings in ledger-api.md's shape.
Every text is asserted in English (services and the CLI run in the default locale)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.register.client import RegisterClient
from ila_sme.trainings.models import Training
from ila_sme.trainings.sync_models import RegistrySyncRun
from tests import factories
from tests.support.register_process import register  # noqa: F401
from tests.support.world import one_user_per_role


@pytest.fixture
def ledger(app, register):  # noqa: F811 - the fixture imported above
    """The running register, with the app pointed at it."""
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN=register.token)
    return register


@pytest.fixture
def client_of(ledger):
    """A RegisterClient for the running register; closed after the test."""
    clients = []

    def make() -> RegisterClient:
        clients.append(RegisterClient.for_registry())
        return clients[-1]

    yield make
    for made in clients:
        made.close()


def api_training(registry_id: str, updated_at: str = "2026-01-10T08:00:00Z", **fields) -> dict:
    """A training exactly as ``GET /v1/trainings`` sends it (ledger-api.md)."""
    values = {
        "registry_id": registry_id, "title": f"Training {registry_id}", "language": "nl",
        "provider": {"name": "Syntra West", "enterprise_number": "0403170701"},
        "hours": 40, "ects": 3.0, "eqf_level": 5, "delivery": "onsite",
        "cost": "450.00", "currency": "EUR", "eligible_ila": True, "eligible_paid_leave": True,
        "quality_label": "Kwaliteitslabel", "leads_to_microcredential": False,
        "valid_from": "2025-09-01", "valid_until": "2027-08-31", "withdrawn": False, "updated_at": updated_at,
    }
    values.update(fields)
    return values


def trainings() -> dict[str, Training]:
    return {t.registry_id: t for t in db.session.scalars(select(Training).where(Training.registry_id.is_not(None)))}


def runs() -> list[RegistrySyncRun]:
    return list(db.session.scalars(select(RegistrySyncRun).order_by(RegistrySyncRun.id)))


def audit_count(action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def catalogue_state() -> list[tuple]:
    """Every training's mirrored columns, to prove that a refusal changed nothing."""
    return [(t.registry_id, t.employer_id, t.title, t.provider_name, t.language, t.delivery, t.hours, t.study_points,
             t.eqf_level, t.cost_cents, t.eligible_ila, t.eligible_paid_leave, t.leads_to_microcredential,
             t.valid_from, t.valid_until, t.withdrawn)
            for t in db.session.scalars(select(Training).order_by(Training.id))]


@dataclass
class Shop:
    employer: object
    users: dict


@pytest.fixture
def shop(app) -> Shop:
    employer = factories.employer("Bakkerij Register")
    users = one_user_per_role(employer)
    db.session.commit()
    return Shop(employer, users)
