from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class RegistrySyncRun(db.Model):
    """One mirror of the register's training registry (a sync or a file import), with its counts."""

    __tablename__ = "registry_sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "register" | "file"
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    # The highest updated_at seen: the next sync asks for what changed since.
    watermark: Mapped[str | None] = mapped_column(String(40))
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))

    @property
    def failed(self) -> bool:
        return self.state == "failed"
