"""The CSV writes a batch of lines column by column (a converter per column, a fast path for columns of plain
strings, dates and whole cents); what it writes is what the cell-by-cell ``cell`` writes, whatever the values."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ila_sme.statements import csvout
from ila_sme.statements.report import DATE, DECIMAL, MOMENT, MONEY, TEXT, Column, Report

COLUMNS = [Column("day", "Day", DATE), Column("who", "Who"), Column("amount", "Amount", MONEY),
           Column("rate", "Rate", DECIMAL), Column("at", "At", MOMENT), Column("note", "Note", TEXT)]
PLAIN = [(date(2026, 7, 1), "Wim Worker", 12345, Decimal("1.5"), datetime(2026, 7, 1, 22, 30, tzinfo=UTC), ""),
         (date(2026, 7, 2), "Ann", 0, Decimal("0"), datetime(2026, 1, 1, 8, tzinfo=UTC), "fine")]
AWKWARD = [(None, "=HYPERLINK(\"x\")", -5, None, None, None),
           (datetime(2026, 7, 3, 9, tzinfo=UTC), 42, -100001, "2.25", None, "-2+3"),
           (date(2026, 7, 4), "", None, 7, None, "@SUM(A1)")]


def _report(rows) -> Report:
    return Report(kind="test", title="T", meta=[], columns=COLUMNS, rows=lambda: iter(rows),
                  generated_at=datetime(2026, 7, 5, tzinfo=UTC))


def _lines(data: bytes, separator: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=separator))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Day")
    return rows[start + 1:]


@pytest.mark.parametrize("separator", csvout.SEPARATORS)
@pytest.mark.parametrize("rows", [PLAIN, AWKWARD, PLAIN + AWKWARD], ids=["plain", "awkward", "mixed"])
def test_a_column_is_written_as_its_cells_would_be(rows, separator):
    written = _lines(b"".join(csvout.chunks(_report(rows), separator)), separator)
    expected = [[csvout.cell(value, column.type, separator) for value, column in zip(row, COLUMNS, strict=True)]
                for row in rows]
    assert written == expected


def test_the_cells_read_as_an_accountant_expects():
    written = _lines(b"".join(csvout.chunks(_report(PLAIN + AWKWARD), ";")), ";")
    assert written[0][:3] == ["2026-07-01", "Wim Worker", "123,45"]
    assert written[2][1:3] == ["'=HYPERLINK(\"x\")", "-0,05"]
    assert written[3][2] == "-1000,01" and written[3][5] == "'-2+3"


def test_a_line_with_a_cell_too_many_is_refused():
    with pytest.raises(ValueError):
        b"".join(csvout.chunks(_report([PLAIN[0], (*PLAIN[1], "extra")]), ";"))
