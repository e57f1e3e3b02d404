"""Reconcile an employer's contributions with the national register (ledger-api.md, "What a
reconciliation is"). One run, for one employer and one period (or every period the register still books):

1. submit what is pending (``funding.submit``), each contribution booked exactly once;
2. read every register entry, page by page, and compare it with the local contribution of the same entry
   id (an entry linked or recorded by the accountant), else of the same reference: matched,
   amount_mismatch, unknown_in_register, reversed. Each page is one transaction: its items, the
   contributions the register shows booked (an answer lost on the way), reversals reflected in the
   budget, differences;
3. only after a COMPLETE read: the local contributions the register does not list (missing_in_register);
4. only when nothing is left to submit either: settle the open differences this run no longer finds.
   A read cut short (a fault, the time budget) ends the run ``incomplete`` and settles nothing.

Memory holds one page and the staff list. No transaction stays open while the register is asked. A run
holds the employer's lease (renewed before each page is written; a run that lost it stops), so two runs
never work on one employer at once, and a run killed half-way left only whole pages behind: the next run
does the rest and ends in the same state. Differences are kept once per key. One the accountant resolved
comes back when found again after a resolution that said it was in order (settled, resubmitted, linked,
recorded), or when the register's amount changed since it was accepted or written off.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import case, event, func, select, update

from ila_sme import dates, locks
from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import budget
from ila_sme.funding import services as funding
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.funding.periods import is_closed
from ila_sme.funding.register_lease import LEASE, AlreadyRunning, lock_name
from ila_sme.funding.submit import TO_SUBMIT, booked_at, submit_pending
from ila_sme.people.models import EmployeeRecord
from ila_sme.reconciliation.adjustments import reflect_reversal
from ila_sme.reconciliation.differences import DifferenceBook, clip
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

OPEN_MONTHS = 13  # the register books periods up to 13 months old (ledger-api.md, closed_period)
BATCH = 500
_ROW = (Contribution.id, Contribution.reference, Contribution.entry_id, Contribution.status, Contribution.amount_cents)
LOCAL = (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.BOOKED, ContributionStatus.FAILED)


class LeaseLost(AlreadyRunning):
    """This run's lease expired and another process took the employer over: this run stops at once."""


def register_month(day: date) -> str:
    """The register's period of a day, "YYYY-MM"."""
    return f"{day.year:04d}-{day.month:02d}"


def open_window(today: date) -> tuple[str, str]:
    """The first and last period the register still books: 13 months back to this month."""
    index = today.year * 12 + today.month - 1 - OPEN_MONTHS
    return f"{index // 12:04d}-{index % 12 + 1:02d}", register_month(today)


def queue_run(employer, *, requested_by, period: str | None = None) -> ReconciliationRun:
    """A run asked for on the reconciliation page; the scheduler process picks it up (caller commits).
    While one is queued or running for the employer, that one is returned: never two waiting."""
    waiting = db.session.scalar(select(ReconciliationRun).where(
        ReconciliationRun.employer_id == employer.id,
        ReconciliationRun.state.in_((RunState.QUEUED, RunState.RUNNING))).order_by(ReconciliationRun.id).limit(1))
    if waiting is not None:
        return waiting
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
    # Every request of the run ends within its time budget (plus a timeout): the lease outlives the
    # longest wait between two heartbeats, so a live run never loses it to another process.
    ttl = max(LEASE, timedelta(seconds=budget_seconds + 2 * current_app.config["LEDGER_TIMEOUT"] + 60))
    name = lock_name(employer)
    worker = None
    with _run_session():
        # The lease is taken in the run's first transaction, and given back in its last.
        if not (locks.renew(name, ttl=ttl) or locks.acquire(name, ttl=ttl)):
            db.session.rollback()
            raise AlreadyRunning(employer.name)
        try:
            run, worker = _start(employer, run, period, trigger, client, page_size, ttl, budget_seconds)
        finally:
            if worker is None or not worker.released:
                db.session.rollback()
                locks.release(name)
    return run


