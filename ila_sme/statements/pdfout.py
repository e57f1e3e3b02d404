"""PDF with fpdf2 (pure Python, its core fonts): A4 landscape, a header with the report's title and facts
on every page, page numbers "page X of Y" and the generated-at time in the footer, the lines as a table
that breaks across pages, then the totals. Built in memory; thousands of lines are fine."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import BinaryIO

from fpdf import FPDF

from ila_sme.money import from_cents
from ila_sme.statements.report import DATE, DECIMAL, MONEY, Report

LINE_HEIGHT = 4.5
FONT_SIZE = 7
CHAR_MM = 1.45  # average width of a character at FONT_SIZE, to cut long texts without measuring each


def latin(text: str) -> str:
    """The core fonts know Latin-1 only: accents stay, other signs become their nearest plain form."""
    text = str(text).replace("•", "*").replace("€", "EUR").replace("–", "-").replace("’", "'")
    if all(ord(ch) < 256 for ch in text):
        return text
    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch if ord(ch) < 256 else "?" for ch in plain if not unicodedata.combining(ch))


def amount_text(cents: int) -> str:
    return f"{from_cents(cents):,.2f}".replace(",", " ")


def _text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return amount_text(value)
    if kind == DECIMAL:
        return f"{Decimal(value):f}"
    if kind == DATE:
        return value.isoformat()
    return latin(value)


def _fit(text: str, width: float) -> str:
    most = max(3, int(width / CHAR_MM))
    return text if len(text) <= most else text[: most - 1] + "~"


class _Document(FPDF):
    def __init__(self, report: Report):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        self.columns = [column for column in report.columns if column.width]
        self.set_auto_page_break(auto=True, margin=14)
        self.set_creation_date(report.generated_at)
        self.set_title(latin(report.title))
        self.set_creator("ILA-SME")
        self.in_table = False

    def header(self):
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 6, latin(self.report.title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 8)
        facts = "   ".join(f"{label}: {value}" for label, value in self.report.meta)
        self.multi_cell(0, 4, latin(facts), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        if self.in_table:
            self.table_header()

    def footer(self):
        self.set_y(-10)
        self.set_font("Helvetica", "", 7)
        page = latin(self.report.page_label % {"page": self.page_no(), "pages": "{nb}"})
        left = latin(f"{self.report.footer}   {self.report.generated_label}: {self.report.generated_text}")
        self.cell(self.epw / 2, 4, left)
        self.cell(self.epw / 2, 4, page, align="R")

    def table_header(self):
        self.set_font("Helvetica", "B", FONT_SIZE)
        for column in self.columns:
            self.cell(column.width, LINE_HEIGHT, _fit(latin(column.title), column.width), border="B")
        self.ln(LINE_HEIGHT)
        self.set_font("Helvetica", "", FONT_SIZE)


def write(report: Report, out: BinaryIO) -> None:
    document = _Document(report)
    document.alias_nb_pages()
    document.add_page()
    document.in_table = True
    document.table_header()
    shown = [report.column_index(column.key) for column in document.columns]
    for row in report.rows():
        for index, column in zip(shown, document.columns, strict=True):
            align = "R" if column.type in (MONEY, DECIMAL) else "L"
            document.cell(column.width, LINE_HEIGHT, _fit(_text(row[index], column.type), column.width), align=align)
        document.ln(LINE_HEIGHT)
    document.in_table = False
    for section in report.summary():
        document.ln(3)
        document.set_font("Helvetica", "B", 8)
        document.cell(0, 5, latin(section.title), new_x="LMARGIN", new_y="NEXT")
        document.set_font("Helvetica", "", 8)
        for summary in section.rows:
            label = " - ".join(_text(value, report.columns[report.column_index(key)].type)
                               for key, value in summary.cells.items() if value not in (None, ""))
            document.cell(150, 4.5, _fit(label, 150))
            document.cell(40, 4.5, amount_text(summary.cents), align="R", new_x="LMARGIN", new_y="NEXT")
    out.write(bytes(document.output()))
