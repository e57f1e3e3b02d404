"""PDF with fpdf2 (pure Python, its core fonts in Windows-1252, so "€" and accents print): A4 landscape, a
header with the report's title and facts on every page, page numbers "page X of Y" and the generated-at
time (Europe/Brussels) in the footer, the lines as a table that breaks across pages, then the totals.

Nothing is cut: a cell too narrow for its text wraps onto more lines and the row grows; a row never splits
across pages (the header of the table is repeated on the next). Numbers and dates are written in the
report's language (nl ``6.000,00``, fr ``6 000,00``; an amount standing alone with its currency,
``€ 6.000,00``). Built in memory; thousands of lines are fine.

fpdf2 (with fontTools and Pillow) is imported when the first PDF is made, not when the app starts: the layout
is a mixin here, the document class is put together with ``FPDF`` on first use."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import cache
from typing import BinaryIO

from babel.numbers import format_decimal

from ila_sme.dates import format_day, format_moment
from ila_sme.money import format_money, from_cents
from ila_sme.statements.report import DATE, DECIMAL, MOMENT, MONEY, Report
from ila_sme.web import BABEL_LOCALES

LINE_HEIGHT = 4
FONT_SIZE = 7
MIN_FONT_SIZE = 5
ENCODING = "windows-1252"
_SPACES = {"\u202f": "\xa0", "\u2009": " ", "\u2007": " "}  # Babel's narrow spaces (fr) -> a no-break space


def latin(text) -> str:
    """The core fonts know Windows-1252 only: €, accents and quotes stay, other signs become their nearest
    plain form (or "?")."""
    text = "".join(_SPACES.get(ch, ch) for ch in str(text))
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch if _encodes(ch) else "?" for ch in plain if not unicodedata.combining(ch))


def _encodes(ch: str) -> bool:
    try:
        ch.encode(ENCODING)
        return True
    except UnicodeEncodeError:
        return False


class Numbers:
    """How numbers, amounts and dates read in the report's language."""

    def __init__(self, language: str):
        self.language = language
        self.locale = BABEL_LOCALES.get(language, language)

    def amount(self, cents: int) -> str:
        """In a column whose title names the currency: '6.000,00'."""
        return format_decimal(from_cents(cents), format="#,##0.00", locale=self.locale)

    def money(self, cents: int) -> str:
        """Standing alone: '€ 6.000,00' (nl), '6 000,00 €' (fr)."""
        return format_money(from_cents(cents), self.locale)

    def decimal(self, value) -> str:
        number = Decimal(value)
        pattern = "#,##0" if number == number.to_integral_value() else "#,##0.00##"
        return format_decimal(number, format=pattern, locale=self.locale)

    def text(self, value, kind: str) -> str:
        if value is None:
            return ""
        if kind == MONEY:
            return self.amount(value)
        if kind == DECIMAL:
            return self.decimal(value)
        if kind == DATE:
            return format_day(value, self.language, "short")
        if kind == MOMENT:
            return format_moment(value, self.language, "medium")
        return str(value)


class _Layout:
    """The statement's page: header, footer and wrapped rows, on top of ``FPDF`` (see ``_document``)."""

    def __init__(self, report: Report, numbers: Numbers):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.report, self.numbers = report, numbers
        self.columns = [column for column in report.columns if column.width]
        scale = min(1.0, self.epw / sum(column.width for column in self.columns))  # never wider than the page
        self.widths = [column.width * scale for column in self.columns]
        self.set_auto_page_break(auto=True, margin=14)
        self.set_creation_date(report.generated_at)
        self.set_title(latin(report.title))
        self.set_creator("ILA-SME")
        self.in_table = False

    def header(self):
        self.set_font("Helvetica", "B", 11)
        self.multi_cell(0, 6, latin(self.report.title), new_x="LMARGIN", new_y="NEXT")
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
        generated = format_moment(self.report.generated_at, self.numbers.language, "medium")
        left = latin(f"{self.report.footer}   {self.report.generated_label}: {generated}")
        self.cell(self.epw * 0.75, 4, left)
        self.cell(self.epw * 0.25, 4, page, align="R")

    def table_header(self):
        self.set_font("Helvetica", "B", FONT_SIZE)
        self.row([(latin(column.title), width, "L") for column, width in zip(self.columns, self.widths, strict=True)],
                 border="B", breaks=False)
        self.set_font("Helvetica", "", FONT_SIZE)

    def row(self, cells: list[tuple[str, float, str]], *, border: str | int = 0, breaks: bool = True) -> None:
        """One row of cells (text, width, align), each wrapped in its width; the row as high as its tallest
        cell, moved whole to the next page when it does not fit."""
        size = self.font_size_pt
        sizes = [self._word_size(text, width, size) for text, width, _align in cells]
        lines = []
        for (text, width, _align), cell_size in zip(cells, sizes, strict=True):
            self.set_font_size(cell_size)
            lines.append(len(self.multi_cell(width, LINE_HEIGHT, text, dry_run=True, output="LINES")) or 1)
        height = max(lines) * LINE_HEIGHT
        if breaks and self.will_page_break(height):
            self.set_font_size(size)
            self.add_page()
        top, x = self.get_y(), self.l_margin
        for (text, width, align), cell_size in zip(cells, sizes, strict=True):
            self.set_font_size(cell_size)
            self.set_xy(x, top)
            self.multi_cell(width, LINE_HEIGHT, text, align=align, new_x="RIGHT", new_y="TOP")
            if border:
                self.line(x, top + height, x + width, top + height)
            x += width
        self.set_font_size(size)
        self.set_xy(self.l_margin, top + height)

    def _word_size(self, text: str, width: float, size: float) -> float:
        """The font size at which the longest word of ``text`` fits its cell (down to MIN_FONT_SIZE): a long
        word ("Rijksregisternummer", an id) shrinks a little rather than break in two."""
        self.set_font_size(size)
        room = width - 2 * self.c_margin
        longest = max(text.split(), key=self.get_string_width, default="")
        while size > MIN_FONT_SIZE and self.get_string_width(longest) > room:
            size -= 0.5
            self.set_font_size(size)
        return size


@cache
def _document_class() -> type:
    from fpdf import FPDF  # heavy (fontTools, Pillow): loaded by the first PDF, not at the app's start

    return type("_Document", (_Layout, FPDF), {})


def write(report: Report, out: BinaryIO) -> None:
    numbers = Numbers(report.language)
    document = _document_class()(report, numbers)
    document.alias_nb_pages()
    document.add_page()
    document.in_table = True
    document.table_header()
    shown = [report.column_index(column.key) for column in document.columns]
    aligns = ["R" if column.type in (MONEY, DECIMAL) else "L" for column in document.columns]
    for row in report.rows():
        document.row([(latin(numbers.text(row[index], column.type)), width, align) for index, column, width, align
                      in zip(shown, document.columns, document.widths, aligns, strict=True)])
    document.in_table = False
    for section in report.summary():
        document.ln(3)
        document.set_font("Helvetica", "B", 8)
        document.multi_cell(0, 5, latin(section.title), new_x="LMARGIN", new_y="NEXT")
        document.set_font("Helvetica", "", 8)
        for summary in section.rows:
            label = " - ".join(numbers.text(value, report.columns[report.column_index(key)].type)
                               for key, value in summary.cells.items() if value not in (None, ""))
            document.row([(latin(label), 150, "L"), (latin(numbers.money(summary.cents)), 40, "R")])
    out.write(bytes(document.output()))
