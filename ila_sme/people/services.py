"""Employee records: create, update, and import from CSV (all rows or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ila_sme import dates
from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import User
from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.identifiers import InvalidIdentifier, looks_like_insz, normalise_insz
from ila_sme.people import csv_import, employment
from ila_sme.people.events import PeopleError, employee_set_up, employment_changed
from ila_sme.people.history import History, start_history
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role

# What a new employee is created with; the first terms and contract start the history.
EDITABLE = (
    "first_name", "last_name", "email", "national_number", "team", "employment_pct", "hours_per_week",
    "contract_start", "contract_end", "approver_id", "deputy_id", "deputy_from", "deputy_until",
)
# What the edit form changes on an existing employee. Work terms and contracts change only through the
# history (``people.employment``): new rows from a day on, never an edit of the record.
PERSONAL = (
    "first_name", "last_name", "email", "national_number", "team", "approver_id", "deputy_id", "deputy_from",
    "deputy_until",
)
# What entitlements are computed from (the record's summary of the history).
CONTRACT = ("employment_pct", "hours_per_week", "contract_start", "contract_end")
__all__ = ["PeopleError", "employee_set_up", "employment_changed"]


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


def _check_rules(employer, data: dict, record_id: int | None = None, user_id: int | None = None) -> None:
    """``user_id``: the employee's own user, who may be neither their approver nor their deputy."""
    duplicate = db.session.scalar(
        select(EmployeeRecord.id).where(
            EmployeeRecord.employer_id == employer.id,
            EmployeeRecord.national_number == data["national_number"],
        )
    )
    if duplicate is not None and duplicate != record_id:
        # Never who holds it: the person typing may not know, and should not learn it here.
        raise PeopleError(_("This national number is already in use."), "national_number")
    if user_id is not None:
        if data.get("approver_id") == user_id:
            raise PeopleError(_("Nobody approves their own leave: choose another approver."), "approver_id")
        if data.get("deputy_id") == user_id:
            raise PeopleError(_("Nobody approves their own leave: choose another deputy."), "deputy_id")
    allowed = {user.id for user in approvers(employer)}
    for key in ("approver_id", "deputy_id"):
        if data.get(key) and data[key] not in allowed:
            raise PeopleError(_("Choose a manager of this employer."), key)


def has_valid_approver(employee: EmployeeRecord, approver_ids: set[int]) -> bool:
    """Whether someone other than the employee, an active manager or admin here (``approver_ids``:
    ``approvers(employer)``), approves the employee's leave. Without one, the employer's admins decide."""
    return bool(employee.approver_id) and employee.approver_id != employee.user_id \
        and employee.approver_id in approver_ids


def without_valid_approver(employer, people: list[EmployeeRecord]) -> set[int]:
    """The ids of ``people`` who have no valid approver (``has_valid_approver``)."""
    allowed = {user.id for user in approvers(employer)}
    return {employee.id for employee in people if not has_valid_approver(employee, allowed)}


def create_employee(*, actor, employer, data: dict, today: date | None = None) -> EmployeeRecord:
    """A new employee with the first terms and contract of their history. ``data["pattern"]``: the weekly
    hours Monday..Sunday (optional: five equal days); given, its sum must be the hours per week."""
    if not data.get("national_number"):
        raise PeopleError(_("The national number is required."), "national_number")
    _check_rules(employer, data)
    pattern = None
    if data.get("pattern"):
        data = dict(data)
        _pct, data["hours_per_week"], hours = employment.check_terms(
            data.get("employment_pct"), data.get("hours_per_week"), data["pattern"])
        pattern = [str(day) for day in hours]
    employee = EmployeeRecord(employer_id=employer.id, **{key: data.get(key) for key in EDITABLE})
    db.session.add(employee)
    db.session.flush()
    start_history(employee, actor=actor, pattern=pattern)
    record("employee.created", actor=actor, employer_id=employer.id, obj=employee, after=employee.audit_view())
    employee_set_up.send(employee, today=today or dates.today())
    return employee


