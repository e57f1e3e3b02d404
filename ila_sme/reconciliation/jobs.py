"""The reconciliation's scheduled jobs: ``nightly-reconcile`` (every employer, submit then reconcile) and
``reconcile-queued`` (the runs asked for on the reconciliation page). The scheduler fires them
(``scheduler.jobs``); ``flask --app app reconcile`` and ``scheduler run-job reconcile-queued`` do the same now."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.outcomes import Outcome
from ila_sme.reconciliation.cli import parse_shard, run_all
from ila_sme.reconciliation.engine import AlreadyRunning, lock_name, reconcile
from ila_sme.reconciliation.models import ReconciliationRun, RunState
from ila_sme.register.client import RegisterPool, scrub

log = logging.getLogger("ila_sme.scheduler")


def _echo_to_log(message: str, err: bool = False) -> None:
    log.log(logging.WARNING if err else logging.INFO, scrub(message))


def nightly_reconcile() -> Outcome:
    """Every employer, or with RECONCILE_SHARD "K/N" the employers of that shard (the other shards are
    ``flask --app app reconcile --shard …`` processes started beside the scheduler)."""
    totals = run_all(trigger="scheduler", echo=_echo_to_log,
                     shard=parse_shard(current_app.config.get("RECONCILE_SHARD")))
    problem = None
    if totals["failed"] or totals["incomplete"]:
        problem = _("%(failed)s employer(s) failed and %(incomplete)s stayed incomplete: see their reconciliation "
                    "runs.", failed=totals["failed"], incomplete=totals["incomplete"])
    return Outcome(dict(totals), problem)


def _queued():
    return select(ReconciliationRun).where(ReconciliationRun.state == RunState.QUEUED).order_by(
        ReconciliationRun.created_at, ReconciliationRun.id)


def queued_work() -> bool:
    """A queued reconciliation whose employer nobody is reconciling now (the others wait: no record)."""
    return any(locks.current(lock_name(run.employer)) is None for run in db.session.scalars(_queued()))


def reconcile_queued() -> Outcome:
    """Carry out the runs asked for on the reconciliation page, oldest first. An employer another process
    is reconciling now is left queued for the next poll."""
    counts = {"done": 0, "incomplete": 0, "failed": 0, "busy": 0}
    tried: set[int] = set()
    with RegisterPool.from_config() as pool:
        while True:
            query = _queued().where(ReconciliationRun.id.not_in(tried)) if tried else _queued()
            run = db.session.scalar(query.limit(1))
            if run is None:
                break
            tried.add(run.id)
            try:
                run = reconcile(run.employer, run=run, trigger="web", client=pool.for_employer(run.employer))
            except AlreadyRunning:
                db.session.rollback()
                counts["busy"] += 1
                continue
            except Exception:  # noqa: BLE001 - the engine recorded the failure on the run; the others go on
                db.session.rollback()
                counts["failed"] += 1
                continue
            key = {RunState.DONE: "done", RunState.INCOMPLETE: "incomplete"}.get(run.state, "failed")
            counts[key] += 1
    problem = None
    if counts["failed"]:
        problem = _("%(num)s queued reconciliation(s) failed: see the reconciliation page.", num=counts["failed"])
    return Outcome(counts, problem)
