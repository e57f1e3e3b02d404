"""Users, and the invitations that bring them in."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.mail.models import OutboxMail

_hasher = PasswordHasher()
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _password_hasher() -> PasswordHasher:
    return _fast_hasher if current_app.config.get("PASSWORD_HASH_FAST") else _hasher


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Stored in the session (and the remember cookie) at sign-in; bumping it ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")  # noqa: F821

    def __init__(self, **kwargs):
        if "email" in kwargs:
            kwargs["email"] = normalise_email(kwargs["email"])
        super().__init__(**kwargs)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return bool(self.active)

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the session and the remember cookie carry the version."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Every session and remember cookie of this user stops working (sign in again to continue)."""
        self.session_version = User.session_version + 1  # in SQL: two bumps at once both count

    def set_password(self, password: str) -> None:
        self.password_hash = _password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return _password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def roles_in(self, employer_id: int | None) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships if m.employer_id == employer_id)

    def employers(self) -> list:
        seen = {}
        for membership in self.memberships:
            seen.setdefault(membership.employer_id, membership.employer)
        return sorted(seen.values(), key=lambda employer: employer.name.lower())

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Invitation(db.Model):
    """An admin invites someone by e-mail; the signed link in the mail carries this row's id."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    employee_record_id: Mapped[int | None] = mapped_column(ForeignKey("employee_records.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id"))  # the latest mail of its link

    employer = relationship("Employer")
    invited_by = relationship("User", foreign_keys=[invited_by_id])
    mail = relationship(OutboxMail)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def mail_failed(self) -> bool:
        """Its latest mail could not be sent: the people screen says so and offers to send it again."""
        return self.mail is not None and self.mail.is_failed