def update_employee(*, actor, employee: EmployeeRecord, data: dict, today: date | None = None) -> EmployeeRecord:
    """Name, e-mail, national number, team, approver and deputy. Terms and contracts: ``people.employment``."""
    data = dict(data)
    if not data.get("national_number"):
        data["national_number"] = employee.national_number  # left blank: unchanged
    _check_rules(employee.employer, data, record_id=employee.id, user_id=employee.user_id)
    before = employee.audit_view()
    for key in PERSONAL:
        setattr(employee, key, data.get(key))
    old, new = changes(before, employee.audit_view())
    if new:
        record("employee.updated", actor=actor, employer_id=employee.employer_id, obj=employee, before=old, after=new)
    return employee


def employee_query(employer, search: str = ""):
    """The employees matching ``search``, in name order, as a query (None: a mistyped national number).

    Search by name or team (part of it), or by national number (the whole number only): a part of a
    number never matches, that would reveal the rest one digit at a time.
    """
    query = select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id)
    if looks_like_insz(search):
        try:
            number = normalise_insz(search)
        except InvalidIdentifier:
            return None
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
    return query.order_by(EmployeeRecord.last_name, EmployeeRecord.first_name, EmployeeRecord.id)


def employees(employer, search: str = "") -> list[EmployeeRecord]:
    """Every employee matching ``search`` (``employee_query``)."""
    query = employee_query(employer, search)
    return [] if query is None else list(db.session.scalars(query))


def count_without_valid_approver(employer, query) -> int:
    """How many of the employees of ``query`` have no valid approver (``has_valid_approver``), counted in SQL."""
    approver_ids = (select(User.id).join(Membership, Membership.user_id == User.id)
                    .where(Membership.employer_id == employer.id, Membership.role.in_([Role.MANAGER, Role.ADMIN]),
                           User.active.is_(True)))
    invalid = db.or_(EmployeeRecord.approver_id.is_(None), EmployeeRecord.approver_id == EmployeeRecord.user_id,
                     EmployeeRecord.approver_id.not_in(approver_ids))
    return db.session.scalar(select(db.func.count()).select_from(query.where(invalid).order_by(None).subquery()))


@dataclass
class ImportResult:
    created: list[EmployeeRecord] = field(default_factory=list)
    updated: list[EmployeeRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _on_file(employer, rows: list[tuple[int, dict]]) -> dict[str, EmployeeRecord]:
    """The employees already on file among the rows, by national number."""
    numbers = [data["national_number"] for _line, data in rows]
    return {employee.national_number: employee for employee in db.session.scalars(
        select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id,
                                     EmployeeRecord.national_number.in_(numbers)))}


def check_import(employer, rows: list[tuple[int, dict]]) -> list[tuple[int, str]]:
    """Every business-rule error of the rows, with its line: duplicates in the file, then the rules.

    A row whose national number is on file updates that person's history (``import_employees``)."""
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    existing = _on_file(employer, rows)
    for line, data in rows:
        first = seen.setdefault(data["national_number"], line)
        if first != line:
            errors.append((line, _("the same national number as line %(line)s", line=first)))
            continue
        employee = existing.get(data["national_number"])
        try:
            if employee is None:
                _check_rules(employer, data)
                if data.get("pattern"):
                    employment.check_terms(data["employment_pct"], data["hours_per_week"], data["pattern"])
            else:
                _check_update(employee, data)
        except PeopleError as error:
            errors.append((line, str(error)))
    return errors


def _check_update(employee: EmployeeRecord, data: dict) -> None:
    """What a row for someone on file must satisfy before anything is written (``_update_from_import``)."""
    terms = _imported_terms(employee, data)
    history = History.of(employee)
    if terms is not None:
        if not data.get("valid_from"):
            raise PeopleError(_("valid_from is required: the terms of this person on file change"), "valid_from")
        employment.check_terms(*terms)
        if not history.is_employed_on(data["valid_from"]):
            raise PeopleError(_("valid_from %(day)s is outside every contract of this person",
                                day=data["valid_from"].isoformat()), "valid_from")
    end = data.get("contract_end")
    if end != employee.contract_end and history.contracts and end is not None \
            and end < history.contracts[-1].starts_on:
        raise PeopleError(_("contract_end is before the start of this person's last contract (%(day)s)",
                            day=history.contracts[-1].starts_on.isoformat()), "contract_end")


