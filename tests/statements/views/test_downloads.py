"""Downloading the statement and the other exports: headers, the bytes, and the export log row."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.statements import cofunding, exports
from ila_sme.statements.models import StatementExport
from tests.statements.views.conftest import csv_rows, text, token

MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _count(model=StatementExport) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _download(client, **fields):
    data = {"kind": "quarter", "period": "2026-Q3", "source": "", "format": "csv", "separator": ",",
            "csrf_token": token(client), **fields}
    return client.post("/statements/download", data=data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_each_format_downloads_and_is_logged(client, auth, books, fmt):
    auth.login(books.accountant)
    response = _download(client, format=fmt)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == MEDIA[fmt]
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=cofunding-{books.employer.enterprise_number}-2026-Q3.{fmt}")
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    entry = db.session.scalar(select(StatementExport))
    assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size_bytes == len(data)
    assert entry.created_by_id == books.accountant.id and entry.employer_id == books.employer.id
    assert entry.kind == "cofunding" and entry.format == fmt and entry.line_count == 5
    assert entry.parameters["period"] == "2026-Q3" and entry.parameters["language"] == "en"
    statement = cofunding.build(books.employer, "2026-Q3", language="en")
    assert sum(1 for _row in statement.report.rows()) == entry.line_count
    assert entry.totals == statement.totals() and entry.totals["overall"] == "1523.94"


def test_the_xlsx_total_is_the_previews_total(client, auth, books):
    auth.login(books.accountant)
    data = _download(client, format="xlsx").get_data()
    sheet = load_workbook(io.BytesIO(data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    total = next(row for row in values if row and row[1] == "Total" and isinstance(row[8], Decimal | float | int))
    assert Decimal(str(total[8])) == Decimal("1523.94")


def test_csv_uses_the_separator_chosen(client, auth, books):
    auth.login(books.accountant)
    data = _download(client, format="csv", separator=";").get_data()
    rows = csv_rows(data, ";")
    assert ["Period", "2026-Q3"] in rows
    assert any(row[:2] == ["", "Total"] and row[8] == "1523,94" for row in rows if len(row) > 8)


@pytest.mark.parametrize(("fields", "message"), [
    ({"period": "2026-13"}, "Not a period: 2026-13."),
    ({"kind": "month", "period": "2026-12"}, "Period 2026-12 has not started yet"),
    ({"source": "lottery"}, "Not a funding source: lottery."),
    ({"format": "docx"}, "Not an export format: docx"),
])
def test_bad_parameters_give_a_message_and_no_file(client, auth, books, fields, message):
    auth.login(books.accountant)
    response = _download(client, **fields)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("text/html")
    assert message in text(response.get_data(as_text=True))
    assert _count() == 0


def test_vov_claims(client, auth, books):
    auth.login(books.accountant)
    response = client.post("/statements/vov-claims", data={"school_year": "2025-26", "csrf_token": token(client)})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=vov_claims-{books.employer.enterprise_number}-2025-26.csv")
    rows = csv_rows(response.get_data())
    assert rows[0] == ["Training leave refund claims (VOV)"] and ["School year", "2025-26"] in rows
    entry = db.session.scalar(select(StatementExport))
    assert entry.kind == "vov_claims" and entry.parameters["school_year"] == "2025-26"
    assert entry.sha256 == hashlib.sha256(response.get_data()).hexdigest()


def test_vov_claims_need_a_school_year(client, auth, books):
    auth.login(books.accountant)
    response = client.post("/statements/vov-claims", data={"school_year": "2025", "csrf_token": token(client)})
    assert response.status_code == 422
    assert "Not a school year: 2025. Give it as 2025-26." in text(response.get_data(as_text=True))
    assert _count() == 0


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_training_account(client, auth, books, fmt):
    auth.login(books.accountant)
    response = client.post("/statements/training-account", data={
        "employee_id": books.wim.id, "year": "2026", "format": fmt, "csrf_token": token(client)})
    assert response.status_code == 200 and response.headers["Content-Type"] == MEDIA[fmt]
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=training_account-{books.employer.enterprise_number}-{books.wim.id}-2026.{fmt}")
    entry = db.session.scalar(select(StatementExport))
    assert entry.kind == "training_account" and entry.parameters["employee_id"] == books.wim.id
    assert entry.sha256 == hashlib.sha256(response.get_data()).hexdigest()
    if fmt == "csv":
        assert ["Employee", "Wim Worker"] in csv_rows(response.get_data())


def test_another_employers_employee_is_not_offered(client, auth, books):
    from ila_sme.people.models import EmployeeRecord

    stranger = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.employer_id == books.other.id))
    auth.login(books.accountant)
    response = client.post("/statements/training-account", data={
        "employee_id": stranger.id, "year": "2026", "format": "csv", "csrf_token": token(client)})
    assert response.status_code == 422 and "Not a valid choice" in text(response.get_data(as_text=True))
    assert _count() == 0


def test_audit_log(client, auth, books):
    record("test.event", actor=books.admin, employer_id=books.employer.id, after={"note": "=1+1"})
    record("test.elsewhere", actor=None, employer_id=books.other.id)
    db.session.commit()
    auth.login(books.accountant)
    today = utcnow().date().isoformat()  # audit events carry the real clock's time
    response = client.post("/statements/audit-log", data={"start": "2000-01-01", "end": today,
                                                          "csrf_token": token(client)})
    assert response.status_code == 200
    rows = csv_rows(response.get_data())
    actions = [row[2] for row in rows if len(row) > 2]
    assert "test.event" in actions and "test.elsewhere" not in actions
    entry = db.session.scalar(select(StatementExport))
    assert entry.kind == "audit" and entry.parameters["from"] == "2000-01-01"
    assert entry.line_count == db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.employer_id == books.employer.id, AuditEvent.action != "statements.exported"))


def test_audit_log_refuses_an_end_before_the_start(client, auth, books):
    auth.login(books.accountant)
    response = client.post("/statements/audit-log", data={"start": "2026-05-01", "end": "2026-04-01",
                                                          "csrf_token": token(client)})
    assert response.status_code == 422 and "The end comes before the start." in text(response.get_data(as_text=True))
    assert _count() == 0


def test_the_default_separator_follows_the_language(client, auth, books):
    auth.login(books.accountant)
    html = client.get("/statements", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<option value=";" selected>' in html and "Periode 2026-Q3" in text(html) and "5 regels." in text(html)
    assert exports.default_separator("en") == "," and '<option value="," selected>' in client.get(
        "/statements").get_data(as_text=True)
