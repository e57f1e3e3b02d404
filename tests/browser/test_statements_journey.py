"""The accountants' statements in a real Chromium: the accountant opens Statements, picks the last quarter
of 2025 and the XLSX format, sees the totals preview (htmx), downloads the file, and the workbook's total
is the total the preview showed."""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord
from ila_sme.statements.models import StatementExport
from tests.browser._support import menu, sign_in, skip_without_chromium
from tests.statements.views.conftest import book

skip_without_chromium()


def _books(server) -> None:
    """Three co-fundings booked at the register in the fourth quarter of 2025 (today: 2 March 2026)."""
    with server.app.app_context():
        employer = db.session.scalar(db.select(Employer))
        admin = next(m.user for m in employer.memberships if m.role == "admin")
        jan, piet = (db.session.scalar(db.select(EmployeeRecord).where(EmployeeRecord.first_name == name))
                     for name in ("Jan", "Piet"))
        book(employer, jan, admin, period="2025-10", cents=25000, day=6)
        book(employer, piet, admin, period="2025-11", cents=12345, day=18, vouchers_cents=3000)
        book(employer, jan, admin, period="2025-12", cents=40010, day=2)
        db.session.remove()


def _settled(page) -> None:
    """The statement region's htmx request is answered and its new content settled."""
    expect(page.locator("#statement-form.htmx-request")).to_have_count(0)
    expect(page.locator("#statement.htmx-settling, #statement.htmx-swapping")).to_have_count(0)


def _amount(shown: str) -> Decimal:
    """'€773.55' or '773,55 €' as shown on the English (Belgian) page -> Decimal('773.55')."""
    digits = re.sub(r"[^\d,.-]", "", shown)
    return Decimal(digits.replace(".", "").replace(",", "."))


def test_the_accountant_downloads_the_quarter_as_xlsx(live_server, new_context):
    server = live_server
    _books(server)
    page = new_context(accept_downloads=True).new_page()
    sign_in(page, server, "accountant")
    menu(page).get_by_role("link", name="Statements").click()
    expect(page.locator("main h1")).to_have_text("Statements")
    expect(page.locator("main")).to_contain_text(server.employer_name)

    # Each change asks for the preview (htmx); the next change waits until its answer is in place.
    page.select_option("#kind", "month")
    expect(page.locator("#statement-preview")).to_contain_text("Period 2026-02")
    _settled(page)
    page.select_option("#kind", "quarter")
    expect(page.locator("#period")).to_have_value("2025-Q4")
    _settled(page)
    page.select_option("#format", "xlsx")
    expect(page.get_by_role("button", name=re.compile("Download XLSX"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"format=xlsx"))
    expect(page).to_have_url(re.compile(r"period=2025-Q4"))
    expect(page.locator("#statement-lines")).to_have_text("4 lines.")
    expect(page.locator("#statement-preview")).to_contain_text("Jan Janssens")
    shown = _amount(page.locator("#statement-total").inner_text())
    assert shown == Decimal("803.55")  # 250.00 + 123.45 + 30.00 (vouchers) + 400.10

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Download XLSX")).click()
    download = info.value
    assert download.suggested_filename.endswith("-2025-Q4.xlsx")
    with open(download.path(), "rb") as data:  # the saved download has no .xlsx extension
        sheet = load_workbook(data).active
    totals = [row for row in sheet.iter_rows(values_only=True)
              if row and row[1] == "Total" and isinstance(row[8], int | float | Decimal)]
    assert len(totals) == 1 and Decimal(str(totals[0][8])) == shown

    with server.app.app_context():
        entry = db.session.scalar(db.select(StatementExport))
        assert entry.format == "xlsx" and entry.line_count == 4 and entry.totals["overall"] == "803.55"
        db.session.remove()
