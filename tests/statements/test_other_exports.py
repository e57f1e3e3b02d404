"""The other exports: VOV refund claims, the individual training account, the audit log; all logged."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.audit.services import record
from ila_sme.dates import local
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.leave import assessments, ledger
from ila_sme.leave.models import EntryKind
from ila_sme.refunds import services as refunds
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind, Scheme
from ila_sme.statements import exports, vov_account_audit
from tests import factories
from tests.statements.conftest import INJECTIONS
from tests.statements.helpers import csv_amount, csv_rows, pdf_text, section


def _export(books, report, fmt="csv", **parameters):
    out = io.BytesIO()
    entry = exports.export_report(report, out, actor=books.accountant, employer=books.employer, fmt=fmt,
                                  separator=",", language="en", parameters=parameters)
    db.session.commit()
    return out.getvalue(), entry


def _lines(rows, first_title: str):
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_title)
    end = next((i for i in range(start + 1, len(rows)) if not rows[i]), len(rows))
    return rows[start + 1:end], rows[end:]


def _vov_leave(books, employee, start: date, end: date, hours: str):
    leave_type = next(t for t in schemes.leave_types(books.employer) if t.kind == LeaveKind.TRAINING)
    return factories.leave_request(employee, books.admin, leave_type_id=leave_type.id, scheme=Scheme.VOV,
                                   period="2025-26", start_date=start, end_date=end, amount=Decimal(hours),
                                   training_id=books.course.id, status="approved")


def test_vov_claims_match_the_refund_sheet(books):
    _vov_leave(books, books.wim, date(2026, 3, 2), date(2026, 3, 3), "16")
    _vov_leave(books, books.evil, date(2026, 4, 13), date(2026, 4, 13), "7.5")
    for employee in (books.wim, books.evil):  # taken: the refund is released whatever today is
        assessments.record_final_assessment(actor=books.accountant, employee=employee, training=books.course,
                                             taken_on=date(2026, 4, 14), today=date(2026, 4, 30))
    db.session.commit()
    data, entry = _export(books, vov_account_audit.vov_claims(books.employer, "2025-26", language="en"),
                          school_year="2025-26")
    lines, rest = _lines(csv_rows(data), "Employee")
    sheet = refunds.refund_sheet(books.employer, refunds.parse_school_year("2025-26"), today=utcnow().date())
    assert [(line[0], line[3], line[4], line[5], Decimal(line[6])) for line in lines] == [
        ("Wim Worker", books.course.registry_id, "2026-03-02", "2026-03-03", Decimal("16.00")),
        ("'" + f"{INJECTIONS[0]} {INJECTIONS[1]}", books.course.registry_id, "2026-04-13", "2026-04-13",
         Decimal("7.50"))]
    refunds_paid = [csv_amount(line[8]) for line in lines]
    assert refunds_paid == [line.expected_refund for line in sheet.lines]
    assert csv_amount(section(rest, "Total")[0][8]) == sum(refunds_paid) == sheet.total_refund
    assert entry.kind == "vov_claims" and entry.line_count == 2 and entry.totals["expected_refund"] == str(
        sheet.total_refund)


def test_vov_claims_need_a_school_year(books):
    with pytest.raises(periods.PeriodError, match="Not a school year"):
        vov_account_audit.vov_claims(books.employer, "2025", language="en")


def test_training_account_as_csv_and_pdf(books):
    employee = books.wim
    ledger.add(employee, scheme=Scheme.TRAINING_RIGHT, period="2026", kind=EntryKind.ALLOCATION,
               amount=Decimal("5"), reason="5 days for 2026")
    ledger.add(employee, scheme=Scheme.TRAINING_RIGHT, period="2026", kind=EntryKind.CARRY_OVER,
               amount=Decimal("2"), reason="from 2025")
    request = factories.leave_request(employee, books.admin, training_id=books.course.id, status="approved",
                                      amount=Decimal("2"))
    ledger.add(employee, scheme=Scheme.TRAINING_RIGHT, period="2026", kind=EntryKind.CONSUMPTION,
               amount=Decimal("-2"), request_id=request.id)
    db.session.commit()
    data, entry = _export(books, vov_account_audit.training_account(employee, 2026, language="en"),
                          employee_id=employee.id)
    rows = csv_rows(data)
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Employee"] == "Wim Worker" and facts["National number"] == employee.national_number_masked
    assert facts["Work regime"] == "100 % (38 hours a week)"  # numbers as the reader writes them, with units
    assert (facts["Entitlement"], facts["Carried over"], facts["Days followed"], facts["Remaining"]) == (
        "5 days", "2 days", "2 days", "5 days")
    lines, _ = _lines(rows, "Date")
    assert [line[4] for line in lines] == ["5.00", "2.00", "-2.00"] and lines[2][2] == "'" + INJECTIONS[3]
    assert entry.totals == {"entitlement": "5.00", "used": "2.00", "carried_over": "2.00", "remaining": "5.00"}
    pdf, _ = _export(books, vov_account_audit.training_account(employee, 2026, language="en"), fmt="pdf")
    text, pages = pdf_text(pdf)
    assert "Individual training account" in text and "Remaining: 5 days" in text and f"Page 1 of {pages}" in text


def test_audit_log_between_two_days(books):
    record("test.event", actor=books.admin, employer_id=books.employer.id, after={"name": INJECTIONS[2]})
    record("user.signed_in", actor=books.admin, employer_id=books.employer.id, obj=books.admin)
    db.session.commit()
    today = local(utcnow()).date()  # the days of the audit log are Brussels days
    data, entry = _export(books, vov_account_audit.audit_log(books.employer, start=today, end=today, language="en"))
    lines, _ = _lines(csv_rows(data), "Time")
    assert entry.line_count == len(lines) > 0
    event = [line for line in lines if line[2] == "test.event"][0]
    assert event[1] == "admin@example.be" and event[5] == '{"name": "-2+3"}'
    signed_in = [line for line in lines if line[2] == "user.signed_in"][0]
    assert signed_in[6] == f"{books.admin.name} signed in"  # the code stays, with the sentence beside it
    with pytest.raises(periods.PeriodError, match="The end comes before the start"):
        vov_account_audit.audit_log(books.employer, start=today, end=date(2000, 1, 1), language="en")
