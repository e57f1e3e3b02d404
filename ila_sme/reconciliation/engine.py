"""Reconcile an employer's contributions with the national register (ledger-api.md, "What a
reconciliation is").

One run, for one employer and one period (or every period the register still accepts):

1. submit what is pending (``funding.submit``), each contribution booked exactly once;
2. read every register entry, page by page, and compare it with the local contribution of the same
   reference (or the same entry id, for an entry linked by the accountant): matched, amount_mismatch,
   unknown_in_register, reversed. Each page is one transaction: its items, the contributions the
   register shows booked (an answer lost on the way), reversals reflected in the budget, differences;
3. look for the local contributions the register does not list: missing_in_register;
4. settle the open differences this run no longer finds.

Memory holds one page and the employer's staff list, never the whole history. A run holds the
employer's lease, so two runs (the scheduler's, a command's) never work on one employer at once, and
a run killed half-way left only whole pages behind: the next run does the rest and ends in the same
state. Differences are kept once per key: a second run finds the same ones and queues nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import func, insert, select, update

from ila_sme import dates
from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution, ContributionStatus
from ila_sme.funding.submit import TO_SUBMIT, submit_pending
from ila_sme.people.models import EmployeeRecord
from ila_sme.reconciliation.models import (
    Difference,
    DifferenceState,
    Outcome,
    Phase,
    ReconciliationItem,
    ReconciliationRun,
    Resolution,
    RunState,
)
from ila_sme.register.client import RegisterClient, RegisterError, scrub
from ila_sme.scheduler import locks

OPEN_MONTHS = 13  # the register books periods up to 13 months old (ledger-api.md, closed_period)
LEASE = timedelta(minutes=5)
BATCH = 500
LOCAL = (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.BOOKED, ContributionStatus.FAILED)


class AlreadyRunning(Exception):
    """Another process reconciles (or submits for) this employer right now."""


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def open_window(today: date) -> tuple[str, str]:
    """The first and last period the register still books: 13 months back to this month."""
    index = today.year * 12 + today.month - 1 - OPEN_MONTHS
    return f"{index // 12:04d}-{index % 12 + 1:02d}", period_of(today)


def lock_name(employer) -> str:
    return f"employer-register:{employer.id}"


@contextmanager
def employer_lock(employer) -> Iterator[None]:
    """Hold the employer's register lease (reconcile and submit take it): AlreadyRunning if taken."""
    name = lock_name(employer)
    if not locks.acquire(name, ttl=LEASE):
        raise AlreadyRunning(employer.name)
    try:
        yield
    finally:
        db.session.rollback()
        locks.release(name)


def queue_run(employer, *, requested_by, period: str | None = None) -> ReconciliationRun:
    """A run asked for on the reconciliation page; the scheduler process picks it up (caller commits)."""
    run = ReconciliationRun(employer_id=employer.id, period=period, trigger="web", requested_by_id=requested_by.id,
                            state=RunState.QUEUED)
    db.session.add(run)
    db.session.flush()
    record("reconciliation.requested", actor=requested_by, employer_id=employer.id, obj=run,
           after={"period": period})
    return run


def reconcile(employer, *, period: str | None = None, trigger: str = "cli", run: ReconciliationRun | None = None,
              budget_seconds: float | None = None, client: RegisterClient | None = None,
              page_size: int = 500) -> ReconciliationRun:
    """Run (or carry out the queued ``run``) now, in this process. Raises AlreadyRunning."""
    if budget_seconds is None:
        budget_seconds = current_app.config["RECONCILE_BUDGET_SECONDS"]
    with employer_lock(employer):
        _interrupt_stale(employer, keep=run)
        if run is None:
            run = ReconciliationRun(employer_id=employer.id, period=period, trigger=trigger)
            db.session.add(run)
        run.state, run.started_at, run.holder = RunState.RUNNING, utcnow(), locks.holder_id()
        run.heartbeat_at = run.started_at
        db.session.commit()
        own_client = client is None
        client = client or RegisterClient.for_employer(employer)
        try:
            _Run(run, employer, client, dates.today(), page_size).execute(budget_seconds)
        except Exception as error:
            db.session.rollback()
            run = db.session.get(ReconciliationRun, run.id)
            _finish(run, RunState.FAILED, f"{type(error).__name__}: {scrub(str(error))}")
            raise
        finally:
            if own_client:
                client.close()
    return run


