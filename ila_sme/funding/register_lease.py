"""The employer's register lease: submitting the contributions (``funding.submit``) and reconciling them
(``reconciliation.engine``) both take it, so that two processes never work on one employer's register
entries at once. It lives here, below the reconciliation, because the submit command takes it too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from ila_sme import locks
from ila_sme.extensions import db

LEASE = timedelta(minutes=5)


class AlreadyRunning(Exception):
    """Another process reconciles (or submits for) this employer right now."""


def lock_name(employer) -> str:
    return f"employer-register:{employer.id}"


@contextmanager
def employer_lock(employer, ttl: timedelta = LEASE) -> Iterator[None]:
    """Hold the employer's register lease (reconcile and submit take it): AlreadyRunning if taken."""
    name = lock_name(employer)
    if not locks.acquire(name, ttl=ttl):
        raise AlreadyRunning(employer.name)
    try:
        yield
    finally:
        db.session.rollback()
        locks.release(name)
