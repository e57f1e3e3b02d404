"""The ``reconcile-queued`` job carries out the reconciliations asked for on the web page, against the
development register (a real process): oldest first, an employer someone else reconciles stays
queued, and a poll that finds nothing to do leaves no record."""

from __future__ import annotations

import pytest

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.reconciliation.engine import lock_name, queue_run
from ila_sme.reconciliation.models import ReconciliationRun, RunState
from ila_sme.scheduler import recorder
from ila_sme.scheduler.models import JobState
from tests import factories
from tests.scheduler.conftest import count, job_runs
from tests.support.register_world import build_world

ELSEWHERE = "another-host:4242"  # a process of another host: alive as far as this host can tell


@pytest.fixture
def world(app, tmp_path):
    app.config["TODAY"] = None  # the world's contributions are in this month and the two before
    world = build_world(app, tmp_path, (4, 2))
    yield world
    world.register.stop()


def poll(slot: str):
    return recorder.run_job("reconcile-queued", slot=slot, trigger="scheduler")


def test_a_queued_run_is_carried_out_by_the_next_poll(app, world):
    first, second = world.employers
    accountant = factories.user(roles={first: "accountant", second: "accountant"})
    older = queue_run(second, requested_by=accountant)
    newer = queue_run(first, requested_by=accountant)
    db.session.commit()

    record = poll("2026-03-02T10:00:05+00:00")
    assert record.state == JobState.DONE
    assert record.counts == {"done": 2, "incomplete": 0, "failed": 0, "busy": 0}
    db.session.expire_all()
    assert older.state == newer.state == RunState.DONE
    assert older.started_at < newer.started_at  # oldest first
    assert (older.trigger, older.booked, older.matched) == ("web", 2, 2)
    assert (newer.booked, newer.matched, newer.differences) == (4, 4, 0)
    assert count(Contribution, Contribution.status != ContributionStatus.BOOKED) == 0
    assert len(world.entries(first)) == 4

    assert poll("2026-03-02T10:00:10+00:00") is None  # nothing queued: no record
    assert [run.slot for run in job_runs("reconcile-queued")] == ["2026-03-02T10:00:05+00:00"]


def test_an_employer_someone_else_reconciles_stays_queued(app, world):
    first, second = world.employers
    accountant = factories.user(roles={first: "accountant", second: "accountant"})
    busy = queue_run(first, requested_by=accountant)
    db.session.commit()
    assert locks.acquire(lock_name(first), holder=ELSEWHERE)

    assert poll("2026-03-02T10:00:05+00:00") is None  # only a busy employer's run: no work, no record
    db.session.expire_all()
    assert busy.state == RunState.QUEUED

    free = queue_run(second, requested_by=accountant)
    db.session.commit()
    record = poll("2026-03-02T10:00:10+00:00")
    assert record.counts == {"done": 1, "incomplete": 0, "failed": 0, "busy": 1}
    db.session.expire_all()
    assert (busy.state, free.state) == (RunState.QUEUED, RunState.DONE)

    locks.release(lock_name(first), holder=ELSEWHERE)
    record = poll("2026-03-02T10:00:15+00:00")
    assert record.counts == {"done": 1, "incomplete": 0, "failed": 0, "busy": 0}
    db.session.expire_all()
    assert busy.state == RunState.DONE and busy.booked == 4
    assert count(ReconciliationRun, ReconciliationRun.state == RunState.QUEUED) == 0


def test_the_nightly_reconcile_submits_and_reconciles_every_employer(app, world):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "nightly-reconcile"])
    assert result.exit_code == 0, result.output
    run, = job_runs("nightly-reconcile")
    assert run.state == JobState.DONE and run.trigger == "cli"
    assert run.counts == {"employers": 2, "incomplete": 0, "busy": 0, "failed": 0, "matched": 6, "differences": 0,
                          "booked": 6, "left": 0}
    runs = list(db.session.scalars(db.select(ReconciliationRun).order_by(ReconciliationRun.id)))
    assert [(r.trigger, r.state) for r in runs] == [("scheduler", RunState.DONE)] * 2
    again = app.test_cli_runner().invoke(args=["reconcile"])  # its own command: nothing more to book
    assert again.exit_code == 0 and "0 booked now" in again.output


def test_the_nightly_reconcile_of_a_shard_reconciles_the_employers_of_that_shard_only(app, world):
    app.config["RECONCILE_SHARD"] = "2/2"  # the employers whose id is odd; the even ones are another process's
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "nightly-reconcile"])
    assert result.exit_code == 0, result.output
    mine = [e for e in world.employers if e.id % 2 == 1]
    assert len(mine) == 1  # consecutive ids: one employer in each shard
    run, = job_runs("nightly-reconcile")
    assert run.counts["employers"] == 1 and run.counts["booked"] == len(world.of(mine[0]))
    runs = list(db.session.scalars(db.select(ReconciliationRun)))
    assert [r.employer_id for r in runs] == [mine[0].id]


def test_the_nightly_reconcile_is_failed_when_the_register_cannot_be_reached(app, world):
    world.register.stop()
    app.config["RECONCILE_BUDGET_SECONDS"] = 1  # the client retries a refused connection within the budget
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "nightly-reconcile"])
    assert result.exit_code == 1
    run, = job_runs("nightly-reconcile")
    assert run.state == JobState.FAILED
    assert run.error == "0 employer(s) failed and 2 stayed incomplete: see their reconciliation runs."
    assert run.counts["incomplete"] == 2 and run.counts["booked"] == 0


def test_the_accounts_refresh_asks_the_register_for_everyone_under_contract(app, world):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "accounts-refresh"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "accounts-refresh: done (employers 2, refreshed 10, failed 0)."
