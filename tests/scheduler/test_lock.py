"""THE LOCK TEST: two real ``flask --app app scheduler run`` processes started at once against the same
database, with a job due at the same moment in both, run it once.

The job is ``reminders`` (one leave request waits for its approver), fired once by both processes at a
slot the test gives them (the hidden ``--fire-now``/``--fire-at``), through the real scheduler, the real
lease and the real slot guard. One process takes the lease and runs the job; the other says it stands
by. When the first is stopped (SIGTERM, or killed), the second takes over and fires the same slot
again: the slot guard stops it. Waits poll with a generous timeout; nothing asserts on a duration.
"""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.locks import Lease
from ila_sme.mail import outbox_messages
from ila_sme.notifications.models import Notification
from ila_sme.scheduler import recorder
from ila_sme.scheduler.models import JobRun, JobState
from tests import factories
from tests.devregister.conftest import FLASK, PROJECT
from tests.scheduler.conftest import count, dead_holder
from tests.support.processes import Process

pytestmark = pytest.mark.slow  # minute-long: CI runs it, `make test-fast` does not

TIMEOUT = 90.0
HOLDS = re.compile(r"^Scheduler (\S+) holds the lease: running the jobs", re.MULTILINE)


class Scheduler(Process):
    """A ``flask --app app scheduler run`` process of this project."""

    def __init__(self, args: list[str], env: dict):
        super().__init__([FLASK, "--app", "app", "scheduler", "run", *args], env, cwd=PROJECT)

    def holds(self) -> str | None:
        """The holder id this process announced when it took the lease, if it did."""
        match = HOLDS.search(self.output)
        return match.group(1) if match else None


def wait_for(condition, what: str, processes: list[Scheduler]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            outputs = "\n----\n".join(process.output for process in processes)
            pytest.fail(f"gave up waiting for {what}; the schedulers said:\n{outputs}")
        time.sleep(0.1)


@pytest.fixture
def schedulers(app, tmp_path):
    """start(*args) -> a running scheduler process on the test's database; all stopped after the test."""
    started: list[Scheduler] = []
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):  # a busy machine's disk may hold a writer longer than SQLite's 5 s default
        url += "?timeout=30"
    env = {**os.environ, "DATABASE_URL": url,
           "ILA_INSTANCE_PATH": str(tmp_path / "scheduler-instance"), "SECRET_KEY": "scheduler-test-key",
           "MAIL_OUTBOX": app.config["MAIL_OUTBOX"], "BABEL_DEFAULT_LOCALE": "en",
           "SCHEDULER_POLL_SECONDS": "0.5", "MAIL_OUTBOX_POLL_SECONDS": "0.5", "LEDGER_URL": "http://127.0.0.1:9"}
    env.pop("MAIL_SERVER", None)  # the mail goes to the test's outbox

    def start(*args: str) -> Scheduler:
        started.append(Scheduler(list(args), env))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def slot_runs(slot: str) -> list[JobRun]:
    db.session.rollback()  # see what the other processes committed
    return list(db.session.scalars(select(JobRun).where(JobRun.job == "reminders", JobRun.slot == slot)))


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_two_schedulers_started_at_once_run_the_job_once(app, schedulers, stop):
    employer = factories.employer("Bakkerij Twee Planners")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, language="en")
    worker = factories.user("worker@example.be", roles={employer: "employee"})
    record = factories.employee(employer, user_id=worker.id, approver_id=manager.id, first_name="Wim")
    waiting_since = utcnow() - timedelta(days=10)
    request = factories.leave_request(record, worker, created_at=waiting_since, updated_at=waiting_since)
    stale = JobRun(job="accounts-refresh", slot="2026-03-01T02:00:00+00:00", holder=dead_holder(),
                   state=JobState.RUNNING)
    db.session.add(stale)
    db.session.commit()
    outbox = Path(app.config["MAIL_OUTBOX"])

    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    slot = recorder.slot_of(due)
    args = ("--fire-now", "reminders", "--fire-at", due.isoformat())
    first, second = schedulers(*args), schedulers(*args)
    both = [first, second]

    wait_for(lambda: any(p.said("standing by, waiting to take over") for p in both), "one to stand by", both)
    wait_for(lambda: [r.state for r in slot_runs(slot)] == [JobState.DONE], "the job to run", both)
    active = next(p for p in both if p.holds())
    standby = next(p for p in both if p is not active)
    assert standby.said("standing by, waiting to take over") and standby.holds() is None
    # the run row is committed before the process logs it: wait for the line rather than race it
    wait_for(lambda: active.said(f"reminders at {slot}: done"), "the active one to report the run", both)

    run, = slot_runs(slot)
    assert run.holder == active.holds() == f"{active.holds().split(':')[0]}:{active.popen.pid}"
    assert run.trigger == "scheduler" and run.counts["leave_requests"] == 1 and run.counts["notifications"] == 1
    assert count(Notification, Notification.user_id == manager.id) == 1
    wait_for(lambda: len(outbox_messages(outbox)) == 1, "the outbox job to send the reminder's mail", both)
    db.session.refresh(request)
    assert request.reminded_on is not None
    db.session.refresh(stale)
    assert stale.state == JobState.INTERRUPTED  # left running by a process that had died

    # The active one stops (cleanly: it releases the lease; or killed: a dead process of this host holds
    # nothing): the standby takes over and fires the same slot, which the slot guard stops.
    if stop == "SIGTERM":
        active.stop()
        assert active.popen.returncode == 0 and active.said("Scheduler stopped.")
    else:
        active.popen.kill()
        active.popen.wait(timeout=30)
    wait_for(lambda: standby.said(f"reminders at {slot}: already run by another scheduler; skipped"),
             "the standby to take over and find the slot taken", both)
    assert standby.holds() == f"{run.holder.split(':')[0]}:{standby.popen.pid}"
    assert [r.holder for r in slot_runs(slot)] == [run.holder]
    assert active.said(f"reminders at {slot}: started")
    assert not standby.said(f"reminders at {slot}: started")  # the job itself never ran there
    assert count(Notification) == 1
    time.sleep(1.5)  # three of the standby's outbox polls: it sends nothing again
    assert len(outbox_messages(outbox)) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_clean_stop_releases_the_lease(app, schedulers, signum):
    alone = schedulers()
    wait_for(lambda: alone.holds() is not None, "the scheduler to take the lease", [alone])
    assert lease_holder() == alone.holds()
    alone.popen.send_signal(signum)
    alone.popen.wait(timeout=60)
    alone.reader.join(timeout=5)
    assert alone.popen.returncode == 0
    assert alone.said(f"{signum.name}: stopping (no new jobs).") and alone.said("Scheduler stopped.")
    assert lease_holder() is None


def lease_holder() -> str | None:
    db.session.rollback()
    lease = db.session.get(Lease, "scheduler")
    return lease.holder if lease else None
