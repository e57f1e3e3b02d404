"""Submit an employer's contributions to the national register, each booked exactly once.

For every contribution still ``pending`` or ``sent`` (oldest first), in its own transaction:

1. mark it ``sent`` and COMMIT before the request, so that a crash leaves it ``sent``: the next run
   sends it again with the SAME idempotency key and body and gets the original entry back (200);
2. POST it; on 201/200 the budget's reservation becomes consumption (``services.mark_booked``);
3. ``409 duplicate_reference``: the register already holds this reference (booked under another key):
   read that entry and mark it booked with its id, never book again;
4. ``409 idempotency_conflict`` or a ``422``/``400``: the register refuses it; the contribution is
   ``failed`` with a plain stored reason (the register's code and sentence, scrubbed);
5. the register cannot answer within the run's time budget (429/503, timeouts, dropped connections):
   it stays ``sent`` and the run stops; the rest is left for the next run.

This is a job: it commits (one transaction per contribution). The national number is the
register's person id: it goes into the request body only, never into a stored error or a log line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution, ContributionStatus, Kind
from ila_sme.money import from_cents
from ila_sme.register.client import RegisterClient, RegisterError, scrub

TO_SUBMIT = (ContributionStatus.PENDING.value, ContributionStatus.SENT.value)
REFUSALS = {
    "idempotency_conflict": "The register already received this key with other content; nothing was booked.",
    "unknown_person": "The register does not know this person.",
    "not_employed": "The register does not list this person as employed by us in that period.",
    "invalid_amount": "The register refuses the amount.",
    "closed_period": "The period is closed at the register (older than 13 months or in the future).",
    "unknown_training": "The register does not know this training.",
    "invalid_request": "The register refuses the request as malformed.",
}
WHOLE_EMPLOYER = (401, 403)  # the token is wrong or not this employer's: no use trying the others


@dataclass
class SubmitCounts:
    booked: int = 0  # booked now (201), or found booked at the register (200 replay, duplicate reference)
    failed: int = 0  # refused by the register: see the contribution's last_error
    left: int = 0  # left for the next run (pending or sent): the register could not answer in time
    error: str | None = None  # why the run stopped early (scrubbed), if it did

    @property
    def ok(self) -> bool:
        return self.error is None and self.left == 0


def payload(contribution: Contribution, employer) -> dict:
    """The contract's body for this contribution: the same dict (and bytes) on every attempt."""
    body = {
        "employer_id": employer.enterprise_number,
        "person_id": contribution.employee.national_number,
        "amount": f"{from_cents(contribution.amount_cents):.2f}",
        "currency": contribution.currency,
        "period": contribution.period,
        "reference": contribution.reference,
        "kind": contribution.kind,
    }
    if contribution.kind == Kind.COURSE_FEE or contribution.registry_id:
        body["registry_id"] = contribution.registry_id
    return body


BATCH = 200


def _waiting(employer, after_id: int = 0):
    return select(Contribution).where(Contribution.employer_id == employer.id, Contribution.status.in_(TO_SUBMIT),
                                      Contribution.id > after_id)


def submit_pending(employer, *, now: datetime, budget_seconds: float, client: RegisterClient | None = None,
                   progress: Callable[[], None] | None = None) -> SubmitCounts:
    """Send the employer's pending and sent contributions, oldest first, until done or until the time budget
    is spent; ``progress()`` is called after each one (the reconciliation's progress bar). They are read in
    batches, so memory does not grow with their number."""
    counts = SubmitCounts()
    batch = list(db.session.scalars(_waiting(employer).order_by(Contribution.id).limit(BATCH)))
    if not batch:
        return counts
    own_client = client is None
    client = client or RegisterClient.for_employer(employer)
    client.set_budget(budget_seconds)
    try:
        while batch:
            for contribution in batch:
                last_id = contribution.id
                outcome = _submit_one(client, employer, contribution, now)
                if progress is not None:
                    progress()
                if outcome is None:
                    continue  # cancelled or booked by another run meanwhile
                if outcome == "booked":
                    counts.booked += 1
                elif outcome == "failed":
                    counts.failed += 1
                else:
                    counts.left = db.session.scalar(select(func.count()).select_from(
                        _waiting(employer, last_id - 1).subquery()))
                    counts.error = outcome
                    return counts
            batch = list(db.session.scalars(_waiting(employer, last_id).order_by(Contribution.id).limit(BATCH)))
    finally:
        if own_client:
            client.close()
    return counts


