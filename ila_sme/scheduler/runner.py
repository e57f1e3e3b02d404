"""The scheduler process: ``flask --app app scheduler run``. Never inside a web worker.

One instance at a time, by two guards:

1. the lease "scheduler" in the database (``locks``): the process runs jobs only while it holds it,
   renewed by a heartbeat every SCHEDULER_HEARTBEAT_SECONDS for SCHEDULER_LEASE_SECONDS. A second
   scheduler started by mistake says so and stands by, asking again every SCHEDULER_POLL_SECONDS; it
   takes over when the first stops (a clean stop releases the lease; a killed process of this host is
   seen dead at once; elsewhere the lease expires). A holder that could not renew in time stops
   firing and stands by again.
2. the job run's slot (``recorder``): a firing is recorded under the time it was due, unique per job,
   so a slot fired by two processes runs once even if both believed they held the lease.

APScheduler's BlockingScheduler fires the jobs in its timezone (SCHEDULER_TIMEZONE), coalesced, one
instance of each job at a time, each inside the app context. The two reconciliation jobs share one
worker: within one process the employer's lease cannot keep them apart (its holder is the process).
SIGTERM or SIGINT: no new firing, the running jobs finish, the lease is released; a second signal
stops at once (the runs still going are recorded as interrupted).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from flask import Flask

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.locks import Lease
from ila_sme.scheduler import recorder
from ila_sme.scheduler.jobs import JOBS

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

LEASE = "scheduler"
HEARTBEAT = "heartbeat"
QUEUED_RUNS = "queued-runs"  # the poll that carries out the runs asked for on a page (recorder.run_queued)
UNSET_SLOT = {"slot": None}  # SlotExecutor sets it for each firing
# The polls: a firing skipped while the last one still runs is normal.
QUIET = ("reconcile-queued", "mail-outbox", HEARTBEAT, QUEUED_RUNS)
log = logging.getLogger("ila_sme.scheduler")


class _Slots:
    """Mixed into APScheduler's ThreadPoolExecutor (``slot_executor``): a thread pool that gives each firing
    its due time as the ``slot`` keyword (coalesced: the last due time), as APScheduler computed it: the same
    in every scheduler process."""

    def _do_submit_job(self, job, run_times):
        super()._do_submit_job(_Firing(job, run_times[-1]), run_times[-1:])


@cache
def slot_executor() -> type:
    """The SlotExecutor class, made on first use (APScheduler is not loaded at the app's start)."""
    from apscheduler.executors.pool import ThreadPoolExecutor

    return type("SlotExecutor", (_Slots, ThreadPoolExecutor), {})


class _Firing:
    """The job as APScheduler's ``run_job`` sees it, with this firing's slot among its keyword arguments."""

    def __init__(self, job, run_time: datetime):
        self._job = job
        self.kwargs = {**job.kwargs, "slot": recorder.slot_of(run_time)}

    def __getattr__(self, name):
        return getattr(self._job, name)

    def __str__(self):
        return str(self._job)


class _QuietSkips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("maximum number of running instances" in message
                    and any(f'"{name} ' in message for name in QUIET))


class SchedulerProcess:
    def __init__(self, app: Flask, *, once: Iterable[tuple[str, datetime]] = (), echo: Callable = click.echo):
        config = app.config
        self.app, self.echo, self.once = app, echo, list(once)
        self.zone = ZoneInfo(config["SCHEDULER_TIMEZONE"])
        self.holder = locks.holder_id()
        self.ttl = timedelta(seconds=config["SCHEDULER_LEASE_SECONDS"])
        self.heartbeat_seconds = config["SCHEDULER_HEARTBEAT_SECONDS"]
        self.poll_seconds = config["SCHEDULER_POLL_SECONDS"]
        self.grace = int(config["SCHEDULER_MISFIRE_GRACE_SECONDS"])
        self.holding, self.stopping = threading.Event(), threading.Event()
        self.scheduler: BlockingScheduler | None = None
        self.renewed = 0.0
        self._running, self._idle = 0, threading.Condition()

    # The process -----------------------------------------------------------------------------

    def run(self) -> None:
        logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        stale = self._mark_interrupted()
        if stale:
            self.echo(f"{stale} job run(s) left running by a stopped process: marked interrupted.")
        try:
            while not self.stopping.is_set():
                if self._wait_for_lease():
                    self._fire_until_stopped()
            self._wait_for_running_jobs()
        finally:
            self._release()
        self.echo("Scheduler stopped.")

    def _wait_for_lease(self) -> bool:
        told = False
        while not self.stopping.is_set():
            held = self._acquire()
            if held:
                self.renewed = time.monotonic()
                self.holding.set()
                self._mark_interrupted()  # a run of the scheduler we take over from, if it died
                self.echo(f"Scheduler {self.holder} holds the lease: running the jobs ({self.zone.key} time).")
                return True
            if held is False and not told:
                self.echo(f"Another scheduler ({self._other_holder()}) holds the lease: standing by, "
                          f"waiting to take over.")
                told = True
            self.stopping.wait(self.poll_seconds)
        return False

    def _mark_interrupted(self) -> int:
        try:
            with self.app.app_context():
                return recorder.mark_interrupted()
        except Exception:  # noqa: BLE001 - the database is busy or away: checked again at the next take-over
            log.exception("the job runs left running by a stopped process could not be checked")
            return 0

    def _fire_until_stopped(self) -> None:
        self.scheduler = self._build()
        try:
            self.scheduler.start()  # blocks until a signal, or the lease lost
        finally:
            self.holding.clear()
            self.scheduler = None

    def _build(self) -> BlockingScheduler:
        from apscheduler.executors.pool import ThreadPoolExecutor  # APScheduler loads with the scheduler process
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.date import DateTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        slots = slot_executor()
        scheduler = BlockingScheduler(
            timezone=self.zone,
            executors={"default": slots(4), "register": slots(1), HEARTBEAT: ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace})
        config = self.app.config
        for job in JOBS.values():
            scheduler.add_job(self._fire, job.trigger(config), args=[job.name], kwargs=UNSET_SLOT, id=job.name,
                              name=job.name, executor=job.executor,
                              misfire_grace_time=job.misfire_grace_seconds or self.grace)
        for name, at in self.once:
            scheduler.add_job(self._fire, DateTrigger(at, timezone=self.zone), args=[name], kwargs=UNSET_SLOT,
                              name=name, id=f"{name}@{recorder.slot_of(at)}", executor=JOBS[name].executor)
        # On the register's worker: a queued reconciliation never runs beside the scheduled ones.
        scheduler.add_job(self._run_queued, IntervalTrigger(seconds=self.poll_seconds, timezone=self.zone),
                          id=QUEUED_RUNS, name=QUEUED_RUNS, executor="register", misfire_grace_time=60)
        scheduler.add_job(self._heartbeat, IntervalTrigger(seconds=self.heartbeat_seconds, timezone=self.zone),
                          id=HEARTBEAT, name=HEARTBEAT, executor=HEARTBEAT)
        return scheduler

    # Firing ----------------------------------------------------------------------------------

    def _fire(self, name: str, *, slot: str | None) -> None:
        if slot is None:  # not fired through a SlotExecutor: no slot, no guard, no run
            log.error("%s: fired without a slot; not run", name)
            return
        if not self.holding.is_set() or self.stopping.is_set():
            log.info("%s at %s: not run, this scheduler does not hold the lease now", name, slot)
            return
        with self._job_running():
            try:
                with self.app.app_context():
                    recorder.run_job(name, slot=slot, trigger="scheduler")
            except Exception:  # noqa: BLE001 - the database failed under the recorder: the scheduler goes on
                log.exception("%s at %s: could not be run or recorded", name, slot)

    def _run_queued(self, *, slot: str | None = None) -> None:  # noqa: ARG002 - the register's SlotExecutor gives one
        """The runs asked for on a page (the jobs page, the catalogue): each recorded like a scheduled run; each
        queued run takes a slot of its own, so the poll's firing slot is not used."""
        if not self.holding.is_set() or self.stopping.is_set():
            return
        with self._job_running():
            try:
                with self.app.app_context():
                    if recorder.queued_work():
                        recorder.run_queued()
            except Exception:  # noqa: BLE001 - the database failed under the recorder: the scheduler goes on
                log.exception("the queued job runs could not be run or recorded")

    @contextmanager
    def _job_running(self):
        with self._idle:
            self._running += 1
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _wait_for_running_jobs(self) -> None:
        with self._idle:
            if self._running:
                self.echo(f"Waiting for {self._running} running job(s) to finish (signal again to stop at once).")
            while self._running:
                self._idle.wait(1)

    # The lease -------------------------------------------------------------------------------

    def _acquire(self) -> bool | None:
        """True: held (taken or renewed); False: someone else holds it; None: the database failed."""
        try:
            with self.app.app_context():
                return locks.acquire(LEASE, holder=self.holder, ttl=self.ttl)
        except Exception:  # noqa: BLE001 - the database is away: try again at the next beat
            log.exception("the scheduler lease could not be renewed")
            return None

    def _heartbeat(self) -> None:
        if self.stopping.is_set():
            self._stop_firing()
            return
        held = self._acquire()
        if held:
            self.renewed = time.monotonic()
            return
        if held is False or time.monotonic() - self.renewed > self.ttl.total_seconds():
            self.holding.clear()
            self.echo("The scheduler lease was lost (not renewed in time): no more jobs here; standing by.",
                      err=True)
            self._stop_firing()

    def _other_holder(self) -> str:
        try:
            with self.app.app_context():
                lease = db.session.get(Lease, LEASE)
                return (lease.holder if lease else None) or "?"
        except Exception:  # noqa: BLE001 - only for the message
            return "?"

    def _release(self) -> None:
        try:
            with self.app.app_context():
                locks.release(LEASE, holder=self.holder)
        except Exception:  # noqa: BLE001 - it expires on its own
            log.exception("the scheduler lease could not be released")

    # Stopping --------------------------------------------------------------------------------

    def _stop_firing(self) -> None:
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)

    def _on_signal(self, signum, _frame) -> None:
        if self.stopping.is_set():  # the second signal: stop now
            with self.app.app_context():
                interrupted = recorder.interrupt_own()
            self._release()
            self.echo(f"Stopped at once; {interrupted} running job run(s) recorded as interrupted.", err=True)
            os._exit(1)
        self.echo(f"{signal.Signals(signum).name}: stopping (no new jobs).")
        self.stopping.set()
        self.holding.clear()
        self._stop_firing()
