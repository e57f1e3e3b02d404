"""The shape every export shares, whatever its format: a few header facts, typed columns, lines streamed
from the database, then summary sections (totals) known once the lines are consumed. The CSV, XLSX and
PDF writers only read this; nothing in them knows what a contribution is.

Values by column type: ``text`` str, ``date`` date, ``moment`` aware datetime (written on a Brussels
clock), ``money`` int cents, ``decimal`` Decimal. ``language`` (set by ``exports.write``) is the language
the PDF writes numbers and dates in; CSV and XLSX keep machine-readable cells.
Every label is translated when the report is built (under the asked language), so that a streamed
response that is iterated after the request's locale is gone still speaks that language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ila_sme.dates import local

TEXT, DATE, MOMENT, MONEY, DECIMAL = "text", "date", "moment", "money", "decimal"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def local_text(moment: datetime) -> str:
    """A moment for a machine-readable cell: Brussels time, ISO order, the zone named."""
    return local(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def neutralise(value: str) -> str:
    """A text cell that a spreadsheet could take for a formula gets a leading apostrophe (OWASP CSV injection)."""
    return "'" + value if value and value.startswith(FORMULA_LEADS) else value


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    type: str = TEXT
    width: float = 20  # PDF width in mm (0: left out of the PDF)


@dataclass
class SummaryRow:
    """One total: the values it is about (by column key, e.g. the employee's name), and the amount.
    ``match``: the columns whose value the lines must equal for their amount to count here (the XLSX
    formula); None: every line counts."""

    cells: dict
    cents: int
    match: tuple[str, ...] | None = None


@dataclass
class Section:
    title: str
    rows: list[SummaryRow] = field(default_factory=list)
    formulas: bool = True  # totals of the lines (False: facts such as the budget position)


@dataclass
class Report:
    kind: str  # cofunding | vov_claims | training_account | audit
    title: str
    meta: list[tuple[str, str]]
    columns: list[Column]
    rows: Callable[[], Iterator[tuple]]
    summary: Callable[[], list[Section]] = lambda: []
    totals: Callable[[], dict] = lambda: {}
    generated_label: str = "Generated at"
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    footer: str = ""  # e.g. the employer's name and number on every PDF page
    page_label: str = "Page %(page)s of %(pages)s"
    line_count: int = 0
    money_column: str | None = None  # the column the totals add up
    labels: dict = field(default_factory=dict)  # "formula": the XLSX totals' formula column title
    language: str = "nl"

    @property
    def generated_text(self) -> str:
        """The one field that differs between two exports of the same closed period: on a Brussels clock,
        with its zone ('2026-07-02 00:30:00 CEST')."""
        return local_text(self.generated_at)

    def column_index(self, key: str) -> int:
        return next(i for i, column in enumerate(self.columns) if column.key == key)
