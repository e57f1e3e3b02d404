"""Import the training registry from a file, for a register without the API: all or nothing.

JSON: a list of training objects exactly as ``GET /v1/trainings`` sends them (ledger-api.md), or
``{"trainings": [...]}``. A problem is reported on "line" = the item's index + 1.

CSV: UTF-8 (with or without BOM), separated by ``;`` or ``,`` (the header line decides), one header line
(line 1) then one training per line. Columns, in any order:

    registry_id, title, provider_name            required, text
    provider_enterprise_number                   optional, not kept (the catalogue has no column for it)
    language                                     nl, fr, de, en … (empty: nl)
    hours                                        contact hours, required; decimal point or comma
    ects                                         study points, optional
    eqf_level                                    1 to 8, optional
    delivery                                     onsite | online | blended
    cost                                         EUR, at most two decimals: 450.10, 450,10 or 1.234,56
    eligible_ila, eligible_paid_leave,
    leads_to_microcredential, withdrawn          true/false, 1/0, yes/no, ja/nee, oui/non (empty: false)
    valid_from, valid_until                      2026-09-01 or 01/09/2026, optional
    updated_at                                   optional, RFC 3339

Every row is checked (the same checks and the same upsert as the sync, ``sync.parse_training`` and
``sync.upsert``); if any row is bad, nothing changes, the failed run is recorded, and
``RegistryImportError`` lists every bad row with its line and reason.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ila_sme.forms import csv_problem
from ila_sme.trainings.sync import Counts, RegistrySyncRun, RowError, begin_run, fail_run, finish_run, parse_training
from ila_sme.trainings.sync import upsert as upsert_training

FORMATS = ("csv", "json")
REQUIRED_COLUMNS = ("registry_id", "title", "provider_name", "hours", "delivery", "cost")
OPTIONAL_COLUMNS = ("provider_enterprise_number", "language", "ects", "eqf_level", "eligible_ila",
                    "eligible_paid_leave", "leads_to_microcredential", "valid_from", "valid_until", "withdrawn",
                    "updated_at", "starts_on", "ends_on", "qualifies_for")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


@dataclass(frozen=True)
class Problem:
    line: int  # CSV: the line in the file (header = 1); JSON: the item's index + 1; 0: the file itself
    reason: str

    def __str__(self) -> str:
        return _("line %(line)s: %(reason)s", line=self.line, reason=self.reason) if self.line else self.reason


class RegistryImportError(ValueError):
    """The file was refused: nothing was imported. ``problems`` lists every bad row."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def import_file(source: str | Path | bytes, fmt: str, now: datetime | None = None) -> RegistrySyncRun:
    """Upsert every training of the file in one transaction (commits), or none of them: then the run is
    recorded as failed and ``RegistryImportError`` raised with every problem."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: csv or json")
    content = source if isinstance(source, bytes) else Path(source).read_bytes()
    run = begin_run("file", now)
    run_id = run.id
    counts = Counts()
    try:
        rows, problems = read_csv(content) if fmt == "csv" else read_json(content)
    except RegistryImportError as error:
        rows, problems = [], list(error.problems)
    seen: dict[str, int] = {}
    try:
        for line, data in rows:
            reasons = _twice(data, line, seen)
            try:
                item = parse_training(data)
            except RowError as error:
                reasons += error.reasons
            if reasons:
                problems.append(Problem(line, "; ".join(reasons)))
                continue
            try:
                upsert_training(item, counts)
            except RowError as error:
                problems.append(Problem(line, "; ".join(error.reasons)))
    except IntegrityError as error:  # another import or sync inserted the same training meanwhile
        message = _("Another import or sync changed the same trainings at the same time; try again.")
        fail_run(run_id, message, now)
        raise RegistryImportError([Problem(0, message)]) from error
    except Exception as error:
        fail_run(run_id, f"{type(error).__name__}: {error}", now)
        raise
    if not rows and not problems:
        problems.append(Problem(0, _("The file holds no training.")))
    if problems:
        problems.sort(key=lambda problem: problem.line)
        fail_run(run_id, _summary(problems), now)
        raise RegistryImportError(problems)
    finish_run(run, counts, None, now)
    return run


def _twice(data, line: int, seen: dict[str, int]) -> list[str]:
    """A registry id that an earlier line of the file already gave."""
    registry_id = data.get("registry_id") if isinstance(data, dict) else None
    if not isinstance(registry_id, str) or not registry_id.strip():
        return []
    registry_id = " ".join(registry_id.split())
    if registry_id in seen:
        return [_("registry_id %(id)s is already on line %(line)s", id=registry_id, line=seen[registry_id])]
    seen[registry_id] = line
    return []


def _summary(problems: list[Problem]) -> str:
    """What the failed run records: how many bad rows, then their reasons (cut to the column's length)."""
    return ngettext("%(num)s bad row, nothing imported: %(rows)s", "%(num)s bad rows, nothing imported: %(rows)s",
                    len(problems), rows="; ".join(str(problem) for problem in problems))


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RegistryImportError([Problem(0, _("The file is not UTF-8 text (byte %(position)s).",
                                                position=error.start + 1))]) from error


def read_json(content: bytes) -> tuple[list[tuple[int, object]], list[Problem]]:
    """(item index + 1, item) for each training of the file; no problem found yet."""
    try:
        document = json.loads(_decode(content))
    except json.JSONDecodeError as error:
        raise RegistryImportError([Problem(0, _("The file is not valid JSON: %(reason)s (line %(line)s).",
                                                reason=error.msg, line=error.lineno))]) from error
    if isinstance(document, dict) and isinstance(document.get("trainings"), list):
        document = document["trainings"]
    if not isinstance(document, list):
        raise RegistryImportError([Problem(0, _('The JSON file must be a list of trainings or {"trainings": [...]}.'))])
    return list(enumerate(document, start=1)), []


def read_csv(content: bytes) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """(line in the file, training in ledger-api.md's shape) for each non-empty line after the header, and
    the lines that do not have as many values as the header has columns."""
    text = _decode(content)
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise RegistryImportError([Problem(0, _("The file is empty."))]) from None
    except csv.Error as error:
        raise RegistryImportError([Problem(1, csv_problem(error))]) from error
    columns = [name.strip().lower() for name in header]
    _check_header(columns)
    rows, problems, line = [], [], reader.line_num
    try:
        for values in reader:
            first, line = line + 1, reader.line_num  # a quoted value may span lines: report the first
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                problems.append(Problem(first, _("%(found)s values where the header has %(expected)s columns",
                                                 found=len(values), expected=len(columns))))
                continue
            rows.append((first, _api_shape(dict(zip(columns, values, strict=True)))))
    except csv.Error as error:
        problems.append(Problem(line + 1, csv_problem(error)))
    return rows, problems


def _check_header(columns: list[str]) -> None:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(_("missing column(s): %(names)s", names=", ".join(missing)))
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        problems.append(_("unknown column(s): %(names)s (the columns are: %(known)s)",
                          names=", ".join(name or "“”" for name in unknown), known=", ".join(COLUMNS)))
    doubled = sorted({name for name in columns if columns.count(name) > 1})
    if doubled:
        problems.append(_("column(s) given twice: %(names)s", names=", ".join(doubled)))
    if problems:
        raise RegistryImportError([Problem(1, "; ".join(problems))])


def _api_shape(row: dict[str, str]) -> dict:
    """A CSV row for the shared parser, which reads strings and a flat ``provider_name`` as well."""
    return {name: value for name, value in row.items() if name != "provider_enterprise_number"}
