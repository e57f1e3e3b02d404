"""Write a report in a format and log the export: who, when, parameters, line count, totals and the
SHA-256 of the very bytes written. The caller commits. This is what the command and the page call."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import datetime
from typing import BinaryIO

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.statements import cofunding, csvout, pdfout, xlsxout
from ila_sme.statements.models import StatementExport
from ila_sme.statements.report import Report

FORMATS = ("csv", "xlsx", "pdf")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "pdf": "application/pdf"}
LANGUAGES = ("nl", "fr", "en")


class ExportError(Exception):
    pass


class _Counting:
    """Passes bytes on, hashing and counting them."""

    def __init__(self, out: BinaryIO):
        self.out, self.sha, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)


def default_separator(language: str) -> str:
    """``;`` (and a decimal comma) for Dutch and French users, ``,`` for English."""
    return "," if language == "en" else ";"


def check(fmt: str, language: str, separator: str | None, *, formats=FORMATS) -> str:
    if fmt not in formats:
        raise ExportError(_("Not an export format: %(format)s (choose %(formats)s).", format=str(fmt)[:10],
                            formats=", ".join(formats)))
    if language not in LANGUAGES:
        raise ExportError(_("Not a language: %(language)s.", language=str(language)[:10]))
    separator = separator or default_separator(language)
    if separator not in csvout.SEPARATORS:
        raise ExportError(_("The separator is ; or ,."))
    return separator


def write(report: Report, fmt: str, out: BinaryIO, *, separator: str = ";", language: str = "nl") -> tuple[str, int]:
    """Write ``report`` to ``out``; returns (sha256, size). Labels stay in ``language``."""
    counting = _Counting(out)
    report.language = language
    with force_locale(language):
        if fmt == "csv":
            for chunk in csvout.chunks(report, separator):
                counting.write(chunk)
        else:
            with tempfile.TemporaryFile() as spool:  # a zip (XLSX) needs to seek; the PDF is made at once
                (xlsxout if fmt == "xlsx" else pdfout).write(report, spool)
                spool.seek(0)
                shutil.copyfileobj(spool, counting)
    return counting.sha.hexdigest(), counting.size


def log(report: Report, *, actor, employer, fmt: str, parameters: dict, sha256: str, size: int) -> StatementExport:
    entry = StatementExport(employer_id=employer.id, kind=report.kind, format=fmt, parameters=parameters,
                            line_count=report.line_count, totals=report.totals() or None, sha256=sha256,
                            size_bytes=size, created_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    record("statements.exported", actor=actor, employer_id=employer.id, obj=entry,
           after={"kind": report.kind, "format": fmt, "parameters": parameters, "lines": report.line_count,
                  "sha256": sha256})
    return entry


def export_report(report: Report, out: BinaryIO, *, actor, employer, fmt: str, parameters: dict,
                  separator: str | None = None, language: str = "nl") -> StatementExport:
    separator = check(fmt, language, separator)
    sha256, size = write(report, fmt, out, separator=separator, language=language)
    return log(report, actor=actor, employer=employer, fmt=fmt,
               parameters={**parameters, "format": fmt, "language": language,
                           **({"separator": separator} if fmt == "csv" else {})},
               sha256=sha256, size=size)


def export_statement(employer, out: BinaryIO, *, actor, period: str, fmt: str = "csv", source: str | None = None,
                     separator: str | None = None, language: str = "nl",
                     generated_at: datetime | None = None) -> StatementExport:
    """The co-funding statement of ``period`` ('2026-07', '2026-Q3', '2026') written to ``out`` and logged.
    ExportError / cofunding.StatementError with a clear message when a parameter is wrong (nothing written)."""
    check(fmt, language, separator)
    statement = cofunding.build(employer, period, source=source, language=language, generated_at=generated_at)
    return export_report(statement.report, out, actor=actor, employer=employer, fmt=fmt, separator=separator,
                         language=language, parameters={"period": statement.period.label, "source": source})


def export_log(employer, *, limit: int = 100) -> list[StatementExport]:
    """The latest exports of an employer, newest first (accountants and admins see it)."""
    return list(db.session.scalars(select(StatementExport).where(StatementExport.employer_id == employer.id)
                                   .order_by(StatementExport.created_at.desc(), StatementExport.id.desc())
                                   .limit(limit)))


def filename(employer, kind: str, label: str, fmt: str) -> str:
    return f"{kind}-{employer.enterprise_number}-{label}.{fmt}"