def _start(employer, run: ReconciliationRun | None, period: str | None, trigger: str, client: RegisterClient | None,
           page_size: int, ttl: timedelta, budget_seconds: float) -> tuple[ReconciliationRun, _Run | None]:
    """Start the run under the lease just taken (not committed yet) and carry it out."""
    now = utcnow()
    if run is None:
        _interrupt_stale(employer, keep=None)
        run = ReconciliationRun(employer_id=employer.id, period=period, trigger=trigger, state=RunState.RUNNING,
                                started_at=now, heartbeat_at=now, holder=locks.holder_id())
        db.session.add(run)
        db.session.flush()  # committed with the run's first counts (execute)
    else:  # a queued run: taken once (QUEUED -> RUNNING), never carried out twice
        taken = db.session.execute(
            update(ReconciliationRun).where(ReconciliationRun.id == run.id,
                                            ReconciliationRun.state == RunState.QUEUED)
            .values(state=RunState.RUNNING, started_at=now, heartbeat_at=now, holder=locks.holder_id())
            .execution_options(synchronize_session=False)).rowcount
        _interrupt_stale(employer, keep=run)
        db.session.commit()
        db.session.refresh(run)
        if taken != 1:
            return run, None
    run_id = run.id
    own_client = client is None
    client = client or RegisterClient.for_employer(employer)
    worker = _Run(run, employer, client, dates.today(), page_size, ttl)
    try:
        worker.execute(budget_seconds)
    except LeaseLost:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, run_id)
        _finish(run, RunState.INCOMPLETE, "Another process took this employer over after this run's lease "
                                          "expired; it does the rest.")
    except Exception as error:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, run_id)
        if run is not None:  # None: it failed before its first commit, and left nothing
            _finish(run, RunState.FAILED, f"{type(error).__name__}: {scrub(str(error))}")
        raise
    finally:
        if own_client:
            client.close()
    return run, worker


@contextmanager
def _run_session() -> Iterator[None]:
    """A run commits once per page. Its commits do not expire what the session holds (the employer, the run),
    which would be read again after each; what the run reads that another process may change (contributions,
    differences) is read with ``populate_existing``, and at the end everything is expired as a commit would.
    On PostgreSQL its commits do not wait for the disk (``synchronous_commit`` off, for its transactions
    only): a database crash may lose the last fraction of a second of them, never half of one, and what is
    lost is done again by the next run, the bookings too (same idempotency key, answered with the original
    entry)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    quick = db.engine.dialect.name == "postgresql"
    if quick:
        event.listen(session, "after_begin", _commit_without_flush)
    try:
        yield
    finally:
        if quick:
            event.remove(session, "after_begin", _commit_without_flush)
        session.expire_on_commit = before
        session.expire_all()


def _commit_without_flush(_session, _transaction, connection) -> None:
    connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def _interrupt_stale(employer, keep: ReconciliationRun | None) -> None:
    """Runs still marked running while we hold the employer's lease: their process died."""
    conditions = [ReconciliationRun.employer_id == employer.id, ReconciliationRun.state == RunState.RUNNING]
    if keep is not None:
        conditions.append(ReconciliationRun.id != keep.id)
    for run in db.session.scalars(select(ReconciliationRun).where(*conditions)):
        _finish(run, RunState.INTERRUPTED, "Its process stopped before the end; a later run does the work again.",
                commit=False)


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


