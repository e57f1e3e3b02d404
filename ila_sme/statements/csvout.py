"""CSV for Excel and LibreOffice: UTF-8 with a BOM, ``;`` and a decimal comma (Dutch and French users) or
``,`` and a decimal point, no thousands separator, ISO dates, moments on a Brussels clock, CRLF line ends,
formula-looking text neutralised. Streams: one chunk of bytes per batch of lines, never the whole file in
memory.

Lines are written a batch at a time, column by column: each column gets its converter once, by its type and the
separator (``column_converter``), with no dispatch on the type per cell. A column of plain strings none of which
looks like a formula, of dates, or of whole non-negative cents is converted by built-ins without a Python call
per cell; any other column cell by cell (``converter``, what ``cell`` writes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import islice, repeat

from ila_sme.money import from_cents
from ila_sme.statements.report import DATE, DECIMAL, FORMULA_LEADS, MOMENT, MONEY, Report, local_text, neutralise

SEPARATORS = (";", ",")
CHUNK_LINES = 500
_LEADS = frozenset(FORMULA_LEADS)  # one sign each: ``text[:1] in _LEADS`` is ``neutralise``'s test


def _number(value: Decimal, separator: str) -> str:
    text = f"{value:f}"
    return text.replace(".", ",") if separator == ";" else text


def _text(value) -> str:
    if value.__class__ is str:
        return "'" + value if value[:1] in _LEADS else value
    return "" if value is None else neutralise(str(value))


def _date(value) -> str:
    return "" if value is None else value.isoformat()


def _moment(value) -> str:
    return "" if value is None else local_text(value)


def _money(point: str) -> Callable[[object], str]:
    def money(cents) -> str:
        """What ``_number(from_cents(cents))`` writes, '-12,05', in integer arithmetic."""
        if cents.__class__ is int:
            whole, rest = divmod(-cents if cents < 0 else cents, 100)
            return f"{'-' if cents < 0 else ''}{whole}{point}{rest:02d}"
        return "" if cents is None else _number(from_cents(cents), ";" if point == "," else ",")
    return money


def _decimal(separator: str) -> Callable[[object], str]:
    def decimal(value) -> str:
        return "" if value is None else _number(Decimal(value), separator)
    return decimal


def converter(kind: str, separator: str) -> Callable[[object], str]:
    """The function that writes a cell of a column of type ``kind`` ('' for None)."""
    if kind == MONEY:
        return _money("," if separator == ";" else ".")
    if kind == DECIMAL:
        return _decimal(separator)
    if kind == DATE:
        return _date
    if kind == MOMENT:
        return _moment
    return _text


def cell(value, kind: str, separator: str) -> str:
    return converter(kind, separator)(value)


def _texts(values: tuple) -> Iterable:
    """A column of text cells: as they are when all are plain strings and none looks like a formula (checked
    in C, no call per cell), else cell by cell."""
    if set(map(type, values)) == {str} and not any(map(str.startswith, values, repeat(FORMULA_LEADS))):
        return values
    return map(_text, values)


def _dates(values: tuple) -> Iterable:
    return map(date.isoformat, values) if set(map(type, values)) == {date} else map(_date, values)


def _amounts(separator: str) -> Callable[[tuple], Iterable[str]]:
    pattern, one = ("%d,%02d" if separator == ";" else "%d.%02d"), converter(MONEY, separator)

    def amounts(values: tuple) -> Iterable[str]:
        """Cents that are all whole and not negative: euros and cents by divmod and a pattern, in C."""
        if set(map(type, values)) == {int} and min(values) >= 0:
            return map(pattern.__mod__, map(divmod, values, repeat(100)))
        return map(one, values)
    return amounts


def column_converter(kind: str, separator: str) -> Callable[[tuple], Iterable[str]]:
    """The function that writes a whole column of a batch of lines."""
    if kind == DATE:
        return _dates
    if kind == MONEY:
        return _amounts(separator)
    if kind in (MOMENT, DECIMAL):
        return partial(map, converter(kind, separator))
    return _texts


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
    columns = [column_converter(column.type, separator) for column in report.columns]
    rows = report.rows()
    while batch := list(islice(rows, CHUNK_LINES)):  # column by column: a converter per column, not per cell
        cells = [convert(values) for convert, values in zip(columns, zip(*batch, strict=True), strict=True)]
        writer.writerows(zip(*cells, strict=True))
        yield flush()
    converters = [converter(column.type, separator) for column in report.columns]
    money = converter(MONEY, separator)
    for section in report.summary():
        writer.writerow([])
        writer.writerow([neutralise(section.title)])
        for summary in section.rows:
            writer.writerow([money(summary.cents) if column.key == report.money_column
                             else convert(summary.cells.get(column.key))
                             for column, convert in zip(report.columns, converters, strict=True)])
    yield flush()
