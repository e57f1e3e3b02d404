"""CSV for Excel and LibreOffice: UTF-8 with a BOM, ``;`` and a decimal comma (Dutch and French users) or
``,`` and a decimal point, no thousands separator, ISO dates, moments on a Brussels clock, CRLF line ends,
formula-looking text neutralised. Streams: one chunk of bytes per batch of lines, never the whole file in
memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from ila_sme.money import from_cents
from ila_sme.statements.report import DATE, DECIMAL, MOMENT, MONEY, Report, local_text, neutralise

SEPARATORS = (";", ",")
CHUNK_LINES = 500


def _number(value: Decimal, separator: str) -> str:
    text = f"{value:f}"
    return text.replace(".", ",") if separator == ";" else text


def cell(value, kind: str, separator: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return _number(from_cents(value), separator)
    if kind == DECIMAL:
        return _number(Decimal(value), separator)
    if kind == DATE:
        return value.isoformat()
    if kind == MOMENT:
        return local_text(value)
    return neutralise(str(value))


def chunks(report: Report, separator: str = ";") -> Iterator[bytes]:
    """The file, as bytes: the BOM comes with the first chunk."""
    if separator not in SEPARATORS:
        raise ValueError(f"separator must be one of {SEPARATORS}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")

    def flush(first: bool = False) -> bytes:
        data = buffer.getvalue().encode("utf-8-sig" if first else "utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([neutralise(report.title)])
    for label, value in report.meta:
        writer.writerow([neutralise(label), neutralise(value)])
    writer.writerow([report.generated_label, report.generated_text])
    writer.writerow([])
    writer.writerow([neutralise(column.title) for column in report.columns])
    yield flush(first=True)
    kinds = [column.type for column in report.columns]
    pending = 0
    for row in report.rows():
        writer.writerow([cell(value, kind, separator) for value, kind in zip(row, kinds, strict=True)])
        pending += 1
        if pending >= CHUNK_LINES:
            yield flush()
            pending = 0
    for section in report.summary():
        writer.writerow([])
        writer.writerow([neutralise(section.title)])
        for summary in section.rows:
            values = []
            for column in report.columns:
                if column.key == report.money_column:
                    values.append(cell(summary.cents, MONEY, separator))
                else:
                    values.append(cell(summary.cells.get(column.key), column.type, separator))
            writer.writerow(values)
    yield flush()
