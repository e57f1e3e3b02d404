"""The statement as a Dutch accountant reads it: nothing cut in the PDF, numbers and dates in the document's
language, and every time on a Brussels clock (CSV, XLSX and PDF)."""

from __future__ import annotations

from datetime import UTC, datetime

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.statements import vov_account_audit
from ila_sme.statements.csvout import cell
from ila_sme.statements.report import MOMENT
from tests import factories
from tests.statements.helpers import csv_rows, export, pdf_text, workbook

# 22:30 UTC on 1 July is half past midnight on 2 July in Brussels (summer time).
LATE = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)


def _long_texts(books):
    """A register entry id as long as the register makes them, and an outcome longer than its column."""
    contribution = books.contributions[0]
    contribution.entry_id = "L-7E26EE03C50BB4A1"
    db.session.commit()
    return contribution


def test_the_pdf_never_cuts_a_cell(books):
    contribution = _long_texts(books)
    text, _ = pdf_text(export(books, "2026-07", "pdf", language="nl")[0])
    assert "L-7E26EE03C50BB4A1" in text and contribution.reference in text
    assert "~" not in text
    # the outcome "In overeenstemming" wraps inside its cell instead of ending in "In overeenstem~"
    assert "In overeenstemming" in text.replace("\n", " ")


def test_a_long_training_title_wraps_and_is_read_whole(books):
    training = factories.training(title="Boekhouden en fiscaliteit voor kleine en middelgrote ondernemingen, "
                                        "niveau gevorderd met praktijkcases")
    books.book(books.wim, period="2026-07", cents=1000, day=20, kind="course-fee", training=training)
    text, _ = pdf_text(export(books, "2026-07", "pdf", language="nl")[0])
    words = " ".join(text.split())
    assert ("Boekhouden en fiscaliteit voor kleine en middelgrote ondernemingen, niveau gevorderd met "
            "praktijkcases") in words


def test_the_pdf_writes_numbers_and_dates_in_dutch(books):
    text, _ = pdf_text(export(books, "2026-Q3", "pdf", language="nl")[0])
    assert "Bedrag (EUR)" in text
    assert "150,00" in text and "1.523,94" in text  # amounts in a column: the Dutch decimal comma
    assert "€ 1.523,94" in text  # an amount standing alone, with its currency
    assert "€ 10.000,00" in text  # the budget position
    assert "03-07-2026" in text  # dates as a Dutch reader writes them
    assert "1 523.94" not in text and "1523.94" not in text


def test_the_pdf_writes_numbers_in_french(books):
    text, _ = pdf_text(export(books, "2026-Q3", "pdf", language="fr")[0])
    assert "1 523,94 €" in text and "03/07/2026" in text


def test_generated_at_is_on_a_brussels_clock_in_every_format(books):
    csv = csv_rows(export(books, "2026-07", "csv", language="nl", generated_at=LATE)[0], ";")
    assert ["Aangemaakt op", "2026-07-02 00:30:00 CEST"] in csv
    sheet = workbook(export(books, "2026-07", "xlsx", language="nl", generated_at=LATE)[0])
    assert ("Aangemaakt op", "2026-07-02 00:30:00 CEST") in [(row[0].value, row[1].value)
                                                              for row in sheet.iter_rows(max_col=2)]
    text, _ = pdf_text(export(books, "2026-07", "pdf", language="nl", generated_at=LATE)[0])
    assert "Aangemaakt op: 2 jul 2026, 00:30:00" in text and "22:30" not in text


def test_a_booking_late_in_the_evening_is_dated_by_the_brussels_day(books):
    contribution = books.book(books.wim, period="2026-07", cents=700, day=1)
    contribution.booked_at = LATE
    db.session.commit()
    rows = csv_rows(export(books, "2026-07", "csv", language="nl")[0], ";")
    line = next(row for row in rows if contribution.reference in row)
    assert line[0] == "2026-07-02"


def test_the_audit_export_shows_brussels_time(books):
    db.session.add(AuditEvent(employer_id=books.employer.id, actor_id=books.admin.id, action="test.late",
                              occurred_at=LATE))
    db.session.commit()
    report = vov_account_audit.audit_log(books.employer, start=LATE.date().replace(day=2),
                                         end=LATE.date().replace(day=2), language="nl")
    rows = [row for row in report.rows() if row[2] == "test.late"]  # the Brussels day 2 July holds it
    assert [cell(row[0], MOMENT, ";") for row in rows] == ["2026-07-02 00:30:00 CEST"]
