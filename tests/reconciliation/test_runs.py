"""How a run ends when it cannot do everything: a read of the register cut short half-way, a time budget
spent before the reads, a lease taken over by another process. Each ends ``incomplete``: what was read
stays, nothing is looked for as missing and nothing is settled; the next run does the rest, books nothing
twice, and settles what is in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.funding.submit import TO_SUBMIT
from ila_sme.locks import Lease
from ila_sme.reconciliation.engine import lock_name, reconcile
from ila_sme.reconciliation.models import Outcome, Resolution, RunState
from ila_sme.register.client import RegisterClient
from tests.devregister.conftest import start_register
from tests.reconciliation.support import bookings_per_reference, differences, first_run
from tests.support.register_world import build_world


class AfterFirstPage(RegisterClient):
    """A client that does ``then()`` once the engine has taken the register's first page of entries."""

    def __init__(self, *args, then, **kwargs):
        super().__init__(*args, **kwargs)
        self.then = then

    def entry_pages(self, *args, **kwargs):
        for number, page in enumerate(super().entry_pages(*args, **kwargs)):
            yield page
            if number == 0:
                self.then()


def test_a_read_cut_short_finds_nothing_missing_and_settles_nothing(world, app, tmp_path):
    employer = world.employers[0]
    mine = first_run(world, employer)
    store = world.store()
    try:
        store.amend_amount(mine[-1].entry_id, mine[-1].amount_cents + 300)  # on the last page
        assert reconcile(employer).amount_mismatch == 1
        store.amend_amount(mine[-1].entry_id, mine[-1].amount_cents)  # in order again: a complete run settles it
    finally:
        store.close()
    mismatch, = differences()

    # The register goes away after the first page of two entries: the rest cannot be read.
    client = AfterFirstPage(world.register.url, employer.register_token, timeout=2, then=world.register.stop)
    with client:
        run = reconcile(employer, client=client, page_size=2, budget_seconds=2)
    assert run.state == RunState.INCOMPLETE
    assert run.error.startswith("The register could not be read: the register cannot be reached")
    assert (run.entries_read, run.matched, run.missing_in_register, run.differences) == (2, 2, 0, 0)
    assert differences() == [mismatch] and mismatch.is_open  # neither settled nor joined by a false one
    assert {c.status for c in db.session.scalars(select(Contribution))} == {"booked"}

    again = start_register(world.register.db, "--no-seed")
    try:
        app.config["LEDGER_URL"] = again.url
        run = reconcile(employer, page_size=2)
    finally:
        again.stop()
    assert (run.state, run.entries_read, run.matched, run.differences) == (RunState.DONE, 6, 6, 0)
    assert differences()[0].resolution == Resolution.SETTLED


def test_a_run_whose_lease_was_taken_over_stops_at_once(world):
    employer = world.employers[0]
    mine = first_run(world, employer)
    store = world.store()
    store.amend_amount(mine[0].entry_id, mine[0].amount_cents + 1)  # on the first page
    store.close()

    def taken_over():  # the lease expired and another host's process took it
        db.session.execute(update(Lease).where(Lease.name == lock_name(employer)).values(
            holder="elsewhere:4242", expires_at=utcnow() + timedelta(minutes=10)))
        db.session.commit()

    with AfterFirstPage(world.register.url, employer.register_token, then=taken_over) as client:
        run = reconcile(employer, client=client, page_size=2)
    assert run.state == RunState.INCOMPLETE and "Another process took this employer over" in run.error
    # The first page stays whole (its difference kept); the second was rolled back: the rest is the other's.
    assert (run.entries_read, run.amount_mismatch) == (2, 1)
    assert [(d.kind, d.contribution_id) for d in differences()] == [(Outcome.AMOUNT_MISMATCH, mine[0].id)]
    assert db.session.get(Lease, lock_name(employer)).holder == "elsewhere:4242"  # not released by the loser


@pytest.fixture
def slow_world(app, tmp_path):
    world = build_world(app, tmp_path, (6,), faults="latency=0.3", timeout=5)
    yield world
    world.register.stop()


def test_a_budget_spent_on_submitting_reads_nothing_and_the_next_run_books_each_once(slow_world):
    employer = slow_world.employers[0]
    run = reconcile(employer, budget_seconds=0.5)  # the register takes 0.3 s a request
    assert run.state == RunState.INCOMPLETE
    assert run.error.startswith("The time budget ran out before the register's entries could be read: ")
    waiting = [c for c in slow_world.of(employer) if c.status in TO_SUBMIT]
    assert waiting and run.left == len(waiting)
    assert (run.entries_read, run.missing_in_register, run.differences) == (0, 0, 0)

    run = reconcile(employer)
    assert (run.state, run.matched, run.differences, run.left) == (RunState.DONE, 6, 0, 0)
    assert set(bookings_per_reference(slow_world, employer).values()) == {1}  # a lost answer, booked once
    assert differences() == []
