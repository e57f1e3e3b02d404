"""The co-funding statement in CSV, XLSX and PDF: lines, totals that add up, typed cells, inert formulas."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from ila_sme.statements import cofunding, exports
from ila_sme.statements.models import StatementExport
from tests.statements.conftest import INJECTIONS
from tests.statements.helpers import csv_amount, csv_lines, csv_rows, export, pdf_text, section, workbook

AMOUNT = 8  # the amount's column
FORMULA = 12  # the XLSX totals' formula column, after the lines' columns


def test_csv_lines_and_totals_add_up(books):
    data, entry = export(books, "2026-Q3", "csv", separator=",")
    header, lines, rest = csv_lines(csv_rows(data))
    assert header[:9] == ["Date", "Reference", "Employee", "National number", "Training", "Registry id", "Kind",
                          "Source", "Amount (EUR)"]
    # four contributions, one of them with a second (vouchers) part: five lines, in booking order
    assert [(line[0], line[1], line[7]) for line in lines] == [
        ("2026-07-03", books.contributions[0].reference, "Employer"),
        ("2026-07-15", books.contributions[1].reference, "Employer"),
        ("2026-07-15", books.contributions[1].reference, "Training vouchers"),
        ("2026-08-20", books.contributions[2].reference, "Employer"),
        ("2026-09-01", books.contributions[3].reference, "Employer")]
    amounts = [csv_amount(line[AMOUNT]) for line in lines]
    assert amounts == [Decimal("150.00"), Decimal("200.50"), Decimal("50.00"), Decimal("123.45"), Decimal("999.99")]
    assert lines[0][3] == books.wim.national_number_masked and books.wim.national_number not in data.decode()
    assert [line[10] for line in lines] == ["Matched", "Matched", "", "Other amount at the register",
                                            "Not reconciled yet"]
    total = section(rest, "Total")
    assert csv_amount(total[0][AMOUNT]) == sum(amounts) == Decimal("1523.94")
    per_source = {row[7]: csv_amount(row[AMOUNT]) for row in section(rest, "Totals per source")}
    assert per_source == {"Employer": Decimal("1473.94"), "Training vouchers": Decimal("50.00")}
    per_employee = {row[2]: csv_amount(row[AMOUNT]) for row in section(rest, "Totals per employee")}
    assert per_employee["Wim Worker"] == Decimal("273.45") == amounts[0] + amounts[3]
    assert sum(per_employee.values()) == sum(amounts)
    budget = {row[1]: csv_amount(row[AMOUNT]) for row in section(rest, "Budget position 2026")}
    assert budget == {"Granted": Decimal("10000.00"), "Reserved": Decimal("0.00"), "Booked": Decimal("1473.94"),
                      "Remaining": Decimal("8526.06")}
    assert entry.line_count == 5 and entry.totals["overall"] == "1523.94"
    assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size_bytes == len(data)


def test_csv_semicolon_uses_a_decimal_comma_and_is_the_dutch_default(books):
    data, entry = export(books, "2026-07", "csv", language="nl")
    assert entry.parameters["separator"] == ";"
    rows = csv_rows(data, ";")
    start = next(i for i, row in enumerate(rows) if len(row) > 8 and row[1] == books.contributions[0].reference)
    assert rows[start][8] == "150,00"
    assert data.count(b"\r\n") == len(rows)  # every line ends in CRLF, as Excel writes them


def test_formula_payloads_are_inert_in_csv(books):
    data, _ = export(books, "2026-07", "csv", separator=",")
    _, lines, rest = csv_lines(csv_rows(data))
    evil = [line for line in lines if line[1] == books.contributions[1].reference][0]
    assert evil[2] == "'" + f"{INJECTIONS[0]} {INJECTIONS[1]}"
    assert evil[4] == "'" + INJECTIONS[3]
    for row in lines + rest:
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value[1:2].isdigit(), value


def test_xlsx_cells_are_typed_and_totals_agree_with_formulas(books):
    data, entry = export(books, "2026-Q3", "xlsx")
    sheet = workbook(data)
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if row[0].value == "Date")
    assert sheet.freeze_panes == f"A{header + 2}"
    lines = rows[header + 1:header + 6]
    assert all(isinstance(row[0].value, dt.datetime) and row[0].is_date for row in lines)
    assert all(row[AMOUNT].data_type == "n" and row[AMOUNT].number_format == "#,##0.00" for row in lines)
    amounts = [Decimal(str(row[AMOUNT].value)) for row in lines]
    assert sum(amounts) == Decimal("1523.94")
    by_title = {}
    current = None
    for row in rows[header + 6:]:
        if row[0].value and row[AMOUNT].value is None and row[1].value is None:
            current = row[0].value
            continue
        if current and row[AMOUNT].value is not None:
            by_title.setdefault(current, []).append(row)
    total = by_title["Total"][0]
    assert Decimal(str(total[AMOUNT].value)) == sum(amounts)
    first, last = header + 2, header + 6
    assert total[FORMULA].value == f"=SUM($I${first}:$I${last})"
    for row in by_title["Totals per source"]:
        assert row[FORMULA].value == f"=SUMIFS($I${first}:$I${last},$H${first}:$H${last},H{row[0].row})"
        matching = [amount for line, amount in zip(lines, amounts, strict=True) if line[7].value == row[7].value]
        assert Decimal(str(row[AMOUNT].value)) == sum(matching)
    for row in by_title["Totals per employee"]:
        formula = row[FORMULA].value
        assert formula.startswith(f"=SUMIFS($I${first}:$I${last},$C${first}:$C${last},C{row[0].row}")
        matching = [amount for line, amount in zip(lines, amounts, strict=True)
                    if (line[2].value, line[3].value) == (row[2].value, row[3].value)]
        assert Decimal(str(row[AMOUNT].value)) == sum(matching)
    assert entry.totals["overall"] == "1523.94"


def test_formula_payloads_are_inert_in_xlsx(books):
    data, _ = export(books, "2026-07", "xlsx")
    sheet = workbook(data)
    texts = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    payload_cells = [cell for cell in texts if any(payload in cell.value for payload in INJECTIONS)]
    assert len(payload_cells) >= 3  # the name (twice: line and total) and the training title
    for cell in payload_cells:
        assert cell.data_type == "s" and cell.value.startswith("'")
    formulas = [cell.value for cell in texts if cell.data_type == "f"]
    assert formulas and all(value.startswith(("=SUM(", "=SUMIFS(")) for value in formulas)


def test_pdf_holds_the_totals_and_page_numbers(books):
    for n in range(120):  # enough lines for several pages
        books.book(books.wim, period="2026-09", cents=1000 + n, day=2 + n % 20)
    data, entry = export(books, "2026-Q3", "pdf")
    text, pages = pdf_text(data)
    assert data.startswith(b"%PDF") and pages >= 3
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    total = Decimal("1523.94") + sum(Decimal(1000 + n) / 100 for n in range(120))
    assert f"{total:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + " €" in text  # en_BE
    assert "Drukkerij Test" in text and "2026-Q3" in text and "Generated at" in text
    assert entry.line_count == 125


def test_one_source_only(books):
    data, entry = export(books, "2026-Q3", "csv", separator=",", source="vouchers")
    _, lines, _ = csv_lines(csv_rows(data))
    assert [csv_amount(line[AMOUNT]) for line in lines] == [Decimal("50.00")]
    assert entry.parameters["source"] == "vouchers"


@pytest.mark.parametrize(("period", "message"), [("2026-13", "Not a period"), ("2026-Q5", "Not a period"),
                                                 ("last month", "Not a period")])
def test_a_bad_period_is_refused_and_nothing_is_logged(books, period, message):
    with pytest.raises(cofunding.StatementError, match=message):
        export(books, period, "csv")
    assert StatementExport.query.count() == 0


def test_a_bad_format_or_source_is_refused(books):
    with pytest.raises(exports.ExportError, match="Not an export format"):
        export(books, "2026-07", "docx")
    with pytest.raises(cofunding.StatementError, match="Not a funding source"):
        export(books, "2026-07", "csv", source="lottery")
    assert StatementExport.query.count() == 0


def test_labels_follow_the_language(books):
    """Labels come in the asked language (those the catalogues already hold: sources, outcomes)."""
    french = csv_rows(export(books, "2026-07", "csv", language="fr")[0], ";")
    dutch = csv_rows(export(books, "2026-07", "csv", language="nl")[0], ";")
    assert any(row[7:8] == ["Employeur"] and row[10] == "Concordantes" for row in french)
    assert any(row[7:8] == ["Opleidingscheques"] for row in dutch)
    assert [entry.parameters["language"] for entry in exports.export_log(books.employer)] == ["nl", "fr"]
