"""XLSX with openpyxl in write-only mode (rows go to disk as they come): dates, moments (on a Brussels clock)
and amounts typed (real numbers with a number format, which the spreadsheet shows in its user's language), a frozen
header, totals both as values and as formulas over the lines (SUM / SUMIFS) that agree with them.

openpyxl is imported by ``write``, when a workbook is made, not when the app starts."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal
from functools import partial
from typing import BinaryIO

from ila_sme.dates import local
from ila_sme.money import from_cents
from ila_sme.statements.report import DATE, DECIMAL, MOMENT, MONEY, Report, neutralise

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm:ss"  # a spreadsheet has no time zones: the Brussels clock
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _typed(new_cell, value, kind: str):
    """``new_cell``: openpyxl's WriteOnlyCell bound to the sheet."""
    if value is None:
        return None
    if kind == MONEY:
        cell = new_cell(value=from_cents(value))
        cell.number_format = MONEY_FORMAT
        return cell
    if kind == DECIMAL:
        cell = new_cell(value=Decimal(value))
        cell.number_format = "0.00"
        return cell
    if kind == DATE:
        cell = new_cell(value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind == MOMENT:
        cell = new_cell(value=local(value).replace(tzinfo=None))
        cell.number_format = MOMENT_FORMAT
        return cell
    return neutralise(str(value))


def write(report: Report, out: BinaryIO) -> None:
    from openpyxl import Workbook  # heavy: loaded by the first workbook, not at the app's start
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def _bold(sheet, value):
        cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
        cell.font = Font(bold=True)
        return cell

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "ILA-SME"
    created = report.generated_at.astimezone(UTC).replace(tzinfo=None)  # the file's metadata: UTC
    workbook.properties.created = workbook.properties.modified = created
    sheet = workbook.create_sheet(_SHEET_NAME.sub(" ", report.title)[:31] or "Export")
    new_cell = partial(WriteOnlyCell, sheet)
    columns = report.columns
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(45, column.width * 0.6))
    header_row = len(report.meta) + 4
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([_bold(sheet, report.title)])
    for label, value in report.meta:
        sheet.append([neutralise(label), neutralise(value)])
    sheet.append([report.generated_label, report.generated_text])
    sheet.append([])
    sheet.append([_bold(sheet, column.title) for column in columns])
    kinds = [column.type for column in columns]
    row_number = header_row
    for row in report.rows():
        sheet.append([_typed(new_cell, value, kind) for value, kind in zip(row, kinds, strict=True)])
        row_number += 1
    first, last = header_row + 1, max(row_number, header_row)
    money = report.money_column
    money_letter = get_column_letter(report.column_index(money) + 1) if money else None
    for section in report.summary():
        sheet.append([])
        row_number += 1
        title = [_bold(sheet, section.title)] + [None] * (len(columns) - 1)
        if money and section.formulas:
            title += [_bold(sheet, report.labels.get("formula", "Formula"))]
        sheet.append(title)
        row_number += 1
        for summary in section.rows:
            row_number += 1
            cells = [_typed(new_cell, summary.cents, MONEY) if column.key == money
                     else _typed(new_cell, summary.cells.get(column.key), column.type) for column in columns]
            if money and section.formulas:
                amounts = f"${money_letter}${first}:${money_letter}${last}"
                if summary.match:
                    criteria = []
                    for key in summary.match:
                        letter = get_column_letter(report.column_index(key) + 1)
                        criteria.append(f"${letter}${first}:${letter}${last},{letter}{row_number}")
                    formula = f"=SUMIFS({amounts},{','.join(criteria)})"
                else:
                    formula = f"=SUM({amounts})"
                formula_cell = new_cell(value=formula)
                formula_cell.number_format = MONEY_FORMAT
                cells.append(formula_cell)
            sheet.append(cells)
    workbook.save(out)
