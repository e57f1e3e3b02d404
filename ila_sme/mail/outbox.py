"""Queue mail with the change that causes it; send it after the commit, with retries, never twice.

``queue_mail`` adds a row to the caller's session: it commits with the change, or rolls back with it.
``send_outbox`` sends what is due: it claims rows in a short transaction of its own (one statement:
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` on PostgreSQL; on SQLite the UPDATE takes the
write lock, so one sender at a time claims), commits, sends with no transaction open, and records each
outcome at once. A message whose attempt fails stays pending with its next attempt later (exponential
backoff) until ``MAIL_MAX_ATTEMPTS``, then it is failed; a refusal that a retry would meet again (a bad
address, a 5xx) fails it at once. The scheduler's ``mail-outbox`` job, ``flask --app app mail
send-outbox`` and, in development and tests, the request that queued the mail (after its response,
``hooks``) all send through here.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import func, or_, select, update

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.mail.models import MailState, OutboxMail
from ila_sme.mail.transport import Transport, build_message, is_permanent

log = logging.getLogger("ila_sme.mail")
SUPPRESSED = "ila_sme_mail_suppressed"
ERROR_LENGTH = 500
_ADDRESS = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+")
_LONG_NUMBER = re.compile(r"\d[\d .\-/]{7,}\d")


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def counts(self) -> dict:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


def queue_mail(to: str, subject: str, body: str, employer_id: int | None = None) -> OutboxMail | None:
    """The one way to send mail: a row in the caller's transaction (the caller commits; a rollback drops it).
    ``employer_id``: whose change caused it (default: the request's current employer, if any)."""
    if db.session.info.get(SUPPRESSED):
        return None
    if employer_id is None and has_request_context() and g.get("employer") is not None:
        employer_id = g.employer.id
    mail = OutboxMail(employer_id=employer_id, recipient=to, subject=subject[:500], body=body,
                      state=MailState.PENDING, attempts=0, next_attempt_at=utcnow())
    db.session.add(mail)
    return mail


@contextmanager
def suppressed() -> Iterator[None]:
    """Queue nothing inside (the demo's history describes the past: its mail is never sent)."""
    previous = db.session.info.get(SUPPRESSED)
    db.session.info[SUPPRESSED] = True
    try:
        yield
    finally:
        db.session.info[SUPPRESSED] = previous


def scrub(text: str) -> str:
    """An error fit to store and show to a platform admin: no address, no national number, one line."""
    text = _LONG_NUMBER.sub("[number]", _ADDRESS.sub("[address]", str(text)))
    return " ".join(text.split())[:ERROR_LENGTH]


def backoff(attempts: int, config: Mapping) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: the base, doubled each time, capped."""
    seconds = float(config["MAIL_RETRY_BASE_SECONDS"]) * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, float(config["MAIL_RETRY_MAX_SECONDS"])))


def due_count(now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(select(func.count()).select_from(OutboxMail).where(*_due(now)))


def _due(now: datetime):
    return (OutboxMail.state == MailState.PENDING, OutboxMail.next_attempt_at <= now,
            or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))


def claim(*, limit: int, now: datetime, ids: Collection[int] | None = None) -> str:
    """Claim up to ``limit`` due rows (only ``ids`` when given) for this sender and commit; the claim token."""
    session = db.session
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        raise RuntimeError("send the outbox with no change of your own pending: commit it first")
    session.commit()  # ends any read: the claim is the first statement of its own transaction
    token = uuid.uuid4().hex
    due = select(OutboxMail.id).where(*_due(now)).order_by(OutboxMail.id).limit(limit)
    if ids is not None:
        due = due.where(OutboxMail.id.in_(list(ids)))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed_until = now + timedelta(seconds=float(current_app.config["MAIL_CLAIM_SECONDS"]))
    db.session.execute(
        update(OutboxMail).where(OutboxMail.id.in_(due.scalar_subquery()), *_due(now))
        .values(claim_token=token, claimed_until=claimed_until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token


def send_outbox(*, limit: int = 100, ids: Collection[int] | None = None, now: datetime | None = None,
                echo: bool = False) -> SendResult:
    """Send the due messages (or only those of ``ids``): each at most once, whatever runs beside."""
    config = current_app.config
    result = SendResult()
    token = claim(limit=limit, now=now or utcnow(), ids=ids)
    batch = [(mail.id, mail.attempts, mail.recipient, mail.subject, mail.body) for mail in db.session.scalars(
        select(OutboxMail).where(OutboxMail.claim_token == token).order_by(OutboxMail.id))]
    db.session.commit()  # no transaction stays open while the mail server is asked
    if not batch:
        return result
    with Transport(config, echo=echo) as transport:
        for mail_id, attempts, recipient, subject, body in batch:
            try:
                transport.deliver(build_message(config, recipient, subject, body))
            except Exception as error:  # noqa: BLE001 - recorded on the row; the batch goes on
                _record_failure(mail_id, token, (attempts or 0) + 1, error, config, result)
            else:
                # Its body goes once sent: it may hold a signed link (a password reset) that must not outlive it.
                _record(mail_id, token, state=MailState.SENT, sent_at=utcnow(), last_error=None, body="")
                result.sent.append(mail_id)
    return result


def _record_failure(mail_id: int, token: str, attempts: int, error: Exception, config: Mapping,
                    result: SendResult) -> None:
    message = scrub(f"{type(error).__name__}: {error}")
    log.warning("mail %s, attempt %s, could not be sent: %s", mail_id, attempts, message)
    if is_permanent(error) or attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
        _record(mail_id, token, state=MailState.FAILED, attempts=attempts, last_error=message)
        result.failed.append(mail_id)
    else:
        _record(mail_id, token, attempts=attempts, last_error=message,
                next_attempt_at=utcnow() + backoff(attempts, config))
        result.retrying.append(mail_id)


def _record(mail_id: int, token: str, **values) -> None:
    """The outcome of one message, committed at once, and its claim released (only by its claimer)."""
    db.session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values).execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry(mail: OutboxMail) -> None:
    """An admin sends a failed message again: pending now, with a fresh count of attempts."""
    if not mail.is_failed:
        raise ValueError("only a failed message is retried")
    mail.state, mail.attempts, mail.next_attempt_at = MailState.PENDING, 0, utcnow()
    mail.claim_token = mail.claimed_until = None


def state_counts() -> dict[str, int]:
    counts = dict(db.session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all())
    return {state.value: counts.get(state.value, 0) for state in MailState}


def failed(employer_id: int, limit: int = 20) -> list[OutboxMail]:
    """The employer's failed mail, newest first (another employer's never shows)."""
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.state == MailState.FAILED,
                                                            OutboxMail.employer_id == employer_id)
                                   .order_by(OutboxMail.id.desc()).limit(limit)))