def _imported_terms(employee: EmployeeRecord, data: dict):
    """(regime, hours, pattern) the row asks for when they differ from the terms in force on its
    ``valid_from`` (else None). No pattern in the row: the current one, scaled to new hours."""
    history = History.of(employee)
    day = data.get("valid_from") or history.terms[-1].valid_from
    current = history.terms_on(day) or history.terms[0]
    pct, hours = Decimal(data["employment_pct"]), Decimal(data["hours_per_week"])
    old_pattern = [Decimal(str(value)) for value in current.pattern]
    if data.get("pattern"):
        pattern = [Decimal(str(value)) for value in data["pattern"]]
    elif hours == current.hours_per_week:
        pattern = old_pattern
    else:
        scale = hours / current.hours_per_week
        pattern = [(value * scale).quantize(employment.HOURS) for value in old_pattern]
    if pct == current.employment_pct and hours == current.hours_per_week and pattern == old_pattern:
        return None
    return pct, hours, pattern


def _update_from_import(*, actor, employee: EmployeeRecord, data: dict, today: date) -> bool:
    """Apply one row to someone on file: new terms from ``valid_from``, a corrected contract end. Changed?"""
    changed = False
    _check_update(employee, data)
    terms = _imported_terms(employee, data)
    if terms is not None:
        pct, hours, pattern = terms
        employment.change_terms(actor=actor, employee=employee, valid_from=data["valid_from"], employment_pct=pct,
                                hours_per_week=hours, pattern=pattern, reason=_("CSV import"), today=today)
        changed = True
    if data.get("contract_end") != employee.contract_end:
        last = History.of(employee).contracts[-1]
        employment.end_contract(actor=actor, employee=employee, period=last, ends_on=data.get("contract_end"),
                                reason=_("CSV import"), today=today)
        changed = True
    return changed


def import_employees(*, actor, employer, rows: list[tuple[int, dict]], today: date | None = None) -> ImportResult:
    """Create every new row and update the history of everyone on file, or nothing: any error keeps the
    whole file out (what the rows wrote is rolled back to a savepoint).

    ``rows`` come from ``people.csv_import.parse``: already checked for shape.
    """
    today = today or dates.today()
    result = ImportResult(errors=check_import(employer, rows))
    if result.errors:
        return result
    existing = _on_file(employer, rows)
    savepoint = db.session.begin_nested()
    for line, data in rows:
        employee = existing.get(data["national_number"])
        try:
            if employee is None:
                result.created.append(create_employee(actor=actor, employer=employer, data=data, today=today))
            elif _update_from_import(actor=actor, employee=employee, data=data, today=today):
                result.updated.append(employee)
        except PeopleError as error:
            result.errors.append((line, str(error)))
    if result.errors:
        savepoint.rollback()
        result.created, result.updated = [], []
        return result
    savepoint.commit()
    summary = {"count": len(result.created)}
    if result.updated:
        summary["updated"] = len(result.updated)
    record("employees.imported", actor=actor, employer_id=employer.id, after=summary)
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
    if employee is not None and employee.user_id is None and employee_for_user(employee.employer, user) is None:
        employee.user_id = user.id


def employee_for_user(employer, user) -> EmployeeRecord | None:
    """The user's own record here, with their approver (every screen that shows one names them) in the same query."""
    return db.session.scalar(
        select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id, EmployeeRecord.user_id == user.id)
        .options(joinedload(EmployeeRecord.approver))
    )


def _team(employer, approver):
    return (select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id)
            .where(db.or_(EmployeeRecord.approver_id == approver.id, EmployeeRecord.deputy_id == approver.id)))


def team_of(employer, approver) -> list[EmployeeRecord]:
    """The employees whose approver (or deputy) this user is."""
    return list(db.session.scalars(_team(employer, approver).order_by(EmployeeRecord.last_name,
                                                                      EmployeeRecord.first_name)))


def team_size_query(employer, approver):
    """How many ``team_of`` lists, as a scalar subquery: a home card reads it with its other figures."""
    return select(func.count()).select_from(_team(employer, approver).subquery()).scalar_subquery()


def staff_size_query(employer):
    """How many ``employees`` lists without a search, as a scalar subquery."""
    return (select(func.count()).select_from(EmployeeRecord)
            .where(EmployeeRecord.employer_id == employer.id).scalar_subquery())


def team_size(employer, approver) -> int:
    """How many ``team_of`` lists, counted by the database."""
    return db.session.scalar(select(team_size_query(employer, approver)))


def staff_size(employer) -> int:
    """How many ``employees`` lists without a search, counted by the database."""
    return db.session.scalar(select(staff_size_query(employer)))
