"""Fixtures for the reconciliation screens.

* ``office``: an employer with a user of every role and no register (pages, permissions, fragments);
* ``desk``: the same roles on an employer of a REAL development register process
  (``tests/support/register_world.py``) with contributions reconciled once, so that every later
  difference is made on purpose at the register (portal booking, amended amount, reversal, refusal).

Every request asks for English, and so do the services run outside a request."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, Contribution, FundingRequest
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Difference, ReconciliationRun
from tests import factories
from tests.funding.submit.conftest import YEAR
from tests.support.register_world import build_world


@dataclass
class Office:
    employer: object
    users: dict  # role -> User

    @property
    def accountant(self):
        return self.users["accountant"]


def _users(employer) -> dict:
    names = {"employee": "Emil Employee", "manager": "Mona Manager", "accountant": "Alex Accountant",
             "admin": "Ada Admin"}
    return {role: factories.user(f"{role}-{employer.id}@example.be", name=name, roles={employer: role})
            for role, name in names.items()}


@pytest.fixture
def office(app) -> Office:
    employer = factories.employer("Drukkerij Reconcile")
    users = _users(employer)
    db.session.commit()
    return Office(employer, users)


@dataclass
class Desk(Office):
    world: object = None

    def store(self):
        return self.world.store()

    def reconcile(self, **kwargs):
        run = reconcile(self.employer, **kwargs)
        db.session.expire_all()
        return run

    def contributions(self) -> list:
        return sorted(self.world.of(self.employer), key=lambda c: c.id)

    def staff(self) -> list:
        return self.world.staff[self.employer.id]

    def position(self):
        return funding.budget_position(self.employer, YEAR)


@pytest.fixture
def desk(app, tmp_path):
    """Three contributions booked and matched at a real register; the register runs for the test."""
    world = build_world(app, tmp_path, (3,))
    employer = world.employers[0]
    desk = Desk(employer, _users(employer), world)
    db.session.commit()
    first = desk.reconcile()
    assert (first.booked, first.matched, first.differences) == (3, 3, 0)
    yield desk
    world.register.stop()


# Helpers -------------------------------------------------------------------------------------


def htmx(**extra) -> dict:
    return {"HX-Request": "true", **extra}


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot() -> dict:
    """Everything an action touches, to prove that a refusal changed nothing."""
    db.session.expire_all()
    counts = {model.__name__: count(model) for model in
              (FundingRequest, BudgetEntry, Contribution, AuditEvent, ReconciliationRun)}
    counts["open"] = count(Difference, Difference.state == "open")
    counts["statuses"] = sorted(db.session.execute(select(Contribution.id, Contribution.status,
                                                          Contribution.amount_cents)).all())
    return counts


def token(client) -> str:
    """The session's CSRF token. Take it before a snapshot: fetching it opens a page."""
    from tests.conftest import csrf_token

    return csrf_token(client)


def text(html: str) -> str:
    """The page's text without tags, spaces collapsed, entities of quotes undone: to assert sentences."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " "))).strip()
    return plain.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def row(html: str, difference_id: int) -> str:
    match = re.search(rf'<tr id="difference-{difference_id}".*?</tr>', html, re.S)
    assert match, f"no row for difference {difference_id}"
    return match.group(0)


def audit_actions(*conditions) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(*conditions).order_by(AuditEvent.id)))
