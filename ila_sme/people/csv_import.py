"""Reading an employee CSV file: shape checks per row, with line numbers. Rules are in services."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ila_sme.accounts.models import normalise_email
from ila_sme.forms import CONTROL, csv_problem
from ila_sme.identifiers import InvalidIdentifier, normalise_insz
from ila_sme.people.employment import parse_pattern
from ila_sme.people.events import PeopleError

# (column, required, what it holds) -- shown on the import screen.
COLUMNS = [
    ("first_name", True, _l("First name")),
    ("last_name", True, _l("Last name")),
    ("national_number", True, _l("National number (INSZ), with or without dots and dash")),
    ("employment_pct", True, _l("Work regime in percent, e.g. 80 or 50,5")),
    ("hours_per_week", True, _l("Contract hours per week, e.g. 38 or 30,4")),
    ("contract_start", True, _l("Contract start: 2024-09-01 or 01/09/2024")),
    ("contract_end", False, _l("Contract end, empty when open-ended")),
    ("email", False, _l("E-mail address")),
    ("team", False, _l("Team or department")),
    ("approver_email", False, _l("E-mail of the manager who approves, who must be a manager here")),
    ("valid_from", False, _l("For someone already on file: the day the new regime, hours or pattern start "
                             "(required when they change)")),
    ("pattern", False, _l("Hours Monday to Sunday, e.g. 8;8;8;8;8;0;0 (empty: five equal days, or the "
                          "current days of someone on file)")),
]
REQUIRED = [name for name, required, _help in COLUMNS if required]


class CsvFileError(ValueError):
    """The file as a whole cannot be read."""


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFileError(_("The file is not text (save it as CSV, UTF-8)."))


def _parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation as error:
        raise ValueError from error
    if not number.is_finite():
        raise ValueError
    return number


def parse(content: bytes, approvers_by_email: dict[str, int]) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """Return (rows, errors); every row and error carries its line number in the file (header = 1)."""
    text = _decode(content)
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows, errors = [], []
    try:
        headers = [(name or "").strip().lower() for name in reader.fieldnames or []]
        reader.fieldnames = headers
        missing = [name for name in REQUIRED if name not in headers]
        if missing:
            raise CsvFileError(_("Missing columns: %(columns)s.", columns=", ".join(missing)))
        for row in reader:
            line = reader.line_num
            values = {key: (value or "").strip() for key, value in row.items() if key}
            if not any(values.values()):
                continue
            data, problems = _row(values, approvers_by_email)
            if problems:
                errors.extend((line, problem) for problem in problems)
            else:
                rows.append((line, data))
    except csv.Error as error:  # the reader cannot go on: the file is refused as a whole
        raise CsvFileError(_("Line %(line)s: %(problem)s.", line=reader.line_num + 1,
                             problem=csv_problem(error))) from error
    if not rows and not errors:
        raise CsvFileError(_("The file has no employees."))
    return rows, errors


def _row(values: dict, approvers_by_email: dict[str, int]) -> tuple[dict, list[str]]:
    problems = [_("%(column)s contains a line break or another control character", column=name)
                for name, value in values.items() if CONTROL.search(value)]
    data = {"first_name": values.get("first_name"), "last_name": values.get("last_name")}
    for name in ("first_name", "last_name"):
        if not data[name]:
            problems.append(_("%(column)s is empty", column=name))
        elif len(data[name]) > 100:
            problems.append(_("%(column)s is longer than 100 characters", column=name))
    try:
        data["national_number"] = normalise_insz(values.get("national_number", ""))
    except InvalidIdentifier:
        problems.append(_("national_number is not a valid national number"))
    for name, low, high in (("employment_pct", 1, 100), ("hours_per_week", 1, 60)):
        try:
            number = _parse_decimal(values.get(name, ""))
            if not low <= number <= high:
                raise ValueError
            data[name] = number
        except ValueError:
            problems.append(_("%(column)s must be a number from %(low)s to %(high)s", column=name, low=low, high=high))
    for name in ("contract_start", "contract_end", "valid_from"):
        raw = values.get(name, "")
        if not raw:
            data[name] = None
            if name == "contract_start":
                problems.append(_("contract_start is empty"))
            continue
        try:
            data[name] = _parse_date(raw)
        except ValueError:
            problems.append(_("%(column)s is not a date (use 2024-09-01 or 01/09/2024)", column=name))
    if data.get("contract_start") and data.get("contract_end") and data["contract_end"] < data["contract_start"]:
        problems.append(_("contract_end is before contract_start"))
    data["pattern"] = None
    if values.get("pattern"):
        try:
            data["pattern"] = parse_pattern(values["pattern"])
        except PeopleError as error:
            problems.append(f"pattern: {error}")
    email = normalise_email(values.get("email", ""))
    if email and ("@" not in email or len(email) > 254):
        problems.append(_("email is not an e-mail address"))
    data["email"] = email or None
    data["team"] = values.get("team") or None
    approver = normalise_email(values.get("approver_email", ""))
    data["approver_id"] = None
    if approver:
        if approver not in approvers_by_email:
            problems.append(_("approver_email is not a manager of this employer"))
        else:
            data["approver_id"] = approvers_by_email[approver]
    return data, problems
