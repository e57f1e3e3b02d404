"""Helpers of the reconciliation tests: what the register's own store holds and what its staff do there
(move or lose an entry), a client that records what it asked, the app's differences and audit trail,
and the budget invariant every action keeps."""

from __future__ import annotations

import socket
from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Difference, RunState
from ila_sme.register.client import RegisterClient, RegisterError
from tests import factories
from tests.funding.submit.conftest import YEAR, make_contribution

ELSEWHERE = "0000000097"  # an enterprise number no test uses: an entry moved there is not listed for ours
NOT_BOOKED = (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.FAILED)


def first_run(world, employer) -> list[Contribution]:
    """A first run books every contribution of the employer; they are returned oldest first."""
    assert reconcile(employer).state == RunState.DONE
    mine = sorted(world.of(employer), key=lambda c: c.id)
    for contribution in mine:
        db.session.refresh(contribution)
    return mine


def only(kind) -> Difference:
    found, = differences(kind)
    return found


def differences(kind=None, employer=None) -> list[Difference]:
    query = select(Difference).order_by(Difference.id)
    if kind:
        query = query.where(Difference.kind == kind)
    if employer is not None:
        query = query.where(Difference.employer_id == employer.id)
    db.session.expire_all()
    return list(db.session.scalars(query))


def register_rows(world, sql: str, params=()) -> list[dict]:
    store = world.store()
    try:
        return [dict(row) for row in store.read(sql, params)]
    finally:
        store.close()


def register_write(world, sql: str, params=()) -> int:
    store = world.store()
    try:
        with store.transaction() as connection:
            return connection.execute(sql, params).rowcount
    finally:
        store.close()


def entries_of(world, employer) -> list[dict]:
    """The register's entries of this employer, reversals included, in booking order (its own store)."""
    return register_rows(world, "SELECT * FROM entries WHERE employer_id = ? ORDER BY seq",
                         (employer.enterprise_number,))


def bookings_per_reference(world, employer) -> Counter:
    return Counter(e["reference"] for e in entries_of(world, employer) if e["reverses"] is None)


def move_entry(world, entry_id: str, employer_id: str = ELSEWHERE) -> None:
    """The register lists the entry for another employer (a mistake of its staff): not in our listing."""
    assert register_write(world, "UPDATE entries SET employer_id = ? WHERE entry_id = ?", (employer_id, entry_id)) == 1


def lose_entry(world, employer, entry_id: str) -> None:
    """The register lost the entry and the idempotency record of its booking."""
    assert register_write(world, "DELETE FROM idempotency WHERE employer_id = ? AND "
                                 "json_extract(body, '$.entry_id') = ?", (employer.enterprise_number, entry_id)) == 1
    assert register_write(world, "DELETE FROM entries WHERE entry_id = ?", (entry_id,)) == 1


def idempotency_keys(world, employer, reference: str) -> list[str]:
    return [row["key"] for row in register_rows(
        world, "SELECT key FROM idempotency WHERE employer_id = ? AND json_extract(body, '$.reference') = ? "
               "AND json_extract(body, '$.reverses') IS NULL", (employer.enterprise_number, reference))]


def position(employer) -> tuple[Decimal, Decimal]:
    found = services.budget_position(employer, YEAR)
    return found.reserved, found.booked


def assert_budget_follows_contributions(employer) -> None:
    """Reserved is what waits to be booked; booked is what the booked contributions count for."""
    db.session.expire_all()
    mine = list(db.session.scalars(select(Contribution).where(Contribution.employer_id == employer.id)))
    waiting = sum((c.amount for c in mine if c.status in NOT_BOOKED), Decimal("0.00"))
    booked = sum((c.amount for c in mine if c.status == ContributionStatus.BOOKED), Decimal("0.00"))
    assert position(employer) == (waiting, booked)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recording(RegisterClient):
    """A real client that keeps, for every request, its method, path, Idempotency-Key and the status of
    the answer it got (200: a replay of the same key, 201: booked now)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, str, str | None, int | None]] = []

    def _request(self, method, path, *, params=None, body=None, headers=None):
        key = (headers or {}).get("Idempotency-Key")
        try:
            status, answer = super()._request(method, path, params=params, body=body, headers=headers)
        except RegisterError as error:
            self.calls.append((method, path, key, error.status))
            raise
        self.calls.append((method, path, key, status))
        return status, answer

    @classmethod
    def of(cls, world, employer, *, budget: float | None = 30.0) -> Recording:
        return cls(world.register.url, employer.register_token, timeout=world.timeout, budget_seconds=budget)


def audit_trail(employer) -> list[tuple[str, int | None]]:
    """The reconciliation's audit events of the employer: (action, actor id), oldest first."""
    return [(event.action, event.actor_id) for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.employer_id == employer.id, AuditEvent.action.like("reconciliation.%"))
        .order_by(AuditEvent.id))]


def pending(world, employer, *, staff: int = 0, amount_cents: int = 15000, period: str | None = None,
            registry_id: str | None = None) -> Contribution:
    """One more approved co-funding with its pending contribution (a course fee when ``registry_id``)."""
    requester = factories.user(roles={employer: "manager"})
    contribution = make_contribution(world.staff[employer.id][staff], requester, amount_cents=amount_cents,
                                     period=period, kind="course-fee" if registry_id else "top-up",
                                     registry_id=registry_id)
    db.session.commit()
    world.contributions.append(contribution)
    return contribution
