"""Runs asked for on a page (``recorder.queue_run``) wait as queued; the scheduler process's poll
(``recorder.run_queued``) takes each once and records it like a scheduled run: state, counts, error."""

from __future__ import annotations

from datetime import UTC, datetime

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.scheduler import progress, recorder
from ila_sme.scheduler.models import JobRun, JobState
from ila_sme.scheduler.runner import QUEUED_RUNS, SchedulerProcess, _Firing
from tests.scheduler.conftest import dead_holder, job_runs
from tests.support.statements import count_statements


def test_a_queued_run_is_picked_up_and_recorded_like_a_scheduled_run(app, staff):
    queued, made = recorder.queue_run("leave-allocation")
    db.session.commit()
    assert made and queued.state == JobState.QUEUED
    assert recorder.queued_work()

    done, = recorder.run_queued()
    assert done.id == queued.id
    run, = job_runs("leave-allocation")
    assert (run.state, run.trigger, run.error) == (JobState.DONE, "web", None)
    assert run.slot.startswith("now-") and run.holder == locks.holder_id()
    assert run.counts == {"employers": 1, "rows_added": 4, "failed": 0}  # what the nightly run adds
    assert run.finished_at is not None
    assert not recorder.queued_work() and recorder.run_queued() == []  # taken once

    again, made = recorder.queue_run("leave-allocation")  # finished: a new click queues a new run
    db.session.commit()
    assert made and again.id != run.id


def test_a_failing_queued_run_is_failed_with_its_error_and_the_next_one_still_runs(app, probe):
    probe.problem = "2 of 3 could not be read"
    recorder.queue_run("probe")
    db.session.commit()
    recorder.run_queued()
    run, = job_runs("probe")
    assert (run.state, run.error, run.counts) == (JobState.FAILED, "2 of 3 could not be read", {"seen": 3})

    probe.problem, probe.error = None, RuntimeError("boom")
    recorder.queue_run("probe")
    db.session.commit()
    recorder.run_queued()
    assert [(r.state, r.error) for r in job_runs("probe")][-1] == (JobState.FAILED, "RuntimeError: boom")
    assert probe.calls == 2


def test_a_run_left_running_by_a_dead_process_does_not_block_a_new_click(app, probe):
    db.session.add(JobRun(job="probe", slot="now-old", trigger="web", holder=dead_holder(), state=JobState.RUNNING))
    db.session.commit()
    run, made = recorder.queue_run("probe")
    assert made and run.state == JobState.QUEUED


def test_the_scheduler_process_polls_the_queue_on_the_registers_worker(app):
    scheduler = SchedulerProcess(app, echo=lambda *args, **kwargs: None)._build()
    poll = scheduler.get_job(QUEUED_RUNS)
    assert poll is not None and poll.executor == "register"
    assert poll.trigger.interval.total_seconds() == app.config["SCHEDULER_POLL_SECONDS"]


def test_the_poll_runs_the_queue_only_while_this_process_holds_the_lease(app, probe):
    recorder.queue_run("probe")
    db.session.commit()
    process = SchedulerProcess(app, echo=lambda *args, **kwargs: None)
    process._run_queued()  # standing by: nothing runs
    assert probe.calls == 0 and [run.state for run in job_runs("probe")] == [JobState.QUEUED]
    process.holding.set()
    process._run_queued()
    db.session.rollback()  # the poll ran in its own app context: read afresh
    assert probe.calls == 1 and [run.state for run in job_runs("probe")] == [JobState.DONE]


def test_the_poll_takes_the_slot_its_executor_gives_each_firing(app, probe):
    """The register's worker is a SlotExecutor: it calls the poll with a ``slot`` keyword, as it calls the jobs."""
    recorder.queue_run("probe")
    db.session.commit()
    process = SchedulerProcess(app, echo=lambda *args, **kwargs: None)
    process.holding.set()
    poll = process._build().get_job(QUEUED_RUNS)
    firing = _Firing(poll, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    firing.func(*firing.args, **firing.kwargs)
    db.session.rollback()
    assert probe.calls == 1 and [run.state for run in job_runs("probe")] == [JobState.DONE]


def test_the_jobs_page_reads_every_buttons_run_with_one_query_and_finds_what_each_button_finds(app, probe):
    db.session.add_all([
        JobRun(job="probe", slot="now-a", trigger="web", holder=dead_holder(), state=JobState.DONE),
        JobRun(job="probe", slot="now-b", trigger="web", holder=dead_holder(), state=JobState.FAILED),
        JobRun(job="probe", slot="s1", trigger="scheduler", holder=dead_holder(), state=JobState.DONE),
        JobRun(job="leave-allocation", slot="now-c", trigger="web", holder=dead_holder(), state=JobState.DONE),
        JobRun(job="leave-allocation", slot="now-d", trigger="web", holder=dead_holder(), state=JobState.RUNNING),
        JobRun(job="leave-allocation", slot=recorder.QUEUED_SLOT, trigger="web", state=JobState.QUEUED),
        JobRun(job="mail-outbox", slot="s2", trigger="scheduler", holder=dead_holder(), state=JobState.DONE),
    ])
    db.session.commit()
    names = ["probe", "leave-allocation", "mail-outbox"]
    one_by_one = {name: progress.shown_run(name) for name in names}
    with count_statements(db.engine) as statements:
        together = progress.shown_runs(names)
    assert len(statements) == 1, statements.describe()
    assert together == one_by_one
    assert (together["probe"].slot, together["leave-allocation"].state, together["mail-outbox"]) == (
        "now-b", JobState.QUEUED, None)
