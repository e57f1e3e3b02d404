"""Closing a period through the page (with its confirmation step), the export log, roles and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.funding.models import ClosedPeriod
from ila_sme.statements.models import StatementExport
from tests.statements.views.conftest import HTMX, text, token


def _closed(employer) -> list[str]:
    return sorted(db.session.scalars(select(ClosedPeriod.month).where(ClosedPeriod.employer_id == employer.id)))


def test_the_confirmation_step_lists_the_months(client, auth, books):
    auth.login(books.accountant)
    page = text(client.get("/statements/close?period=2026-Q3").get_data(as_text=True))
    assert "Close 2026-Q3?" in page and "2026-07 2026-08 2026-09" in page
    assert _closed(books.employer) == []


def test_closing_through_the_page(client, auth, books):
    auth.login(books.accountant)
    response = client.post("/statements/close", data={"period": "2026-q3", "csrf_token": token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/statements?period=2026-Q3"
    assert _closed(books.employer) == ["2026-07", "2026-08", "2026-09"] and _closed(books.other) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "statements.period_closed"))
    assert event.actor_id == books.accountant.id and event.after["months"] == ["2026-07", "2026-08", "2026-09"]
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Closed: 2026-07, 2026-08, 2026-09." in page
    assert "2026-09 closed" in page and "by Alex Accountant" in page
    assert "Period 2026-Q3 · all sources · closed" in page


def test_closing_twice_is_refused(client, auth, books):
    auth.login(books.accountant)
    client.post("/statements/close", data={"period": "2026-08", "csrf_token": token(client)})
    response = client.post("/statements/close", data={"period": "2026-08", "csrf_token": token(client)})
    assert response.status_code == 409
    assert "Period 2026-08 is already closed." in text(response.get_data(as_text=True))
    assert "(already closed)" in text(client.get("/statements/close?period=2026-Q3").get_data(as_text=True))
    assert _closed(books.employer) == ["2026-08"]


@pytest.mark.parametrize(("period", "message", "status"), [
    ("2026-10", "Period 2026-10 is not over yet: it can be closed from 2026-11-01 on.", 409),
    ("2026", "Period 2026 is not over yet", 409),
    ("next week", "Not a period: next week.", 422),
    ("", "Choose a period.", 422),
])
def test_closing_a_period_not_over_or_unreadable_is_refused(client, auth, books, period, message, status):
    auth.login(books.accountant)
    response = client.post("/statements/close", data={"period": period, "csrf_token": token(client)})
    assert response.status_code == status and message in text(response.get_data(as_text=True))
    assert _closed(books.employer) == []


def test_a_closed_month_refuses_a_change_of_its_bookings(client, auth, books):
    auth.login(books.accountant)
    client.post("/statements/close", data={"period": "2026-07", "csrf_token": token(client)})
    with pytest.raises(periods.PeriodClosed):
        periods.ensure_open(books.employer.id, "2026-07")


def test_the_export_log_lists_every_export_paginated(client, auth, books):
    auth.login(books.admin)
    for fmt in ("csv", "xlsx", "pdf"):
        client.post("/statements/download", data={"period": "2026-Q3", "format": fmt, "separator": ",",
                                                  "csrf_token": token(client)})
    page = text(client.get("/statements/log").get_data(as_text=True))
    entries = list(db.session.scalars(select(StatementExport).order_by(StatementExport.id)))
    assert len(entries) == 3
    for entry in entries:
        assert entry.sha256 in page
    assert "Ada Admin" in page and "Period: 2026-Q3" in page and "Total: 1.523,94 €" in page
    assert page.index(entries[2].sha256) < page.index(entries[0].sha256)  # newest first

    from ila_sme.statements import views

    for _ in range(views.LOG_PER_PAGE):
        db.session.add(StatementExport(employer_id=books.employer.id, kind="audit", format="csv", parameters={},
                                       line_count=0, sha256="0" * 64, size_bytes=1))
    db.session.commit()
    html = client.get("/statements/log?page=2", headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="export-log">') and "Page 2 of 2" in text(html)
    assert entries[0].sha256 in html


def test_the_export_log_says_parameters_and_totals_in_dutch_with_their_units(client, auth, books):
    auth.login(books.admin)
    client.post("/statements/download", data={"period": "2026-Q3", "format": "csv", "separator": ";",
                                              "csrf_token": token(client)}, headers={"Accept-Language": "nl"})
    page = text(client.get("/statements/log", headers={"Accept-Language": "nl"}).get_data(as_text=True))
    assert "Periode: 2026-Q3" in page and "Formaat: CSV" in page and "Taal: Nederlands" in page
    assert "Totaal: € 1.523,94" in page and "Budget: Toegekend € 10.000,00" in page
    for raw in ("period:", "overall:", "budget:", "booked", "remaining", "1523.94", "language: nl"):
        assert raw not in page, raw


def test_another_employers_exports_are_not_in_the_log(client, auth, books):
    db.session.add(StatementExport(employer_id=books.other.id, kind="cofunding", format="csv", parameters={},
                                   line_count=1, sha256="e" * 64, size_bytes=1))
    db.session.commit()
    auth.login(books.accountant)
    page = client.get("/statements/log").get_data(as_text=True)
    assert "e" * 64 not in page and "Nothing was exported for this employer yet." in text(page)


ROUTES = [("get", "/statements"), ("get", "/statements/log"), ("get", "/statements/close?period=2026-Q3"),
          ("post", "/statements/download"), ("post", "/statements/close"), ("post", "/statements/vov-claims"),
          ("post", "/statements/training-account"), ("post", "/statements/audit-log")]


@pytest.mark.parametrize("role", ["worker", "manager"])
@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_employees_and_managers_get_403(client, auth, books, role, method, url):
    auth.login(getattr(books, role))
    data = {"period": "2026-Q3", "format": "csv", "school_year": "2025-26", "csrf_token": token(client)}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 403
    assert _closed(books.employer) == [] and db.session.scalar(select(func.count(StatementExport.id))) == 0


@pytest.mark.parametrize("role", ["accountant", "admin"])
def test_accountants_and_admins_see_the_page_and_the_link(client, auth, books, role):
    auth.login(getattr(books, role))
    assert client.get("/statements").status_code == 200
    assert 'href="/statements"' in client.get("/").get_data(as_text=True)


def test_the_link_is_not_shown_to_others(client, auth, books):
    auth.login(books.manager)
    assert 'href="/statements"' not in client.get("/").get_data(as_text=True)


def test_signed_out_is_sent_to_sign_in(client, books):
    response = client.get("/statements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_other_employers_accountant_sees_only_their_books(client, auth, books):
    auth.login(books.other_accountant)
    page = text(client.get("/statements?period=2026-Q3").get_data(as_text=True))
    assert "Elders BV" in page and "1 line." in page and "Drukkerij" not in page and "Wim Worker" not in page


@pytest.mark.parametrize("url", ["/statements/download", "/statements/close", "/statements/vov-claims",
                                 "/statements/training-account", "/statements/audit-log"])
def test_posts_without_the_csrf_token_are_refused(client, auth, books, url):
    auth.login(books.accountant)
    response = client.post(url, data={"period": "2026-Q3", "format": "csv", "school_year": "2025-26",
                                      "start": "2026-01-01", "end": "2026-02-01", "year": "2026",
                                      "employee_id": books.wim.id})
    assert response.status_code == 400
    assert _closed(books.employer) == [] and db.session.scalar(select(func.count(StatementExport.id))) == 0
