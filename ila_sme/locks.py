"""Leases: named locks in the database, so that two processes (two schedulers started by mistake, two
reconcile commands) never do the same work at once.

A lease is held until it expires; its holder renews it while it works. A holder is ``host:pid``: a
lease whose holder is a process of this host that no longer exists (killed with SIGKILL, say) is free
at once, without waiting for it to expire. Taking a lease is one guarded UPDATE, atomic on SQLite and
PostgreSQL alike. Infrastructure of the core: the scheduler and the reconciliation both hold leases.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import String, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class Lease(db.Model):
    """A named lock held until ``expires_at`` (renewed by its holder's heartbeat)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str | None) -> bool:
    """False only when we can tell: a process of this host that does not exist any more."""
    if not holder or ":" not in holder:
        return False
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(name: str, *, holder: str | None = None, ttl: timedelta = timedelta(minutes=2)) -> bool:
    """Take (or renew) the lease ``name``; commits. True when ``holder`` holds it now."""
    holder = holder or holder_id()
    if renew(name, holder=holder, ttl=ttl):  # one statement when it is free or ours: the usual case
        db.session.commit()
        return True
    _ensure(name)
    now = utcnow()
    free = [Lease.holder.is_(None), Lease.holder == holder, Lease.expires_at < now]
    current = db.session.scalar(select(Lease.holder).where(Lease.name == name))
    if current and current != holder and not holder_alive(current):
        free.append(Lease.holder == current)
    result = db.session.execute(
        update(Lease).where(Lease.name == name, or_(*free))
        .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def renew(name: str, *, holder: str | None = None, ttl: timedelta = timedelta(minutes=2)) -> bool:
    """Take or renew the lease ``name`` when it is free, expired or already ``holder``'s, in the caller's
    transaction (the caller commits). False when it does not exist yet or another holder has it: then
    ``acquire`` finds out whether that holder is alive."""
    now = utcnow()
    result = db.session.execute(
        update(Lease).where(Lease.name == name, or_(Lease.holder.is_(None), Lease.holder == (holder or holder_id()),
                                                    Lease.expires_at < now))
        .values(holder=holder or holder_id(), acquired_at=now, expires_at=now + ttl)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release(name: str, *, holder: str | None = None, commit: bool = True) -> None:
    """``commit=False``: released with the caller's transaction (its last one)."""
    db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == (holder or holder_id()))
                       .values(holder=None, expires_at=None).execution_options(synchronize_session=False))
    if commit:
        db.session.commit()


def current(name: str) -> Lease | None:
    """The lease if someone holds it now (not expired, holder not known dead)."""
    lease = db.session.get(Lease, name)
    if lease is None or lease.holder is None or lease.expires_at is None or lease.expires_at < utcnow():
        return None
    return lease if holder_alive(lease.holder) else None


def _ensure(name: str) -> None:
    if db.session.get(Lease, name) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(Lease(name=name))
    except IntegrityError:
        pass  # another process created it first
    db.session.commit()