def _interrupt_stale(employer, keep: ReconciliationRun | None) -> None:
    """Runs still marked running while we hold the employer's lease: their process died."""
    conditions = [ReconciliationRun.employer_id == employer.id, ReconciliationRun.state == RunState.RUNNING]
    if keep is not None:
        conditions.append(ReconciliationRun.id != keep.id)
    for run in db.session.scalars(select(ReconciliationRun).where(*conditions)):
        _finish(run, RunState.INTERRUPTED, "Its process stopped before the end; a later run does the work again.",
                commit=False)
    db.session.commit()


def _finish(run: ReconciliationRun, state: str, error: str | None = None, *, commit: bool = True) -> None:
    run.state, run.phase, run.finished_at = state, Phase.FINISHED, utcnow()
    run.error = error[:500] if error else None
    if commit:
        db.session.commit()


def _cents(amount) -> int | None:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return int((value * 100).to_integral_value())


def _booked_at(entry: dict) -> datetime:
    stamp = entry.get("booked_at")
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return utcnow()


class _Run:
    def __init__(self, run: ReconciliationRun, employer, client: RegisterClient, today: date, page_size: int):
        self.run, self.employer, self.client, self.page_size = run, employer, client, page_size
        self.first, self.last = (run.period, run.period) if run.period else open_window(today)
        self.staff = dict(db.session.execute(
            select(EmployeeRecord.national_number, EmployeeRecord.id).where(
                EmployeeRecord.employer_id == employer.id)).all())

    def in_scope(self, period: str | None) -> bool:
        return bool(period) and self.first <= period <= self.last

    def _local(self):
        return select(Contribution).where(Contribution.employer_id == self.employer.id,
                                          Contribution.period >= self.first, Contribution.period <= self.last)

    def _heartbeat(self) -> None:
        self.run.heartbeat_at = utcnow()
        db.session.commit()
        locks.acquire(lock_name(self.employer), ttl=LEASE)

    def _tick(self) -> None:
        self.run.progress_done += 1
        self._heartbeat()

    def execute(self, budget_seconds: float) -> None:
        run = self.run
        waiting = db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.employer_id == self.employer.id, Contribution.status.in_(TO_SUBMIT)))
        local = db.session.scalar(select(func.count()).select_from(
            self._local().where(Contribution.status.in_(LOCAL)).subquery()))
        run.progress_total, run.progress_done, run.phase = waiting + local, 0, Phase.SUBMITTING
        db.session.commit()

        deadline = time.monotonic() + budget_seconds
        submitted = submit_pending(self.employer, now=utcnow(), budget_seconds=budget_seconds, client=self.client,
                                   progress=self._tick)
        run = self.run = db.session.get(ReconciliationRun, run.id)
        run.booked, run.failed = submitted.booked, submitted.failed
        self.client.set_budget(max(deadline - time.monotonic(), 0.0))  # the reads share the run's budget
        run.phase = Phase.READING
        db.session.commit()

        try:
            for page in self.client.entry_pages(self.employer.enterprise_number, run.period,
                                                page_size=self.page_size):
                self._page(page)
                self._heartbeat()
        except RegisterError as error:
            db.session.rollback()
            run = db.session.get(ReconciliationRun, run.id)
            code = f"{error.code}: " if error.code else ""
            _finish(run, RunState.INCOMPLETE, scrub(f"The register could not be read: {code}{error}"))
            return

        run.phase = Phase.CHECKING
        db.session.commit()
        self._missing()
        if run.left == 0 and submitted.error is None:
            self._settle()
            _finish(run, RunState.DONE)
        else:
            _finish(run, RunState.INCOMPLETE, submitted.error and scrub(
                f"Some contributions wait for the next run: {submitted.error}"))

    # 2. The register's entries, one page (one transaction) at a time -------------------------

    def _page(self, page: list[dict]) -> None:
        entries = [e for e in page if isinstance(e, dict) and e.get("entry_id") and not e.get("reverses")
                   and self.in_scope(e.get("period"))]
        self.run.entries_read += len(page)
        references = {e["reference"] for e in entries if e.get("reference")}
        ids = {e["entry_id"] for e in entries}
        by_reference, by_entry = {}, {}
        if entries:
            for contribution in db.session.scalars(select(Contribution).where(
                    Contribution.employer_id == self.employer.id,
                    Contribution.reference.in_(references) | Contribution.entry_id.in_(ids))):
                if contribution.reference in references:
                    by_reference[contribution.reference] = contribution
                if contribution.entry_id in ids:
                    by_entry[contribution.entry_id] = contribution
        items = []
        for entry in entries:
            contribution = by_reference.get(entry.get("reference")) or by_entry.get(entry["entry_id"])
            outcome = self._compare(entry, contribution)
            setattr(self.run, outcome.value, self.run.count(outcome) + 1)
            known = contribution is not None and contribution.status != ContributionStatus.CANCELLED
            items.append({"run_id": self.run.id, "outcome": outcome.value, "reference": entry.get("reference"),
                          "entry_id": entry["entry_id"], "contribution_id": contribution.id if known else None,
                          "period": entry.get("period"), "register_cents": _cents(entry.get("amount")),
                          "local_cents": contribution.amount_cents if known else None})
        if items:
            db.session.execute(insert(ReconciliationItem), items)
        self.run.progress_done += len(entries)

    def _compare(self, entry: dict, contribution: Contribution | None) -> Outcome:
        register_cents = _cents(entry.get("amount"))
        reversed_there = entry.get("status") == "reversed"
        if contribution is None or contribution.status == ContributionStatus.CANCELLED:
            if reversed_there:
                return Outcome.REVERSED  # booked and reversed there: nothing is left to account for
            detail = None
            if contribution is not None:
                detail = f"The register booked {contribution.reference} after it was cancelled here."
            self._difference(Outcome.UNKNOWN_IN_REGISTER, f"unknown:{entry['entry_id']}", entry=entry,
                             contribution=contribution, register_cents=register_cents, detail=detail)
            return Outcome.UNKNOWN_IN_REGISTER
        if reversed_there:
            self._reflect_reversal(contribution, entry)
            self._difference(Outcome.REVERSED, f"reversed:{entry['entry_id']}", entry=entry,
                             contribution=contribution, register_cents=register_cents)
            return Outcome.REVERSED
        if contribution.status in (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.FAILED):
            funding.mark_booked(contribution, entry_id=entry["entry_id"], booked_at=_booked_at(entry))
        elif contribution.status == ContributionStatus.BOOKED and contribution.entry_id != entry["entry_id"]:
            contribution.entry_id = entry["entry_id"]
        if register_cents != contribution.amount_cents:
            self._difference(Outcome.AMOUNT_MISMATCH, f"amount:{entry['entry_id']}", entry=entry,
                             contribution=contribution, register_cents=register_cents)
            return Outcome.AMOUNT_MISMATCH
        return Outcome.MATCHED

    def _reflect_reversal(self, contribution: Contribution, entry: dict) -> None:
        """The register reversed it: the contribution is reversed here too, and the budget gets it back."""
        if contribution.status == ContributionStatus.REVERSED:
            return
        was_booked = contribution.status == ContributionStatus.BOOKED
        before = contribution.status
        contribution.status = ContributionStatus.REVERSED
        contribution.entry_id = contribution.entry_id or entry["entry_id"]
        year = contribution.funding_request.year
        if was_booked:
            move = BudgetEntry(kind=BudgetMove.CORRECTION, amount_cents=-contribution.amount_cents)
        else:
            move = BudgetEntry(kind=BudgetMove.RELEASE, amount_cents=contribution.amount_cents)
        move.employer_id, move.year = contribution.employer_id, year
        move.funding_request_id, move.contribution_id = contribution.funding_request_id, contribution.id
        db.session.add(move)
        record("contribution.reversed", employer_id=contribution.employer_id, obj=contribution,
               before={"status": before}, after={"status": contribution.status, "entry_id": entry["entry_id"]})

    def _difference(self, kind: Outcome, key: str, *, entry: dict | None = None,
                    contribution: Contribution | None = None, register_cents: int | None = None,
                    detail: str | None = None) -> None:
        existing = db.session.scalar(select(Difference).where(Difference.employer_id == self.employer.id,
                                                              Difference.key == key))
        if existing is not None:
            existing.last_run_id = self.run.id
            if existing.state == DifferenceState.OPEN:
                existing.register_cents = register_cents
                existing.local_cents = contribution.amount_cents if contribution is not None else None
            return
        employee_id = contribution.employee_id if contribution is not None else None
        if entry is not None and employee_id is None:
            employee_id = self.staff.get(entry.get("person_id"))
        db.session.add(Difference(
            employer_id=self.employer.id, kind=kind, key=key, state=DifferenceState.OPEN,
            reference=(entry or {}).get("reference") or (contribution.reference if contribution else None),
            entry_id=(entry or {}).get("entry_id") or (contribution.entry_id if contribution else None),
            contribution_id=contribution.id if contribution is not None else None, employee_id=employee_id,
            entry_kind=(entry or {}).get("kind") or (contribution.kind if contribution else None),
            registry_id=(entry or {}).get("registry_id") or (contribution.registry_id if contribution else None),
            period=(entry or {}).get("period") or (contribution.period if contribution else None),
            local_cents=contribution.amount_cents if contribution is not None and kind != Outcome.UNKNOWN_IN_REGISTER
            else None,
            register_cents=register_cents, detail=scrub(detail)[:500] if detail else None,
            first_run_id=self.run.id, last_run_id=self.run.id))

    # 3. Local contributions the register does not list ----------------------------------------

    def _missing(self) -> None:
        seen = select(ReconciliationItem.contribution_id).where(ReconciliationItem.run_id == self.run.id,
                                                                 ReconciliationItem.contribution_id.is_not(None))
        after = 0
        while True:
            batch = list(db.session.scalars(
                self._local().where(Contribution.status.in_(LOCAL), Contribution.id > after,
                                    Contribution.id.not_in(seen)).order_by(Contribution.id).limit(BATCH)))
            if not batch:
                return
            items = []
            for contribution in batch:
                if contribution.status in TO_SUBMIT:
                    self.run.left += 1  # the register could not take it in this run's budget: next run
                    continue
                if contribution.status == ContributionStatus.BOOKED:
                    detail = f"Booked here as {contribution.entry_id}, but the register does not list it."
                else:
                    detail = contribution.last_error or "The register refused it."
                self._difference(Outcome.MISSING_IN_REGISTER, f"missing:{contribution.reference}",
                                 contribution=contribution, detail=detail)
                self.run.missing_in_register += 1
                items.append({"run_id": self.run.id, "outcome": Outcome.MISSING_IN_REGISTER.value,
                              "reference": contribution.reference, "entry_id": contribution.entry_id,
                              "contribution_id": contribution.id, "period": contribution.period,
                              "local_cents": contribution.amount_cents, "register_cents": None})
            if items:
                db.session.execute(insert(ReconciliationItem), items)
            self.run.progress_done += len(batch)
            after = batch[-1].id
            self._heartbeat()

    # 4. Differences no longer found ----------------------------------------------------------

    def _settle(self) -> None:
        db.session.execute(
            update(Difference).where(
                Difference.employer_id == self.employer.id, Difference.state == DifferenceState.OPEN,
                Difference.period >= self.first, Difference.period <= self.last,
                Difference.last_run_id != self.run.id)
            .values(state=DifferenceState.RESOLVED, resolution=Resolution.SETTLED, resolved_at=utcnow(),
                    last_run_id=self.run.id)
            .execution_options(synchronize_session=False))
        db.session.commit()