def _submit_one(client: RegisterClient, employer, contribution: Contribution, now: datetime) -> str | None:
    """'booked', 'failed', the reason (scrubbed) why this one and the rest wait for the next run, or None
    when it is no longer to be sent (cancelled or booked meanwhile)."""
    contribution_id, reference = contribution.id, contribution.reference
    if not _mark_sent(contribution):
        return None
    body, key = payload(contribution, employer), contribution.idempotency_key
    db.session.commit()  # no transaction stays open while the register is asked
    try:
        try:
            entry = client.book_contribution(body, key)
        except RegisterError as error:
            if error.status != 409 or error.code != "duplicate_reference":
                raise
            entry = client.entry(body["employer_id"], entry_id=error.entry_id, reference=reference,
                                 period=body["period"]) or client.entry(body["employer_id"],
                                                                        entry_id=error.entry_id, reference=reference)
            if entry is None and error.entry_id is None:
                raise RegisterError("the register reports this reference as booked but does not list it",
                                    code="duplicate_reference", retryable=True) from error
            entry = entry or {"entry_id": error.entry_id}
    except RegisterError as error:
        db.session.rollback()
        contribution = db.session.get(Contribution, contribution_id)
        if error.retryable or error.status in WHOLE_EMPLOYER or error.status is None:
            _note(contribution, error)
            return _reason(error)
        _fail(contribution, error)
        return "failed"
    except Exception:
        db.session.rollback()
        raise
    try:
        services.mark_booked(contribution, entry_id=entry["entry_id"], booked_at=booked_at(entry, now))
    except services.FundingError:
        # Cancelled here while its request was on its way: the register booked it all the same. The
        # reconciliation shows it (unknown in the app); nothing is consumed from the budget here.
        db.session.rollback()
        contribution = db.session.get(Contribution, contribution_id)
        contribution.last_error = scrub(f"booked at the register as {entry['entry_id']} after it was "
                                        f"{contribution.status} here: to reconcile")[:500]
        db.session.commit()
        return "failed"
    contribution.last_error = None
    db.session.commit()
    return "booked"


def _mark_sent(contribution: Contribution) -> bool:
    """Mark it sent and commit, unless it changed meanwhile (cancelled, booked by another run)."""
    result = db.session.execute(
        update(Contribution).where(Contribution.id == contribution.id, Contribution.status.in_(TO_SUBMIT))
        .values(status=ContributionStatus.SENT).execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(contribution)
    return result.rowcount == 1


def _reason(error: RegisterError) -> str:
    code = f"{error.code}: " if error.code else ""
    return scrub(f"{code}{error}")[:500]


def _note(contribution: Contribution, error: RegisterError) -> None:
    """Not refused, not booked: it stays sent, to be sent again with the same key; the reason is kept."""
    contribution.last_error = _reason(error)
    db.session.commit()


def _fail(contribution: Contribution, error: RegisterError) -> None:
    sentence = REFUSALS.get(error.code or "", str(error))
    contribution.status = ContributionStatus.FAILED
    contribution.last_error = scrub(f"{error.code or error.status}: {sentence}")[:500]
    record("contribution.failed", employer_id=contribution.employer_id, obj=contribution,
           after={"reason": contribution.last_error})
    db.session.commit()


def booked_at(entry: dict, now: datetime) -> datetime:
    """The register's booking time of an entry, or ``now`` when it gives none that can be read."""
    stamp = entry.get("booked_at")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    return now