class _Run:
    def __init__(self, run: ReconciliationRun, employer, client: RegisterClient, today: date, page_size: int,
                 ttl: timedelta = LEASE):
        self.run, self.employer, self.client, self.page_size, self.ttl = run, employer, client, page_size, ttl
        self.released = False  # the lease, given back with the run's last transaction
        self.first, self.last = (run.period, run.period) if run.period else open_window(today)
        self.book = DifferenceBook(employer.id, run.id, lambda: dict(db.session.execute(
            select(EmployeeRecord.national_number, EmployeeRecord.id).where(
                EmployeeRecord.employer_id == employer.id)).all()))

    def in_scope(self, period: str | None) -> bool:
        return bool(period) and self.first <= period <= self.last

    def _local(self):
        return select(Contribution).where(Contribution.employer_id == self.employer.id,
                                          Contribution.period >= self.first, Contribution.period <= self.last)

    def _waiting(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.employer_id == self.employer.id, Contribution.status.in_(TO_SUBMIT)))

    def _renew(self) -> None:
        """Renew the lease BEFORE writing what was just read, in the same transaction: a run that lost it
        writes nothing more."""
        name = lock_name(self.employer)
        if not (locks.renew(name, ttl=self.ttl) or locks.acquire(name, ttl=self.ttl)):
            raise LeaseLost(self.employer.name)

    def _commit(self) -> None:
        self.run.heartbeat_at = utcnow()
        db.session.commit()

    def _tick(self) -> None:
        """After each contribution sent: the progress bar moves. The lease (taken for longer than the whole
        budget) is renewed page by page, not once per contribution."""
        self.run.progress_done += 1
        self._commit()

    def _stop(self, message: str) -> None:
        """Incomplete: what was read stays (whole pages); nothing is looked for as missing, nothing settled."""
        db.session.rollback()
        run = self.run = db.session.get(ReconciliationRun, self.run.id)
        run.left = self._waiting()
        self._end(RunState.INCOMPLETE, scrub(message))

    def _end(self, state: str, error: str | None = None) -> None:
        """The run's last transaction: finished, and the lease given back with it."""
        locks.release(lock_name(self.employer), commit=False)
        _finish(self.run, state, error)
        self.released = True

    def execute(self, budget_seconds: float) -> None:
        run = self.run
        in_window = Contribution.period.between(self.first, self.last) & Contribution.status.in_(LOCAL)
        local, waiting = db.session.execute(select(
            func.count(case((in_window, 1))), func.count(case((Contribution.status.in_(TO_SUBMIT), 1))))
            .where(Contribution.employer_id == self.employer.id)).one()
        run.progress_total, run.progress_done = waiting + local, 0
        run.phase = Phase.SUBMITTING if waiting else Phase.READING
        db.session.commit()

        deadline = time.monotonic() + budget_seconds
        why = ""
        if waiting:
            submitted = submit_pending(self.employer, now=utcnow(), budget_seconds=budget_seconds,
                                       client=self.client, progress=self._tick)
            run = self.run = db.session.get(ReconciliationRun, run.id)
            run.booked, run.failed = submitted.booked, submitted.failed
            why = f": {submitted.error}" if submitted.error else ""
            run.phase = Phase.READING
            db.session.commit()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self._stop(f"The time budget ran out before the register's entries could be read{why}")
            return
        self.client.set_budget(remaining)  # the reads share the run's budget
        number, period = self.employer.enterprise_number, run.period  # no transaction stays open on a request

        try:
            for page in self.client.entry_pages(number, period, page_size=self.page_size):
                self._renew()
                self._page(page)
                if getattr(self.client, "more", True):
                    self._commit()
                # else the last page: its transaction goes on with the check and the end (no request is made
                # before they commit); a small employer's run is two transactions
        except RegisterError as error:
            code = f"{error.code}: " if error.code else ""
            self._stop(f"The register could not be read: {code}{error}")
            return

        run.phase = Phase.CHECKING  # committed with the last page, the check's batch or the end
        self._missing(renewed=True)
        run.left = self._waiting()
        if run.left:
            self._end(RunState.INCOMPLETE, scrub(f"Some contributions wait for the next run{why}"))
            return
        self._settle()
        self._end(RunState.DONE)  # one commit: settled, done and the lease given back

    # 2. The register's entries, one page (one transaction) at a time -------------------------

    def _page(self, page: list[dict]) -> None:
        """The contributions of the page are read as plain rows; an entry that matches a booked contribution
        to the cent (nearly all of them) is written as an item and nothing more. Only the others load their
        contribution as an object, for what follows from them (booked now, reversed, a difference)."""
        entries = [e for e in page if isinstance(e, dict) and e.get("entry_id") and not e.get("reverses")
                   and self.in_scope(e.get("period"))]
        references = {e["reference"] for e in entries if e.get("reference")}
        ids = {e["entry_id"] for e in entries}
        by_reference, by_entry = {}, {}
        if references:  # through the (employer, reference) index
            for row in db.session.execute(select(*_ROW).where(Contribution.employer_id == self.employer.id,
                                                               Contribution.reference.in_(references))):
                by_reference[row.reference] = row
                if row.entry_id in ids:
                    by_entry[row.entry_id] = row
        # An entry whose reference names no contribution holding it may be held under another reference
        # (linked or recorded by the accountant): looked for by entry id, those entries only.
        others = ids - by_entry.keys()
        if others:
            for row in db.session.execute(select(*_ROW).where(Contribution.employer_id == self.employer.id,
                                                               Contribution.entry_id.in_(others))):
                by_entry[row.entry_id] = row
        found, slow = [], set()
        for entry in entries:
            # The entry id first: an entry linked (or recorded) here under another reference is that one.
            row = by_entry.get(entry["entry_id"]) or by_reference.get(entry.get("reference"))
            cents = _cents(entry.get("amount"))
            if row is not None and not (row.status == ContributionStatus.BOOKED and cents == row.amount_cents
                                        and row.entry_id == entry["entry_id"] and entry.get("status") != "reversed"):
                slow.add(row.id)
            found.append((entry, row, cents))
        objects = {}
        if slow:
            objects = {c.id: c for c in db.session.scalars(select(Contribution).where(Contribution.id.in_(slow))
                                                           .execution_options(populate_existing=True))}
        items, outcomes = [], Counter()
        for entry, row, cents in found:
            if row is not None and row.id not in slow:
                outcome = Outcome.MATCHED
            else:
                outcome, contribution = self._compare(entry, objects.get(row.id) if row is not None else None)
                row = contribution
            outcomes[outcome] += 1
            items.append({"run_id": self.run.id, "outcome": outcome.value,
                          "reference": clip(entry.get("reference"), 64), "entry_id": clip(entry["entry_id"], 60),
                          "contribution_id": row.id if row is not None else None,
                          "period": entry.get("period"), "register_cents": cents,
                          "local_cents": row.amount_cents if row is not None else None})
        self.book.write()
        if items:
            db.session.execute(ReconciliationItem.__table__.insert(), items)
        for outcome, count in outcomes.items():  # the run's counters last: one UPDATE of it per page
            setattr(self.run, outcome.value, self.run.count(outcome) + count)
        self.run.entries_read += len(page)
        self.run.progress_done += len(entries)
        self.run.progress_total = max(self.run.progress_total, self.run.progress_done)  # entries unknown here

    def _compare(self, entry: dict, contribution: Contribution | None) -> tuple[Outcome, Contribution | None]:
        """The outcome, and the local contribution this entry stands for (None: not one of ours)."""
        register_cents = _cents(entry.get("amount"))
        reversed_there = entry.get("status") == "reversed"
        entry_id = entry["entry_id"]
        other_entry = contribution is not None and contribution.entry_id not in (None, entry_id)
        if contribution is None or contribution.status == ContributionStatus.CANCELLED or other_entry:
            if reversed_there:
                return Outcome.REVERSED, None  # booked and reversed there: nothing is left to account for
            detail = None
            if other_entry:
                detail = ("also_holds", {"reference": contribution.reference, "entry": contribution.entry_id})
            elif contribution is not None:
                detail = ("after_cancel", {"reference": contribution.reference})
            self.book.keep(Outcome.UNKNOWN_IN_REGISTER, f"unknown:{entry_id}", entry=entry,
                             contribution=None if other_entry else contribution, register_cents=register_cents,
                             detail=detail)
            return Outcome.UNKNOWN_IN_REGISTER, None
        if reversed_there:
            self._reflect_reversal(contribution, entry)
            self.book.keep(Outcome.REVERSED, f"reversed:{entry_id}", entry=entry, contribution=contribution,
                             register_cents=register_cents)
            return Outcome.REVERSED, contribution
        if contribution.status in (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.FAILED):
            funding.mark_booked(contribution, entry_id=entry_id, booked_at=booked_at(entry, utcnow()))
        if register_cents != contribution.amount_cents:
            self.book.keep(Outcome.AMOUNT_MISMATCH, f"amount:{entry_id}", entry=entry,
                             contribution=contribution, register_cents=register_cents)
            return Outcome.AMOUNT_MISMATCH, contribution
        return Outcome.MATCHED, contribution

    def _reflect_reversal(self, contribution: Contribution, entry: dict) -> None:
        """The register reversed it: the contribution is reversed here too, and the budget gets it back."""
        if contribution.status == ContributionStatus.REVERSED:
            return
        if contribution.status == ContributionStatus.BOOKED and is_closed(contribution.employer_id,
                                                                         contribution.period):
            reflect_reversal(contribution, entry["entry_id"])  # the closed month stays as it was
            return
        was_booked = contribution.status == ContributionStatus.BOOKED
        before = contribution.status
        contribution.status = ContributionStatus.REVERSED
        contribution.entry_id = contribution.entry_id or entry["entry_id"]
        if was_booked:
            budget.correct(contribution, -contribution.amount)
        else:
            budget.release(contribution.funding_request, contribution.amount, contribution=contribution)
        record("contribution.reversed", employer_id=contribution.employer_id, obj=contribution,
               before={"status": before}, after={"status": contribution.status, "entry_id": entry["entry_id"]})

    # 3. Local contributions the register does not list (after a complete read only) -----------

    def _missing(self, *, renewed: bool = False) -> None:
        """``renewed``: the lease was renewed in the transaction at hand (the last page's)."""
        seen = select(ReconciliationItem.contribution_id).where(ReconciliationItem.run_id == self.run.id,
                                                                 ReconciliationItem.contribution_id.is_not(None))
        after = 0
        while True:
            if not renewed:
                self._renew()
            renewed = False
            batch = list(db.session.scalars(
                self._local().where(Contribution.status.in_(LOCAL), Contribution.id > after,
                                    Contribution.id.not_in(seen)).order_by(Contribution.id).limit(BATCH)
                .execution_options(populate_existing=True)))
            if not batch:
                return
            items = []
            for contribution in batch:
                if contribution.status in TO_SUBMIT:
                    continue  # the register could not take it in this run's budget: the next run sends it
                if contribution.status == ContributionStatus.BOOKED:
                    detail = ("not_listed", {"entry": contribution.entry_id})
                else:
                    detail = ("refused", {"reason": contribution.last_error or "?"})
                self.book.keep(Outcome.MISSING_IN_REGISTER, f"missing:{contribution.reference}",
                                 contribution=contribution, detail=detail)
                self.run.missing_in_register += 1
                items.append({"run_id": self.run.id, "outcome": Outcome.MISSING_IN_REGISTER.value,
                              "reference": contribution.reference, "entry_id": contribution.entry_id,
                              "contribution_id": contribution.id, "period": contribution.period,
                              "local_cents": contribution.amount_cents, "register_cents": None})
            self.book.write()
            if items:
                db.session.execute(ReconciliationItem.__table__.insert(), items)
            self.run.progress_done += len(batch)
            after = batch[-1].id
            self._commit()

    # 4. Differences no longer found (a complete run only) -------------------------------------

    def _settle(self) -> None:
        db.session.execute(
            update(Difference).where(
                Difference.employer_id == self.employer.id, Difference.state == DifferenceState.OPEN,
                Difference.period >= self.first, Difference.period <= self.last,
                Difference.last_run_id != self.run.id)
            .values(state=DifferenceState.RESOLVED, resolution=Resolution.SETTLED, resolved_at=utcnow(),
                    last_run_id=self.run.id)
            .execution_options(synchronize_session=False))
