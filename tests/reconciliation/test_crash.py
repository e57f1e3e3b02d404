"""The crash test of the issue: kill the reconcile command in the middle of a run, run it again, compare
with an uninterrupted run on the same data.

Two employers ("twins") hold identical data on both sides: the same staff positions, amounts, periods and
kinds, the same differences made on purpose at the register (an entry booked through its portal, an
amount changed by its staff, a reversal, an entry it lost) and the same contribution it refuses. The
development register runs as a real process, slowed by its latency fault; ``flask --app app reconcile``
runs as a real child process on the test's database (SQLite file or PostgreSQL). The first twin's command
is killed with SIGKILL half-way (while submitting, or while reading the entries page by page), then run
again to the end; the second twin's runs once. Both must end in the same state, every contribution booked
at most once at the register, the killed run marked ``interrupted``; a plain second run changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, Contribution
from ila_sme.funding.submit import TO_SUBMIT
from ila_sme.locks import Lease
from ila_sme.reconciliation.engine import lock_name, reconcile
from ila_sme.reconciliation.models import Difference, ReconciliationItem, ReconciliationRun, RunState
from tests import factories
from tests.funding.submit.conftest import make_contribution, this_period
from tests.reconciliation.support import bookings_per_reference, entries_of, lose_entry, position
from tests.support.register_world import REGISTRY_ID, build_world

pytestmark = pytest.mark.slow  # minute-long: CI runs it, `make test-fast` does not

PROJECT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
PAGE_SIZE = "4"
UNKNOWN_TRAINING = "ODB-404404"  # the register refuses a course fee for it (422 unknown_training)
# (staff position, amount in cents, months ago, registry id of a course fee): the same for both twins
BOOKED_BEFORE = [(n % 4, 1000 + 137 * n, n % 2, None) for n in range(8)]
WAITING = [(n % 4, 2000 + 59 * n, n % 3, REGISTRY_ID if n % 9 == 0 else None) for n in range(36)] + [
    (1, 5000, 0, UNKNOWN_TRAINING)]
KILL_WHEN = {
    "submitting": lambda run: run.phase == "submitting" and run.progress_done >= 12,
    "reading": lambda run: run.phase == "reading" and run.entries_read >= 8,
}


@pytest.fixture
def twins(app, tmp_path):
    world = build_world(app, tmp_path, (0, 0), faults="latency=0.05", staff_per_employer=4)
    yield world
    world.register.stop()


def add_contributions(world, specs) -> None:
    for employer in world.employers:
        requester = factories.user(roles={employer: "manager"})
        for staff, cents, months_ago, registry_id in specs:
            world.contributions.append(make_contribution(
                world.staff[employer.id][staff], requester, amount_cents=cents, period=this_period(months_ago),
                kind="course-fee" if registry_id else "top-up", registry_id=registry_id))
    db.session.commit()


def make_differences(world, employer) -> None:
    """What people do at the register itself, the same for both twins."""
    booked = sorted(world.of(employer), key=lambda c: c.id)
    for contribution in booked:
        db.session.refresh(contribution)
    store = world.store()
    try:
        store.portal_book(employer_id=employer.enterprise_number, amount_cents=4321, period=this_period(),
                          person_id=world.staff[employer.id][3].national_number)
        store.amend_amount(booked[1].entry_id, booked[1].amount_cents + 500)
    finally:
        store.close()
    lose_entry(world, employer, booked[3].entry_id)
    with world.client(employer) as client:
        client.reverse(booked[2].entry_id, "paid twice", f"reversal-{employer.id}")


def command(app, world, employer, tmp_path) -> subprocess.Popen:
    """``flask --app app reconcile --employer KBO`` as a child process on the test's database."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LEDGER_URL": world.register.url,
           "LEDGER_TIMEOUT": "10", "ILA_INSTANCE_PATH": str(tmp_path / "command-instance"), "LEDGER_FAULTS": ""}
    return subprocess.Popen(
        [FLASK, "--app", "app", "reconcile", "--employer", employer.enterprise_number, "--page-size", PAGE_SIZE],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def to_the_end(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    return output


def latest_run(employer) -> ReconciliationRun | None:
    db.session.rollback()  # a fresh look at what the child process committed
    return db.session.scalars(select(ReconciliationRun).where(ReconciliationRun.employer_id == employer.id)
                              .order_by(ReconciliationRun.id.desc()).limit(1)).first()


def kill_half_way(process: subprocess.Popen, employer, ready) -> ReconciliationRun:
    """SIGKILL the command as soon as its run got that far (its state as committed is returned)."""
    give_up = time.monotonic() + 120  # never hang: the run should get there within seconds
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail(f"the command ended before it could be killed: {process.stdout.read()}")
        run = latest_run(employer)
        if run is not None and run.state == RunState.RUNNING and ready(run):
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            process.stdout.close()
            return latest_run(employer)
        time.sleep(0.01)
    process.kill()
    pytest.fail("the run never got half-way")


def state_of(world, employer) -> dict:
    """Everything the two sides hold for this employer, with ids and references made comparable."""
    db.session.rollback()  # what the child processes committed, not an older snapshot
    mine = list(db.session.scalars(select(Contribution).where(Contribution.employer_id == employer.id)
                                   .order_by(Contribution.id)))
    index = {c.id: n for n, c in enumerate(mine)}
    staff = {e.id: n for n, e in enumerate(world.staff[employer.id])}
    originals = {e["reference"]: e["entry_id"] for e in entries_of(world, employer) if e["reverses"] is None}
    per_reference = bookings_per_reference(world, employer)
    assert max(per_reference.values()) == 1  # never booked twice
    run = latest_run(employer)
    return {
        "contributions": [(c.status, c.amount_cents, c.period, c.kind, c.last_error, per_reference[c.reference],
                           c.entry_id is not None and c.entry_id == originals.get(c.reference)) for c in mine],
        "budget": position(employer),
        "budget_moves": Counter((b.kind, b.amount_cents, index.get(b.contribution_id)) for b in db.session.scalars(
            select(BudgetEntry).where(BudgetEntry.employer_id == employer.id))),
        "differences": Counter((d.kind, d.state, d.resolution, d.local_cents, d.register_cents, d.period,
                                d.entry_kind, index.get(d.contribution_id), staff.get(d.employee_id))
                               for d in db.session.scalars(select(Difference).where(
                                   Difference.employer_id == employer.id))),
        "audit": Counter(e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.employer_id == employer.id, AuditEvent.action.like("contribution.%")))),
        "last_run": (run.state, run.entries_read, run.matched, run.amount_mismatch, run.missing_in_register,
                     run.unknown_in_register, run.reversed, run.left, run.error),
        "last_items": Counter((i.outcome, index.get(i.contribution_id), i.local_cents, i.register_cents)
                              for i in db.session.scalars(select(ReconciliationItem).where(
                                  ReconciliationItem.run_id == run.id))),
    }


