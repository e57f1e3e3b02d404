"""A GET never writes: the guard that makes a write during a safe request impossible to miss.

During a request whose method is safe (GET, HEAD, OPTIONS), the database session refuses to
flush new, changed or deleted rows and to execute an INSERT, UPDATE or DELETE: it raises
``WriteOnSafeRequest`` in development and tests, and logs an error in production (where the
write then goes ahead, so a user is never shown an error for it). Rows a page needs exist because
set-up or a job made them.

A view that must write on GET by design says so, with its reason, through ``@writes_on_get``:
the list of those is short and deliberate (``exemptions``). ``request_may_write()`` tells whether
the current request may write at all (an unsafe method, or an exempt view): a transaction that
may write can start as one (e.g. SQLite's ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event

from ila_sme.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("ila_sme.readonly")


class WriteOnSafeRequest(RuntimeError):
    """A GET (or HEAD, OPTIONS) request tried to write to the database."""


def writes_on_get(reason: str) -> Callable:
    """Mark a view that writes on GET by design (e.g. what a calendar app's feed fetch records)."""
    if not reason or not reason.strip():
        raise ValueError("an exemption needs its reason")

    def mark(view: Callable) -> Callable:
        view.writes_on_get = reason
        return view

    return mark


def exemption(app: Flask, endpoint: str | None) -> str | None:
    """The reason the view of ``endpoint`` may write on GET, or None."""
    view = app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "writes_on_get", None)


def exemptions(app: Flask) -> dict[str, str]:
    """Every endpoint allowed to write on GET, with its reason."""
    return {endpoint: reason for endpoint in app.view_functions
            if (reason := exemption(app, endpoint)) is not None}


def request_may_write() -> bool:
    """Outside a request (CLI, jobs), on an unsafe method, or in an exempt view: True."""
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or exemption(current_app, request.endpoint) is not None


def _refuse(what: str) -> None:
    message = (f"{request.method} {request.path} ({request.endpoint}) {what}: a {request.method} request never "
               "writes. Create the rows at set-up or in a job, make the action a POST, or mark the view with "
               "@writes_on_get(reason).")
    if current_app.config.get("ENV_NAME") == "production":
        log.error(message)
        return
    raise WriteOnSafeRequest(message)


def _before_flush(session, flush_context, instances) -> None:
    if request_may_write():
        return
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    if session.new or changed or session.deleted:
        kinds = sorted({type(obj).__name__ for obj in (*session.new, *changed, *session.deleted)})
        _refuse(f"would write {', '.join(kinds)}")


def _before_execute(orm_execute_state) -> None:
    if (orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete) \
            and not request_may_write():
        _refuse(f"would execute {type(orm_execute_state.statement).__name__}")


def init_app(app: Flask) -> None:
    """Listen on the app's session (idempotent: the same listeners serve every app)."""
    for name, listener in (("before_flush", _before_flush), ("do_orm_execute", _before_execute)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
