"""Employee records: create, update, and import from CSV (all rows or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme import dates
from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import User
from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.identifiers import InvalidIdentifier, looks_like_insz, normalise_insz
from ila_sme.people import csv_import
from ila_sme.people.history import start_history
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role

EDITABLE = (
    "first_name", "last_name", "email", "national_number", "team", "employment_pct", "hours_per_week",
    "contract_start", "contract_end", "approver_id", "deputy_id", "deputy_from", "deputy_until",
)
# What entitlements are computed from: a change of these sets the employee up again.
CONTRACT = ("employment_pct", "hours_per_week", "contract_start", "contract_end")

# Features above this one add what a new employee, or one whose contract changed, needs (the
# period's leave allocation) in the same transaction: ``receiver(employee, today=...)`` adds and flushes.
employee_set_up = Namespace().signal("employee-set-up")
# A fact an entitlement is computed from changed (work terms, a contract period): features above
# recompute what it touches, in the same transaction. ``receiver(employee, since=date, change=str,
# actor=User, today=date)``; ``change`` names it for the ledger ("work regime 50 % from 2026-07-01").
employment_changed = Namespace().signal("employment-changed")


class PeopleError(Exception):
    """A business rule refused the change; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def approvers(employer) -> list[User]:
    """Users who may approve: the employer's managers and admins."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.employer_id == employer.id, Membership.role.in_([Role.MANAGER, Role.ADMIN]))
            .where(User.active.is_(True))
            .distinct()
            .order_by(User.name)
        )
    )


def _check_rules(employer, data: dict, record_id: int | None = None) -> None:
    duplicate = db.session.scalar(
        select(EmployeeRecord.id).where(
            EmployeeRecord.employer_id == employer.id,
            EmployeeRecord.national_number == data["national_number"],
        )
    )
    if duplicate is not None and duplicate != record_id:
        # Never who holds it: the person typing may not know, and should not learn it here.
        raise PeopleError(_("This national number is already in use."), "national_number")
    allowed = {user.id for user in approvers(employer)}
    for key in ("approver_id", "deputy_id"):
        if data.get(key) and data[key] not in allowed:
            raise PeopleError(_("Choose a manager of this employer."), key)


def create_employee(*, actor, employer, data: dict, today: date | None = None) -> EmployeeRecord:
    if not data.get("national_number"):
        raise PeopleError(_("The national number is required."), "national_number")
    _check_rules(employer, data)
    employee = EmployeeRecord(employer_id=employer.id, **{key: data.get(key) for key in EDITABLE})
    db.session.add(employee)
    db.session.flush()
    start_history(employee, actor=actor, pattern=data.get("pattern"))
    record("employee.created", actor=actor, employer_id=employer.id, obj=employee, after=employee.audit_view())
    employee_set_up.send(employee, today=today or dates.today())
    return employee


def update_employee(*, actor, employee: EmployeeRecord, data: dict, today: date | None = None) -> EmployeeRecord:
    data = dict(data)
    if not data.get("national_number"):
        data["national_number"] = employee.national_number  # left blank: unchanged
    _check_rules(employee.employer, data, record_id=employee.id)
    before = employee.audit_view()
    for key in EDITABLE:
        setattr(employee, key, data.get(key))
    old, new = changes(before, employee.audit_view())
    if new:
        record("employee.updated", actor=actor, employer_id=employee.employer_id, obj=employee, before=old, after=new)
    if any(key in new for key in CONTRACT):
        employee_set_up.send(employee, today=today or dates.today())
    return employee


def employees(employer, search: str = "") -> list[EmployeeRecord]:
    """Search by name or team (part of it), or by national number (the whole number only).

    A part of a number never matches: that would reveal the rest one digit at a time.
    """
    query = select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id)
    if looks_like_insz(search):
        try:
            number = normalise_insz(search)
        except InvalidIdentifier:
            return []
        query = query.where(EmployeeRecord.national_number == number)
    elif search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            db.or_(
                db.func.lower(EmployeeRecord.first_name).like(pattern),
                db.func.lower(EmployeeRecord.last_name).like(pattern),
                db.func.lower(EmployeeRecord.team).like(pattern),
            )
        )
    return list(db.session.scalars(query.order_by(EmployeeRecord.last_name, EmployeeRecord.first_name)))


@dataclass
class ImportResult:
    created: list[EmployeeRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_import(employer, rows: list[tuple[int, dict]]) -> list[tuple[int, str]]:
    """Every business-rule error of the rows, with its line: duplicates in the file, then the rules."""
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, data in rows:
        first = seen.setdefault(data["national_number"], line)
        if first != line:
            errors.append((line, _("the same national number as line %(line)s", line=first)))
            continue
        try:
            _check_rules(employer, data)
        except PeopleError as error:
            errors.append((line, str(error)))
    return errors


def import_employees(*, actor, employer, rows: list[tuple[int, dict]], today: date | None = None) -> ImportResult:
    """Create every row, or none: any business-rule error keeps the whole file out.

    ``rows`` come from ``people.csv_import.parse``: already checked for shape.
    """
    result = ImportResult(errors=check_import(employer, rows))
    if result.errors:
        return result
    result.created = [create_employee(actor=actor, employer=employer, data=data, today=today)
                      for _line, data in rows]
    record("employees.imported", actor=actor, employer_id=employer.id, after={"count": len(result.created)})
    return result


def import_file(*, actor, employer, upload: BinaryIO) -> ImportResult:
    """The import screen's upload: every row, or none and every error of the file at once (the shape of
    each row and the rules over those that parsed), by line. Reads at most the size limit and a byte, so
    a larger file never sits in memory. CsvFileError when the file as a whole cannot be read.
    """
    limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise csv_import.CsvFileError(_("The file is larger than 2 MB."))
    rows, errors = csv_import.parse(content, {user.email: user.id for user in approvers(employer)})
    errors = sorted(errors + check_import(employer, rows), key=lambda error: error[0])
    if errors:
        return ImportResult(errors=errors)
    return import_employees(actor=actor, employer=employer, rows=rows)


@accounts.invitation_accepted.connect
def _give_the_invited_record(invitation, *, user, **_ignored) -> None:
    """An invitation sent for an employee record makes the new user that employee, unless someone is already."""
    if invitation.employee_record_id is None:
        return
    employee = db.session.get(EmployeeRecord, invitation.employee_record_id)
    if employee is not None and employee.user_id is None:
        employee.user_id = user.id


def employee_for_user(employer, user) -> EmployeeRecord | None:
    return db.session.scalar(
        select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id, EmployeeRecord.user_id == user.id)
    )


def team_of(employer, approver) -> list[EmployeeRecord]:
    """The employees whose approver (or deputy) this user is."""
    return list(
        db.session.scalars(
            select(EmployeeRecord)
            .where(EmployeeRecord.employer_id == employer.id)
            .where(db.or_(EmployeeRecord.approver_id == approver.id, EmployeeRecord.deputy_id == approver.id))
            .order_by(EmployeeRecord.last_name, EmployeeRecord.first_name)
        )
    )
