"""The recorder: every run is recorded (state, counts, error scrubbed of national numbers), a slot is
run once, and runs left running by a process that died are marked interrupted."""

from __future__ import annotations

from datetime import UTC, datetime

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz
from ila_sme.leave.models import LedgerEntry
from ila_sme.scheduler import recorder
from ila_sme.scheduler.models import JobRun, JobState
from tests.scheduler.conftest import count, dead_holder, job_runs

SLOT = "2026-03-02T01:00:00+00:00"


def test_a_run_is_recorded_with_its_counts_and_a_second_run_adds_nothing(app, staff):
    first = recorder.run_job("leave-allocation", slot=SLOT, trigger="scheduler")
    assert first.state == JobState.DONE and first.error is None
    assert first.counts == {"employers": 1, "rows_added": 4, "failed": 0}
    assert count(LedgerEntry) == 4
    assert (first.job, first.slot, first.trigger, first.holder) == ("leave-allocation", SLOT, "scheduler",
                                                                    locks.holder_id())
    assert first.started_at <= first.finished_at

    again = recorder.run_job("leave-allocation", slot=recorder.manual_slot(), trigger="cli")
    assert again.state == JobState.DONE and again.counts["rows_added"] == 0
    assert again.slot.startswith("now-") and again.trigger == "cli"
    assert count(LedgerEntry) == 4


def test_the_same_slot_runs_once(app, probe):
    first = recorder.run_job("probe", slot=SLOT, trigger="scheduler")
    second = recorder.run_job("probe", slot=SLOT, trigger="scheduler")
    assert first is not None and first.state == JobState.DONE
    assert second is None
    assert probe.calls == 1
    assert [(run.job, run.slot) for run in job_runs()] == [("probe", SLOT)]
    other = recorder.run_job("probe", slot="2026-03-03T01:00:00+00:00", trigger="scheduler")
    assert other.state == JobState.DONE and probe.calls == 2


def test_a_job_that_raises_is_failed_with_its_error_scrubbed(app, probe):
    insz = make_insz(datetime(1985, 4, 12).date(), 17)
    probe.error = ValueError(f"the register refused person {insz}")
    run = recorder.run_job("probe", slot=SLOT, trigger="scheduler")
    assert run.state == JobState.FAILED
    assert run.error == "ValueError: the register refused person [number]"
    assert insz not in run.error and run.counts is None and run.finished_at is not None
    probe.error = None
    after = recorder.run_job("probe", slot="2026-03-03T01:00:00+00:00", trigger="scheduler")
    assert after.state == JobState.DONE and probe.calls == 2  # a failure never stops the next run


def test_a_job_that_reports_part_of_its_work_failed_is_failed_with_its_counts(app, probe):
    probe.counts, probe.problem = {"refreshed": 2, "failed": 1}, "1 account could not be refreshed"
    run = recorder.run_job("probe", slot=SLOT, trigger="cli")
    assert run.state == JobState.FAILED
    assert run.counts == {"refreshed": 2, "failed": 1}
    assert run.error == "1 account could not be refreshed"


def test_a_long_error_is_cut_to_the_column(app, probe):
    probe.error = RuntimeError("x" * 2000)
    run = recorder.run_job("probe", slot=SLOT, trigger="scheduler")
    assert run.state == JobState.FAILED and len(run.error) == recorder.ERROR_LENGTH


def test_the_slot_of_a_firing_is_its_due_time_in_utc():
    from zoneinfo import ZoneInfo

    due = datetime(2026, 3, 29, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    assert recorder.slot_of(due) == "2026-03-29T01:00:00+00:00"
    assert recorder.slot_of(due.astimezone(UTC)) == recorder.slot_of(due)
    assert recorder.manual_slot() != recorder.manual_slot()


def test_runs_left_running_by_a_dead_process_are_interrupted(app):
    dead = JobRun(job="registry-sync", slot="2026-03-01T00:30:00+00:00", holder=dead_holder(),
                  state=JobState.RUNNING)
    alive = JobRun(job="nightly-reconcile", slot="2026-03-02T01:00:00+00:00", holder=locks.holder_id(),
                   state=JobState.RUNNING)
    elsewhere = JobRun(job="accounts-refresh", slot="2026-03-02T02:00:00+00:00", holder="another-host:42",
                       state=JobState.RUNNING)
    done = JobRun(job="reminders", slot="2026-03-02T07:00:00+00:00", holder=dead.holder, state=JobState.DONE)
    db.session.add_all([dead, alive, elsewhere, done])
    db.session.commit()

    assert recorder.mark_interrupted() == 1
    states = {run.job: run.state for run in job_runs()}
    assert states == {"registry-sync": JobState.INTERRUPTED, "nightly-reconcile": JobState.RUNNING,
                      "accounts-refresh": JobState.RUNNING, "reminders": JobState.DONE}
    interrupted = job_runs("registry-sync")[0]
    assert interrupted.finished_at is not None
    assert interrupted.error == "Its process stopped before the end; the job runs again at its next time."
    assert recorder.mark_interrupted() == 0
