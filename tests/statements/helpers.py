"""Exporting to bytes, and reading the three formats back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader

from ila_sme.extensions import db
from ila_sme.statements import exports


def export(books, period: str = "2026-Q3", fmt: str = "csv", **options) -> tuple[bytes, object]:
    out = io.BytesIO()
    entry = exports.export_statement(books.employer, out, actor=books.accountant, period=period, fmt=fmt,
                                     language=options.pop("language", "en"), **options)
    db.session.commit()
    return out.getvalue(), entry


def csv_rows(data: bytes, separator: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=separator))


def csv_lines(rows: list[list[str]]) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(header, the statement's lines, the rows after them)."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Date")
    end = next(i for i in range(start + 1, len(rows)) if not rows[i])
    return rows[start], rows[start + 1:end], rows[end:]


def csv_amount(text: str, separator: str = ",") -> Decimal:
    return Decimal(text.replace(",", ".") if separator == ";" else text)


def section(rows: list[list[str]], title: str) -> list[list[str]]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    result = []
    for row in rows[start + 1:]:
        if not row:
            break
        result.append(row)
    return result


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text of every page, no-break spaces read as spaces (as the PDF's text extraction gives them)."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " "), len(reader.pages)
