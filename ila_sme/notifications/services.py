"""Tell a user something: an in-app notification now, and a mail in the outbox of the same transaction."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.mail import queue_mail
from ila_sme.notifications.models import Notification
from ila_sme.urls import local_path


def notify(user, employer, *, subject, body, link: str | None = None, mail: bool = True) -> Notification:
    """``subject`` and ``body`` are callables so they are translated, and their dates and amounts written, in
    the recipient's language. ``link``: from ``urls.absolute_url``, the full URL in the mail; the notification
    keeps its path, which the app's own pages link to wherever they are served."""
    language = user.language or employer.default_language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject_text, body_text = str(subject()), str(body())
    notification = Notification(user_id=user.id, employer_id=employer.id, message=subject_text,
                                link=local_path(link))
    db.session.add(notification)
    if mail and user.is_active:
        queue_mail(user.email, subject_text, body_text)
    return notification


def unread_count(user, employer) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.employer_id == employer.id, Notification.read_at.is_(None)
        )
    )


def recent(user, employer, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.employer_id == employer.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user, employer) -> int:
    result = db.session.execute(
        update(Notification).where(
            Notification.user_id == user.id, Notification.employer_id == employer.id, Notification.read_at.is_(None)
        ).values(read_at=utcnow())
    )
    return result.rowcount
