"""The statements page: the parameters, the htmx preview of the totals, bad parameters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ila_sme.statements import cofunding
from tests.statements.views.conftest import HTMX, eur, text


def test_the_page_names_the_employer_and_previews_the_last_quarter(client, auth, books):
    auth.login(books.accountant)
    response = client.get("/statements")
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "Drukkerij Test" in page and "Period 2026-Q3" in page
    assert "5 lines." in page  # July: Wim, Zoe (employer and vouchers); August: Wim; September: Zoe
    assert "Elders" not in page and eur("777.00") not in page


def test_the_preview_heads_the_money_column_bedrag_in_dutch(client, auth, books):
    auth.login(books.accountant)
    html = client.get("/statements", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    start = html.index('<table class="statement-employees')
    head = html[start:html.index("</thead>", start)]
    assert "Bedrag" in head and "Aantal" not in head


def test_the_preview_totals_are_the_services_totals(client, auth, books):
    auth.login(books.accountant)
    statement = cofunding.build(books.employer, "2026-Q3", language="en")
    lines = sum(1 for _row in statement.report.rows())
    totals = statement.totals()
    page = text(client.get("/statements?kind=quarter&period=2026-Q3", headers=HTMX).get_data(as_text=True))
    assert f"{lines} lines." in page
    assert f"Total {eur(totals['overall'])}" in page
    for label, amount in totals["per_source"].items():
        assert f"{label} {eur(amount)}" in page
    assert f"Granted {eur(totals['budget']['budget'])}" in page
    assert f"Remaining {eur(totals['budget']['remaining'])}" in page
    assert "Wim Worker" in page and eur(Decimal("150.00") + Decimal("123.45")) in page
    # The overall total: every employer part and the vouchers
    assert Decimal(totals["overall"]) == Decimal("150.00") + Decimal("200.50") + Decimal("50.00") + Decimal(
        "123.45") + Decimal("999.99")


def test_the_htmx_answer_is_the_statement_region_only(client, auth, books):
    auth.login(books.accountant)
    response = client.get("/statements?kind=month&period=2026-08&source=employer", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    assert html.lstrip().startswith('<section id="statement">') and "<html" not in html
    page = text(html)
    assert "Period 2026-08" in page and "1 line." in page and f"Total {eur('123.45')}" in page
    assert 'hx-push-url="true"' in html and 'hx-trigger="change, submit"' in html


def test_switching_the_kind_picks_that_kinds_latest_period(client, auth, books):
    auth.login(books.accountant)
    page = text(client.get("/statements?kind=month&period=2026-Q3", headers=HTMX).get_data(as_text=True))
    assert "Period 2026-09" in page
    page = text(client.get("/statements?kind=year&period=2026-09", headers=HTMX).get_data(as_text=True))
    assert "Period 2025" in page  # 2026 is not over yet


def test_one_source(client, auth, books):
    auth.login(books.accountant)
    page = text(client.get("/statements?period=2026-Q3&source=vouchers", headers=HTMX).get_data(as_text=True))
    assert "1 line." in page and f"Total {eur('50.00')}" in page and "Training vouchers" in page


@pytest.mark.parametrize(("query", "message"), [
    ("period=2026-13", "Not a period: 2026-13."),
    ("period=soon", "Not a period: soon."),
    ("kind=month&period=2026-11", "Period 2026-11 has not started yet"),
    ("period=2027", "Period 2027 has not started yet"),
    ("period=2026-Q3&source=lottery", "Not a funding source: lottery."),
    ("period=2026-Q3&format=docx", "Not an export format: docx"),
    ("period=2026-Q3&separator=|", "The separator is ; or ,."),
])
def test_bad_parameters_get_a_message_and_no_preview(client, auth, books, query, message):
    auth.login(books.accountant)
    html = client.get(f"/statements?{query}", headers=HTMX).get_data(as_text=True)
    assert message in text(html)
    assert 'id="statement-preview"' not in html and 'action="/statements/download"' not in html


def test_adjustments_show_what_they_correct(client, auth, books):
    from sqlalchemy import select

    from ila_sme import dates
    from ila_sme.extensions import db
    from ila_sme.funding import periods
    from ila_sme.funding.models import Contribution
    from ila_sme.reconciliation import adjustments

    july = db.session.scalar(select(Contribution).where(Contribution.employee_id == books.wim.id,
                                                        Contribution.period == "2026-07"))
    periods.close(actor=books.accountant, employer=books.employer, period="2026-07", today=dates.today())
    adjustments.adjust(actor=books.accountant, contribution=july, amount=Decimal("-20.00"), reason="invoice credited")
    db.session.commit()
    auth.login(books.accountant)
    page = text(client.get("/statements?kind=month&period=2026-08", headers=HTMX).get_data(as_text=True))
    assert (f"{eur('-20.00')} on {july.reference}, correcting closed period 2026-07: invoice credited") in page
    assert "2 lines." in page and f"Total {eur('103.45')}" in page
    vouchers = text(client.get("/statements?kind=month&period=2026-08&source=vouchers",
                               headers=HTMX).get_data(as_text=True))
    assert "correcting closed period" not in vouchers
