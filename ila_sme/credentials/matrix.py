"""The skills matrix: staff × credentials, or grouped by EQF level, by training or by issuer; and its CSV.

Only credentials the employer may see take part (``services.visible_credentials``: earned through training the
employer approved or paid, or shared by the employee). Rows are the staff with at least one such credential
matching the filters (team, verified only, expiring in the next 90 days).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ila_sme import paging
from ila_sme.credentials import services
from ila_sme.credentials.models import Credential, VerificationState
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord
from ila_sme.trainings.models import Training

EXPIRING_DAYS = 90
PEOPLE_PER_PAGE = 25  # rows of the matrix at a time
GROUPINGS = ("credential", "eqf", "training", "issuer")
STATE_ORDER = [VerificationState.VERIFIED, VerificationState.UNVERIFIED, VerificationState.EXPIRED,
               VerificationState.INVALID, VerificationState.REVOKED]
CSV_SEPARATOR = ";"  # what Excel expects in Belgium (nl-BE, fr-BE)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    group: str = "credential"
    team: str | None = None
    verified: bool = False
    expiring: bool = False

    def as_args(self) -> dict:
        """The query string of this view (for the CSV link and pushed URLs)."""
        args: dict = {"group": self.group}
        if self.team:
            args["team"] = self.team
        if self.verified:
            args["verified"] = "y"
        if self.expiring:
            args["expiring"] = "y"
        return args


@dataclass(frozen=True)
class Column:
    key: object
    label: str
    detail: str | None = None  # the issuer under a credential's title


@dataclass
class Row:
    employee: EmployeeRecord
    cells: dict = field(default_factory=dict)  # column key -> [Credential], best state first


@dataclass
class Matrix:
    filters: Filters
    columns: list[Column]
    rows: list[Row]
    people: paging.Page | None = None  # the page of people shown (None: every row, for the CSV)
    counts: tuple[int, int] | None = None  # (people, credentials) matching the filters, all pages together

    @property
    def people_count(self) -> int:
        return self.counts[0] if self.counts else len(self.rows)

    @property
    def credential_count(self) -> int:
        if self.counts:
            return self.counts[1]
        return sum(len(cell) for row in self.rows for cell in row.cells.values())


def teams(employer) -> list[str]:
    query = (db.select(EmployeeRecord.team).where(EmployeeRecord.employer_id == employer.id,
                                                  EmployeeRecord.team.isnot(None), EmployeeRecord.team != "")
             .distinct())
    return sorted(db.session.scalars(query), key=str.casefold)


def _matching(employer, filters: Filters, today: date):
    """The query of the credentials the employer may see that match the filters."""
    query = (services.visible_credentials(employer)
             .join(EmployeeRecord, EmployeeRecord.id == Credential.employee_id))
    if filters.team:
        query = query.where(EmployeeRecord.team == filters.team)
    if filters.verified:
        query = query.where(Credential.state == VerificationState.VERIFIED)
    if filters.expiring:
        start = datetime(today.year, today.month, today.day, tzinfo=UTC)
        query = query.where(Credential.valid_until >= start,
                            Credential.valid_until < start + timedelta(days=EXPIRING_DAYS + 1))
    return query


def credentials(employer, filters: Filters, today: date) -> list[Credential]:
    """The credentials the employer may see that match the filters."""
    query = _matching(employer, filters, today).options(selectinload(Credential.employee),
                                                        selectinload(Credential.training))
    return list(db.session.scalars(query.order_by(Credential.id)).unique())


def _column(credential: Credential, group: str) -> Column:
    if group == "eqf":
        if credential.eqf_level is None:
            return Column(None, _("No EQF level"))
        return Column(credential.eqf_level, _("EQF %(level)s", level=credential.eqf_level))
    if group == "training":
        if credential.training is None:
            return Column(None, _("No linked training"))
        return Column(credential.training_id, credential.training.title, credential.training.registry_id)
    if group == "issuer":
        body = (credential.awarding_body or "").strip()
        return Column(body.casefold() or None, body or _("Issuer not given"))
    title, body = credential.title.strip(), (credential.awarding_body or "").strip()
    return Column((title.casefold(), body.casefold()), title, body or None)


def _column_order(group: str):
    def order(column: Column):
        if column.key is None:  # "no level", "no training", "issuer not given" last
            return (1, "", "")
        if group == "eqf":
            return (0, f"{column.key:02d}", "")
        return (0, column.label.casefold(), (column.detail or "").casefold())

    return order


def _fill(rows: dict[int, Row], columns: dict, found, group: str) -> None:
    for credential in found:
        column = _column(credential, group)
        columns.setdefault(column.key, column)
        row = rows.setdefault(credential.employee_id, Row(credential.employee))
        row.cells.setdefault(column.key, []).append(credential)
    for row in rows.values():
        for cell in row.cells.values():
            cell.sort(key=lambda c: (STATE_ORDER.index(c.state) if c.state in STATE_ORDER else 99, c.title))


def _filters(filters: Filters) -> Filters:
    group = filters.group if filters.group in GROUPINGS else "credential"
    return Filters(group, filters.team, filters.verified, filters.expiring)


def build(employer, filters: Filters, today: date) -> Matrix:
    """The whole matrix (the CSV export)."""
    filters = _filters(filters)
    columns: dict = {}
    rows: dict[int, Row] = {}
    _fill(rows, columns, credentials(employer, filters, today), filters.group)
    ordered_rows = sorted(rows.values(), key=lambda r: (r.employee.last_name.casefold(),
                                                        r.employee.first_name.casefold(), r.employee.id))
    return Matrix(filters, sorted(columns.values(), key=_column_order(filters.group)), ordered_rows)


def build_page(employer, filters: Filters, today: date, *, start: int = 0, size: int = PEOPLE_PER_PAGE) -> Matrix:
    """A page of ``size`` people (from the ``start``-th, by name) with every column the filters give, so that
    the pages line up, and the counts of all pages: four queries whatever the size of the staff."""
    filters = _filters(filters)
    matching = _matching(employer, filters, today)
    counts = db.session.execute(matching.with_only_columns(
        func.count(Credential.employee_id.distinct()), func.count(Credential.id))).one()
    columns: dict = {}
    kinds = matching.outerjoin(Training, Training.id == Credential.training_id).with_only_columns(
        Credential.title, Credential.awarding_body, Credential.eqf_level, Credential.training_id,
        Training.title, Training.registry_id).distinct()
    for title, body, level, training_id, training_title, registry_id in db.session.execute(kinds):
        training = None if training_id is None else SimpleNamespace(title=training_title, registry_id=registry_id)
        kind = SimpleNamespace(title=title, awarding_body=body, eqf_level=level, training_id=training_id,
                               training=training)
        column = _column(kind, filters.group)
        columns.setdefault(column.key, column)
    people = paging.page_of(
        select(EmployeeRecord).where(EmployeeRecord.id.in_(matching.with_only_columns(Credential.employee_id)))
        .order_by(func.lower(EmployeeRecord.last_name), func.lower(EmployeeRecord.first_name), EmployeeRecord.id),
        size=size, start=start)
    rows = {employee.id: Row(employee) for employee in people}
    if rows:
        found = db.session.scalars(matching.where(Credential.employee_id.in_(list(rows)))
                                   .options(selectinload(Credential.training)).order_by(Credential.id))
        _fill(rows, {}, found, filters.group)
    return Matrix(filters, sorted(columns.values(), key=_column_order(filters.group)), list(rows.values()),
                  people=people, counts=(counts[0], counts[1]))


# CSV -------------------------------------------------------------------------------------------


def neutralise(value) -> str:
    """A cell a spreadsheet will not run as a formula: a leading = + - @ tab or CR gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(matrix: Matrix, cell: list[Credential]) -> str:
    if matrix.filters.group == "credential":
        return "; ".join(str(c.state_label) for c in cell)
    return "; ".join(f"{c.title} ({c.state_label})" for c in cell)


def to_csv(matrix: Matrix) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads accents), separated by semicolons, formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    header = [_("Employee"), _("Team")]
    header += [f"{c.label} — {c.detail}" if c.detail else c.label for c in matrix.columns]
    writer.writerow([neutralise(value) for value in header])
    for row in matrix.rows:
        values = [row.employee.full_name, row.employee.team or ""]
        values += [cell_text(matrix, row.cells.get(column.key, [])) for column in matrix.columns]
        writer.writerow([neutralise(value) for value in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
