"""The accountant's list of approved Flemish training leave with the refund expected at the rate in force."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from ila_sme.extensions import db
from ila_sme.leave import request_lists
from tests import factories
from tests.refunds.conftest import TODAY
from tests.support.world import ROLES

EUR = "\xa0€"  # en_BE puts the sign after the amount: 357,84 €


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body, "no table"
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _footer(html: str) -> str:
    return re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)


def test_the_service_gives_the_rate_in_force(books):
    [wim, cleo] = request_lists.vov_refund_lines(books["employer"], "2025-26", today=TODAY)
    assert (wim.hours, wim.rate, wim.expected_refund) == (Decimal("24"), Decimal("14.91"), Decimal("357.84"))
    assert cleo.expected_refund == Decimal("89.46")
    [last_year] = request_lists.vov_refund_lines(books["employer"], "2024-25", today=TODAY)
    assert (last_year.hours, last_year.rate, last_year.expected_refund) == (
        Decimal("16"), Decimal("21.30"), Decimal("340.80"))


def test_this_school_years_lines_and_totals(books, auth, client):
    auth.login("accountant@example.be")
    response = client.get("/refunds/vov")  # default: the school year of today (2026-03-02 → 2025-26)
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "School year 2025-26" in html
    rows = _rows(html)
    assert len(rows) == 2  # not the pending, the rejected, last year's, or the other employer's
    wim = " ".join(" ".join(cell) for cell in _cells(rows[0]))
    assert "Wim Worker" in wim and "Boekhouden voor KMO's" in html and "ODB-400001" in wim
    assert "24 hours" in wim and f"14,91{EUR}" in rows[0] and f"357,84{EUR}" in rows[0]
    assert "Mar 3, 2026" in wim and "Mar 5, 2026" in wim  # first and last day
    assert "Cleo Colleague" in rows[1] and "6 hours" in rows[1] and f"89,46{EUR}" in rows[1]
    footer = _footer(html)
    assert "30 hours" in footer and f"447,30{EUR}" in footer  # 357.84 + 89.46
    assert "Bob Outsider" not in html and "Other BV" not in html


def test_an_earlier_school_year_uses_its_own_rate(books, auth, client):
    auth.login("accountant@example.be")
    html = client.get("/refunds/vov?school_year=2024-25").get_data(as_text=True)
    [row] = _rows(html)
    assert "Digitaal drukwerk" in row and "ODB-400002" in row
    assert "16 hours" in row and f"21,30{EUR}" in row and f"340,80{EUR}" in row
    assert f"340,80{EUR}" in _footer(html)


def test_the_school_year_selector_swaps_the_table_with_htmx(books, auth, client):
    auth.login("admin@example.be")
    page = client.get("/refunds/vov").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/refunds/vov"[^>]*hx-get="/refunds/vov"[^>]*'
                     r'hx-trigger="change, submit"[^>]*hx-target="#refund-sheet"[^>]*hx-push-url="true"', page, re.S)
    assert '<option value="2025-26" selected>' in page and '<option value="2024-25">' in page

    response = client.get("/refunds/vov?school_year=2024-25", headers={"HX-Request": "true"})
    html = unescape(response.get_data(as_text=True))
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<section id="refund-sheet"')
    assert "School year 2024-25" in html and "Digitaal drukwerk" in html
    assert "Boekhouden voor KMO's" not in html
    assert "<select" not in html  # the selector stays outside the swapped block
    assert "HX-Request" in response.headers.get("Vary", "")


def test_the_notes_name_the_wage_ceiling_and_the_claim_window(books, auth, client):
    auth.login("accountant@example.be")
    html = client.get("/refunds/vov").get_data(as_text=True)
    assert f"The wage ceiling of 3.714,00{EUR} gross a month applies (school year 2025-26)" in html
    assert "between 3 months before and 3 months after the start of the course" in html


def test_a_year_without_leave_says_so(books, auth, client):
    auth.login("accountant@example.be")
    html = client.get("/refunds/vov?school_year=2023-24").get_data(as_text=True)
    assert "No approved Flemish training leave in this school year." in html
    assert "<tbody>" not in html


@pytest.mark.parametrize("value", ["2025-27", "2025", "abcd-ef", "9999-00x"])
def test_a_malformed_school_year_shows_the_current_one(books, auth, client, value):
    auth.login("accountant@example.be")
    html = client.get(f"/refunds/vov?school_year={value}").get_data(as_text=True)
    assert "School year 2025-26" in html and len(_rows(html)) == 2


def test_an_employer_outside_flanders_has_nothing_to_claim(app, auth, client):
    employer = factories.employer("Bureau Bruxelles", region="brussels")
    factories.user("acc@example.be", roles={employer: "accountant"})
    db.session.commit()
    auth.login("acc@example.be")
    response = client.get("/refunds/vov")
    assert response.status_code == 200
    assert "Flemish training leave does not apply to this employer" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_roles_see_the_refunds(books, auth, client, role):
    auth.login(books["users"][role])
    allowed = role in ("accountant", "admin")
    response = client.get("/refunds/vov")
    assert response.status_code == (200 if allowed else 403)
    assert ("Wim Worker" in response.get_data(as_text=True)) == allowed
    assert client.get("/refunds/vov", headers={"HX-Request": "true"}).status_code == (200 if allowed else 403)
    assert ('href="/refunds/vov"' in client.get("/").get_data(as_text=True)) == allowed


def test_signed_out_visitors_are_sent_to_sign_in(books, client):
    response = client.get("/refunds/vov")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
