"""``flask --app app scheduler jobs`` and ``scheduler run-job NAME`` through the app's CLI runner."""

from __future__ import annotations

import socket

from ila_sme import locks
from ila_sme.leave.models import LedgerEntry
from ila_sme.scheduler.jobs import JOBS
from ila_sme.scheduler.models import JobState
from ila_sme.trainings.models import Training
from tests.scheduler.conftest import count, job_runs
from tests.support.register_process import register  # noqa: F401
from tests.trainings.sync.conftest import api_training


def test_jobs_lists_every_job_with_its_schedule_and_next_run(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "jobs"])
    assert result.exit_code == 0, result.output
    assert "Scheduler: not running (start it with: flask --app app scheduler run)." in result.output
    assert "Times are Europe/Brussels time." in result.output
    for job in JOBS.values():
        line = next(line for line in result.output.splitlines() if line.startswith(f"{job.name}:"))
        assert f"{job.name}: {job.schedule(app.config)}; next run 20" in line
        assert f"    now: {job.command}" in result.output
    assert "nightly-reconcile: every day at 02:00; next run " in result.output
    assert job_runs() == []  # listing runs nothing


def test_jobs_says_which_scheduler_runs(app):
    assert locks.acquire("scheduler")  # as a running scheduler holds it
    result = app.test_cli_runner().invoke(args=["scheduler", "jobs"])
    assert f"Scheduler: running, {locks.holder_id()}, last heartbeat 20" in result.output


def test_run_job_runs_it_now_and_prints_its_counts(app, staff):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scheduler", "run-job", "leave-allocation"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "leave-allocation: done (employers 1, rows_added 4, failed 0)."
    second = runner.invoke(args=["scheduler", "run-job", "leave-allocation"])
    assert second.output.strip() == "leave-allocation: done (employers 1, rows_added 0, failed 0)."
    assert count(LedgerEntry) == 4
    runs = job_runs()
    assert [(run.job, run.trigger, run.state) for run in runs] == [("leave-allocation", "cli", JobState.DONE)] * 2
    assert all(run.slot.startswith("now-") for run in runs) and runs[0].slot != runs[1].slot


def test_run_job_exits_non_zero_when_the_job_failed(app):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(LEDGER_URL=f"http://127.0.0.1:{port}", LEDGER_TIMEOUT=2)
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "registry-sync"])
    assert result.exit_code == 1
    assert "registry-sync: failed." in result.output
    assert "registry-sync failed: The register could not be read:" in result.output
    run, = job_runs("registry-sync")
    assert run.state == JobState.FAILED and run.error.startswith("The register could not be read:")


def test_run_job_syncs_the_registry_like_its_own_command(app, register):  # noqa: F811
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN=register.token)
    register.write(trainings=[api_training("ODB-1", "2026-01-01T00:00:00Z"),
                              api_training("ODB-2", "2026-01-02T00:00:00Z")])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "run-job", "registry-sync"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "registry-sync: done (inserted 2, updated 0, withdrawn 0, unchanged 0)."
    assert count(Training, Training.registry_id.is_not(None)) == 2
    register.write(trainings=[api_training("ODB-2", "2026-02-01T00:00:00Z", title="New title")])
    assert runner.invoke(args=["registry", "sync"]).output.strip() == "inserted 0, updated 1, withdrawn 0, unchanged 0"


def test_run_job_with_no_queued_reconciliation_does_nothing_and_records_nothing(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "reconcile-queued"])
    assert result.exit_code == 0
    assert result.output.strip() == "reconcile-queued: nothing to do."
    assert job_runs() == []


def test_run_job_refuses_an_unknown_job(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "cleanup"])
    assert result.exit_code == 2
    assert "'cleanup' is not one of" in result.output
    assert job_runs() == []
