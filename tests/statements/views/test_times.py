"""Times on the statements page are read on a Brussels clock, in the reader's language: a month closed at
22:30 UTC on 1 July 2026 was closed at half past midnight on 2 July in Brussels (summer time)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding.models import ClosedPeriod
from tests.statements.views.conftest import text, token

LATE = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)


def _close_late(client, books) -> None:
    client.post("/statements/close", data={"period": "2026-09", "csrf_token": token(client)})
    closed = db.session.scalar(select(ClosedPeriod).where(ClosedPeriod.employer_id == books.employer.id))
    closed.closed_at = LATE
    db.session.commit()


def test_a_closing_time_shows_in_brussels_time_in_dutch(client, auth, books):
    books.accountant.language = "nl"
    db.session.commit()
    auth.login(books.accountant)
    _close_late(client, books)
    page = text(client.get("/statements?period=2026-09").get_data(as_text=True))
    assert "2026-09 afgesloten op 02-07-2026, 00:30 door Alex Accountant" in page
    assert "22:30" not in page and "01-07-2026" not in page


def test_an_english_time_has_an_unambiguous_date(client, auth, books):
    auth.login(books.accountant)
    _close_late(client, books)
    page = text(client.get("/statements?period=2026-09").get_data(as_text=True))
    assert "Jul 2, 2026, 12:30" in page and "7/2/26" not in page and "7/1/26" not in page
