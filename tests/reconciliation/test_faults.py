"""The issue's end-to-end test: against the development register started as a real process on loopback
with 20 % injected faults of every kind (429 and 503 with Retry-After, bookings committed but answered
with a dropped connection, answers slower than the client's timeout, plus latency), 1,000 contributions
across 10 employers end up booked exactly once each, no contribution is lost, and the accountant sees no
false differences. The faults hit the reads of the entries pages too: a read cut short ends its run
``incomplete`` and must find nothing missing and settle nothing.

Every employer is reconciled run after run, each run with a short time budget, until a run is done. The
ten employers take turns in ten threads: one holds the database at a time (so SQLite sees one writer, as
with one scheduler process) and lets go of it only while its client waits on the register. A run that
kept a transaction open across a request to the register would then fail on SQLite's stale snapshot."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import DIFFERENCE_KINDS, Difference, ReconciliationRun, RunState
from ila_sme.register.client import RegisterClient
from tests.reconciliation.support import position, register_rows
from tests.support.register_world import build_world

pytestmark = pytest.mark.slow  # minute-long: CI runs it, `make test-fast` does not

FAULTS = ("latency=0.002,rate_limit=0.05,unavailable=0.05,drop_after_commit=0.05,slow=0.05,slow_seconds=0.6,"
          "retry_after=1,seed=20")  # 10 % refused before, 10 % of the rest answered too late or not at all
TIMEOUT = 0.25  # the client gives up on a slow answer (0.6 s) well before it comes
EMPLOYERS, PER_EMPLOYER = 10, 100
BUDGET_SECONDS = 5.0  # per run: far less than an employer's hundred bookings take under these faults
PAGE_SIZE = 25  # four pages per employer: the faults hit the reads as well
MAX_RUNS = 60

TURN = threading.RLock()  # the database, one thread at a time


class TakingTurns(RegisterClient):
    """The engine's client, which lets the other employers use the database while it waits on the register."""

    def _request(self, *args, **kwargs):
        TURN.release()  # an RLock: raises if this thread did not hold it
        try:
            return super()._request(*args, **kwargs)
        finally:
            TURN.acquire()


@pytest.fixture
def faulty_world(app, tmp_path):
    world = build_world(app, tmp_path, (PER_EMPLOYER,) * EMPLOYERS, faults=FAULTS, timeout=TIMEOUT)
    yield world
    world.register.stop()


def reconcile_until_done(app, world, employer_id: int, runs: list, errors: list) -> None:
    try:
        with app.app_context(), TURN:
            employer = db.session.get(Employer, employer_id)
            client = TakingTurns(world.register.url, employer.register_token, timeout=TIMEOUT)
            for _ in range(MAX_RUNS):
                run = reconcile(employer, client=client, budget_seconds=BUDGET_SECONDS, page_size=PAGE_SIZE)
                runs.append({"employer": employer_id, "state": run.state, "error": run.error,
                             "entries_read": run.entries_read, "matched": run.matched,
                             "differences": [run.count(kind) for kind in DIFFERENCE_KINDS]})
                if run.state == RunState.DONE:
                    break
            client.close()
            db.session.remove()
    except Exception as error:  # noqa: BLE001 - reported to the test's thread
        errors.append(error)


def test_a_thousand_contributions_are_booked_exactly_once_with_no_false_difference(app, faulty_world):
    world = faulty_world
    ids = [employer.id for employer in world.employers]
    runs, errors = [], []
    threads = [threading.Thread(target=reconcile_until_done, args=(app, world, employer_id, runs, errors))
               for employer_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    # Run after run: none failed, none found a difference (there is none), whether complete or cut short.
    assert {run["state"] for run in runs} <= {RunState.DONE, RunState.INCOMPLETE}
    assert [run for run in runs if any(run["differences"])] == []
    assert any(run["state"] == RunState.INCOMPLETE for run in runs)  # budgets ran out: the next run went on
    last = {run["employer"]: run for run in runs}
    assert sorted(last) == sorted(ids)
    for run in last.values():
        assert (run["state"], run["entries_read"], run["matched"], run["differences"]) == (
            RunState.DONE, PER_EMPLOYER, PER_EMPLOYER, [0] * len(DIFFERENCE_KINDS)), run

    db.session.rollback()
    db.session.expire_all()
    rows = register_rows(world, "SELECT employer_id, reference, entry_id, amount_cents FROM entries "
                                "WHERE reverses IS NULL")
    assert len(rows) == EMPLOYERS * PER_EMPLOYER
    assert Counter((row["employer_id"], row["reference"]) for row in rows).most_common(1)[0][1] == 1
    at_register = {(row["employer_id"], row["reference"]): row for row in rows}
    for employer in world.employers:
        mine = list(db.session.scalars(select(Contribution).where(Contribution.employer_id == employer.id)))
        assert len(mine) == PER_EMPLOYER
        for contribution in mine:  # none lost: booked here, with the register's entry and amount
            entry = at_register[(employer.enterprise_number, contribution.reference)]
            assert (contribution.status, contribution.entry_id, contribution.amount_cents) == (
                "booked", entry["entry_id"], entry["amount_cents"])
        assert position(employer) == (Decimal("0.00"), sum((c.amount for c in mine), Decimal("0.00")))
    assert db.session.scalar(select(func.count()).select_from(BudgetEntry).where(
        BudgetEntry.kind == BudgetMove.CONSUMPTION)) == EMPLOYERS * PER_EMPLOYER
    assert db.session.scalar(select(func.count()).select_from(Difference)) == 0  # none, open or settled
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun).where(
        ReconciliationRun.state == RunState.RUNNING)) == 0
