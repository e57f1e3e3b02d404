"""Writing audit events. Every state change of every feature goes through ``record``."""

from __future__ import annotations

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db


def record(
    action: str,
    *,
    actor=None,
    employer_id: int | None = None,
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (the caller commits).

    ``before``/``after`` must already be safe to keep: national numbers masked.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        employer_id=employer_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose value changed."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}
