"""Opt-in (``MAIL_SEND_AFTER_RESPONSE``, off by default): the request that queued mail sends it right after its
response.

The request never waits for it: the sending runs when the server closes the response (werkzeug's
``call_on_close``), in its own app context, and nothing it raises reaches the request. It sends only the
rows this request committed, through ``outbox.send_outbox`` like the scheduler's job. By default (and in
production) it is off: the worker that sends would serve nobody meanwhile; the scheduler sends the outbox every
``MAIL_OUTBOX_POLL_SECONDS``, one SMTP connection per batch.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import event

from ila_sme.extensions import db
from ila_sme.mail import outbox
from ila_sme.mail.models import OutboxMail

log = logging.getLogger("ila_sme.mail")
FLUSHED = "ila_sme_mail_flushed"  # ids of outbox rows written in the open transaction
COMMITTED = "ila_sme_mail_committed"  # ids committed: the request sends them after its response


def _after_flush(session, _flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMail)]
    if ids:
        session.info.setdefault(FLUSHED, set()).update(ids)


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    flushed = session.info.pop(FLUSHED, None)
    if flushed:
        session.info.setdefault(COMMITTED, set()).update(flushed)


def _after_rollback(session) -> None:
    if not session.in_nested_transaction():  # a rolled back SAVEPOINT's rows are skipped by the claim
        session.info.pop(FLUSHED, None)


def send_quietly(app: Flask, ids: set[int]) -> None:
    """Send these rows now; a failure stays on the rows (the scheduler tries again), never raised."""
    try:
        with app.app_context():
            try:
                outbox.send_outbox(ids=ids, limit=len(ids), echo=not app.testing)
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - the response is gone; the rows wait for the next sender
        log.exception("the mail of a request could not be sent after its response; the outbox keeps it")


def _send_after_response(response):
    ids = db.session.info.pop(COMMITTED, None)
    if ids and current_app.config.get("MAIL_SEND_AFTER_RESPONSE"):
        app = current_app._get_current_object()
        response.call_on_close(lambda: send_quietly(app, ids))
    return response


def init_app(app: Flask) -> None:
    """Listen on the app's session (idempotent: the same listeners serve every app)."""
    for name, listener in (("after_flush", _after_flush), ("after_commit", _after_commit),
                           ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.after_request(_send_after_response)
