"""THE LOAD TEST: the default install holds when people use it at the same time (issue 11).

A real stack on loopback, on the test's database (a SQLite FILE by default; PostgreSQL when
TEST_DATABASE_URL says so): the app under gunicorn (2 workers x 8 threads), the real scheduler process
beating its lease every half second and carrying out a queued reconciliation of 300 contributions
against the development register (a real process too). Sixteen browsers sign in at the same moment, then
view their inboxes and decide: every leave approval and co-funding approval is posted by two sessions of
the same person at once, every credential upload twice (a double click). A few seconds of load.

Then: no response >= 500 (and none missing), every decision applied exactly once (statuses, ledger and
budget rows, audit events, one credential per upload), the scheduler kept its lease throughout, the
reconciliation finished and booked each contribution once at the register.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials.models import Credential
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution, FundingRequest, FundingStatus
from ila_sme.leave.models import EntryKind, LeaveRequest, LedgerEntry, RequestStatus
from ila_sme.locks import Lease
from ila_sme.reconciliation.models import ReconciliationRun, RunState
from tests.load.harness import Stack, build, run_mix, summary

TROUBLE = ("database is locked", "Traceback", "could not be renewed", "lease was lost")


@pytest.fixture
def stack(app, tmp_path):
    """The world in the database, then the register, the scheduler and the server; all stopped after."""
    mix, world = build(app, tmp_path)
    db.session.close()  # this process holds nothing while the others work
    running = Stack(app.config["SQLALCHEMY_DATABASE_URI"], world.register.url, tmp_path / "instance")
    try:
        yield running.start(), mix, world
    finally:
        running.stop()
        world.register.stop()


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def audit_events(action: str) -> Counter:
    return Counter(db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == action)))


def test_sixteen_people_at_once_with_the_scheduler_and_a_reconciliation(stack):
    running, mix, world = stack
    started = time.monotonic()
    load_began = utcnow()
    hits = run_mix(running.url, mix)
    seconds = time.monotonic() - started
    figures = summary(hits, seconds)
    print(f"\n{running.database_url.split(':')[0]}: {figures}")  # shown with -s

    failed = [hit for hit in hits if hit.status >= 500 or not hit.status]
    assert failed == [], (failed, running.tracebacks())
    assert Counter(hit.status for hit in hits if hit.label == "sign-in") == {302: 16}
    assert figures["requests"] >= 16 * 5

    # The reconciliation the scheduler carries out goes on to its end (polled; nothing asserts a duration).
    deadline = time.monotonic() + 120
    while True:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, mix.run_id)
        if run.state not in (RunState.QUEUED, RunState.RUNNING) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run.state == RunState.DONE, (run.state, run.error, running.tracebacks())
    # It booked the 300 it was queued for, and those the approvals above made while it ran: each once.
    assert len(mix.references) <= run.booked <= len(mix.references) + len(mix.fundings)
    booked = Counter(e["reference"] for e in _register_entries(world) if e["reverses"] is None)
    assert all(booked[reference] == 1 for reference in mix.references) and max(booked.values()) == 1

    # The scheduler beat its lease all along, and still holds it.
    lease = db.session.get(Lease, "scheduler")
    assert lease.holder is not None and lease.acquired_at >= load_began
    assert not any(word in running.scheduler.output for word in TROUBLE), running.scheduler.output[-3000:]
    assert "database is locked" not in running.server.output

    # Every leave approval applied once: approved, one consumption, one audit event.
    request_ids = [rid for ids in mix.approvals.values() for rid in ids]
    statuses = set(db.session.scalars(select(LeaveRequest.status).where(LeaveRequest.id.in_(request_ids))))
    assert statuses == {RequestStatus.APPROVED}
    consumed = Counter(db.session.scalars(select(LedgerEntry.request_id).where(
        LedgerEntry.request_id.in_(request_ids), LedgerEntry.kind == EntryKind.CONSUMPTION)))
    assert consumed == Counter(request_ids)
    approved = audit_events("leave.approved")
    assert {int(key): approved[key] for key in approved if int(key) in request_ids} == dict.fromkeys(request_ids, 1)

    # Every co-funding approval applied once: one reservation, one contribution, one audit event.
    assert set(db.session.scalars(select(FundingRequest.status).where(FundingRequest.id.in_(mix.fundings)))) == {
        FundingStatus.APPROVED}
    reserved = Counter(db.session.scalars(select(BudgetEntry.funding_request_id).where(
        BudgetEntry.funding_request_id.in_(mix.fundings), BudgetEntry.kind == BudgetMove.RESERVATION)))
    assert reserved == Counter(mix.fundings)
    contributions = Counter(db.session.scalars(select(Contribution.funding_request_id).where(
        Contribution.funding_request_id.in_(mix.fundings))))
    assert contributions == Counter(mix.fundings)
    granted = audit_events("funding.approved")
    assert {int(key): granted[key] for key in granted if int(key) in mix.fundings} == dict.fromkeys(mix.fundings, 1)

    # Every upload kept once (the double click's second copy refused with its message, not a 5xx).
    for _email, employee_id, _document in mix.uploads:
        assert count(Credential, Credential.employee_id == employee_id) == 1
    uploads = Counter(hit.status for hit in hits if hit.label == "upload credential")
    assert uploads == {302: len(mix.uploads), 422: len(mix.uploads)}


def _register_entries(world) -> list[dict]:
    store = world.store()
    try:
        return [dict(row) for row in store.read("SELECT reference, reverses FROM entries", ())]
    finally:
        store.close()