@pytest.mark.parametrize("moment", sorted(KILL_WHEN))
def test_a_run_killed_half_way_and_run_again_ends_as_an_uninterrupted_one(app, twins, tmp_path, moment):
    killed, steady = twins.employers
    add_contributions(twins, BOOKED_BEFORE)
    for employer in twins.employers:
        assert reconcile(employer).state == RunState.DONE
        make_differences(twins, employer)
    add_contributions(twins, WAITING)

    half_way = kill_half_way(command(app, twins, killed, tmp_path), killed, KILL_WHEN[moment])
    assert half_way.state == RunState.RUNNING and half_way.phase == moment  # it died mid-run
    waiting = [c for c in twins.of(killed) if c.status in TO_SUBMIT]
    if moment == "submitting":
        assert 0 < len(waiting) < len(WAITING)
    else:
        assert waiting == [] and 0 < half_way.entries_read < 45

    assert "done: " in to_the_end(command(app, twins, killed, tmp_path))
    assert "done: " in to_the_end(command(app, twins, steady, tmp_path))
    db.session.rollback()
    assert (half_way.state, half_way.error) == (
        RunState.INTERRUPTED, "Its process stopped before the end; a later run does the work again.")
    assert db.session.get(Lease, lock_name(killed)).holder is None

    after_crash, uninterrupted = state_of(twins, killed), state_of(twins, steady)
    assert after_crash == uninterrupted
    # Every kind was there to find: 41 matched, the changed amount, the reversal, the portal entry, the
    # entry the register lost and the contribution it refused; 45 entries (one of them a reversal).
    assert uninterrupted["last_run"] == (RunState.DONE, 45, 41, 1, 2, 1, 1, 0, None)
    assert Counter(status for status, *_ in uninterrupted["contributions"]) == {
        "booked": 43, "reversed": 1, "failed": 1}
    assert uninterrupted["audit"] == {"contribution.booked": 44, "contribution.reversed": 1,
                                      "contribution.failed": 1}

    for employer, before in ((killed, after_crash), (steady, uninterrupted)):  # a plain second run: nothing new
        run = reconcile(employer, page_size=int(PAGE_SIZE))
        assert (run.state, run.booked, run.failed) == (RunState.DONE, 0, 0)
        assert state_of(twins, employer) == before
