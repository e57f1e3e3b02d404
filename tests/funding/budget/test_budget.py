"""The manager's budget view: the year's figures, per employee, the SVG chart by month with its table,
the htmx year switch, the year without a policy, permissions and tenant isolation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from ila_sme.extensions import db
from ila_sme.funding import reports, services
from ila_sme.funding.models import BudgetEntry, FundingRequest
from tests import factories
from tests.funding.budget.conftest import EUR, fund
from tests.support.world import ROLES


@pytest.fixture
def books(world):
    """Wim: a course fee of €400 booked (March) and a top-up of €200 approved then cancelled (May).
    Cora: a top-up of €300 reserved (April) and a course fee of €150 waiting (June); one refused (June)."""
    fund(world.wim, actor=world.worker, day=date(2026, 3, 10), employer_part="400", training=world.course,
         decide_by=world.manager, outcome="booked")
    fund(world.cora, actor=world.manager, day=date(2026, 4, 20), employer_part="300", decide_by=world.admin)
    fund(world.wim, actor=world.manager, day=date(2026, 5, 4), employer_part="200", decide_by=world.admin,
         outcome="cancelled")
    fund(world.cora, actor=world.cora_user, day=date(2026, 6, 1), employer_part="150", training=world.cheap,
         outcome="pending")
    # Another training: with the €150 still waiting, €100 more on the same one would be over its 50 % share.
    fund(world.cora, actor=world.cora_user, day=date(2026, 6, 2), employer_part="100", training=world.course,
         decide_by=world.manager, outcome="rejected")
    return world


def _page(client, url="/funding/budget", **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def _figure(html: str, name: str) -> str:
    match = re.search(rf'<dd id="{name}">(.*?)</dd>', html, re.S)
    assert match, f"no figure {name}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, f"no row {row_id}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_report_adds_up_the_budget_ledger(books):
    report = reports.budget_report(books.employer, 2026)
    position = report.position
    assert (position.budget, position.reserved, position.booked, position.remaining) == (
        Decimal("5000.00"), Decimal("300.00"), Decimal("400.00"), Decimal("4300.00"))
    assert report.asked == Decimal("150.00")
    lines = [(row.employee.first_name, row.asked, row.reserved, row.booked, row.total) for row in report.employees]
    assert lines == [
        ("Cora", Decimal("150.00"), Decimal("300.00"), Decimal("0.00"), Decimal("450.00")),
        ("Wim", Decimal("0.00"), Decimal("0.00"), Decimal("400.00"), Decimal("400.00")),
    ]
    assert [(m.period, m.booked, m.reserved) for m in report.spent_months] == [
        ("2026-03", Decimal("400.00"), Decimal("0.00")), ("2026-04", Decimal("0.00"), Decimal("300.00"))]
    assert len(report.months) == 12
    kinds = sorted(db.session.scalars(db.select(BudgetEntry.kind)))
    assert kinds == ["consumption", "release", "reservation", "reservation", "reservation"]


def test_the_budget_figures_after_asks_approvals_a_cancellation_and_a_booking(books, auth, client):
    auth.login("manager@example.be")
    html = _page(client)
    assert "Co-funding budget 2026" in html
    assert _figure(html, "budget-granted") == f"5.000,00{EUR}"
    assert _figure(html, "budget-reserved") == f"300,00{EUR}"
    assert _figure(html, "budget-booked") == f"400,00{EUR}"
    assert _figure(html, "budget-remaining") == f"4.300,00{EUR}"
    assert _figure(html, "budget-asked") == f"150,00{EUR}"


def test_one_row_per_employee_sorted_by_total(books, auth, client):
    auth.login("manager@example.be")
    html = _page(client)
    table = re.search(r'<table id="budget-employees".*?</table>', html, re.S).group(0)
    assert table.index("Cora Colleague") < table.index("Wim Worker")  # €450 before €400
    assert _cells(html, f"budget-employee-{books.cora.id}") == [
        "Cora Colleague", "Winkel", f"150,00{EUR}", f"300,00{EUR}", f"0,00{EUR}", f"450,00{EUR}"]
    assert _cells(html, f"budget-employee-{books.wim.id}") == [
        "Wim Worker", "Productie", f"0,00{EUR}", f"0,00{EUR}", f"400,00{EUR}", f"400,00{EUR}"]
    assert len(re.findall(r'<tr id="budget-employee-', table)) == 2


def test_the_chart_is_an_accessible_svg_with_one_bar_group_per_month_with_spending(books, auth, client):
    auth.login("accountant@example.be")
    response = client.get("/funding/budget")
    html = unescape(response.get_data(as_text=True))
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Co-funding by month of approval, 2026</title>' in svg
    assert '<desc id="chart-desc">' in svg and f"Booked in total: 400,00{EUR}; reserved: 300,00{EUR}" in svg
    groups = re.findall(r'<g class="bar-group" data-period="([\d-]+)">(.*?)</g>', svg, re.S)
    assert [period for period, _ in groups] == ["2026-03", "2026-04"]  # May's was released: no bar
    march, april = dict(groups)["2026-03"], dict(groups)["2026-04"]
    assert 'class="bar-booked"' in march and 'class="bar-reserved"' not in march
    assert 'class="bar-reserved"' in april and 'class="bar-booked"' not in april
    assert f"March 2026: booked 400,00{EUR}, reserved 0,00{EUR}" in march
    assert 'fill="#1d4ed8"' in march and "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    heights = {period: Decimal(re.search(r'height="([\d.]+)"', body).group(1)) for period, body in groups}
    assert heights["2026-03"] > heights["2026-04"] > 0  # €400 is drawn taller than €300
    assert len(re.findall(r">(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)<", svg)) == 12

    assert _cells(html, "budget-month-2026-03") == ["March 2026", f"400,00{EUR}", f"0,00{EUR}", f"400,00{EUR}"]
    assert _cells(html, "budget-month-2026-04") == ["April 2026", f"0,00{EUR}", f"300,00{EUR}", f"300,00{EUR}"]
    assert 'id="budget-month-2026-05"' not in html
    months = re.search(r'<table id="budget-months"[^>]*>.*?</table>', html, re.S).group(0)
    assert "<caption>" in months and f"700,00{EUR}" in months  # the total row


def test_the_year_selector_swaps_the_budget_with_htmx(books, auth, client):
    auth.login("manager@example.be")
    page = _page(client)
    assert re.search(r'<form method="get" action="/funding/budget"[^>]*hx-get="/funding/budget"[^>]*'
                     r'hx-trigger="change, submit"[^>]*hx-target="#budget"[^>]*hx-push-url="true"', page, re.S)
    assert '<option value="2026" selected>' in page

    response = client.get("/funding/budget?year=2025", headers={"HX-Request": "true"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith('<section id="budget"')
    assert "Co-funding budget 2025" in html and "There is no co-funding policy for 2025" in html
    assert 'id="participation"' not in html and 'id="budget-year"' not in html

    fragment = unescape(client.get("/funding/budget?year=2026", headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "<html" not in fragment and _figure(fragment, "budget-remaining") == f"4.300,00{EUR}"


def test_a_year_without_a_policy_says_so(world, auth, client):
    auth.login("manager@example.be")
    html = _page(client, "/funding/budget?year=2027")
    assert "There is no co-funding policy for 2027" in html
    assert 'id="budget-granted"' not in html and "<svg" not in html
    assert "Set the co-funding policy for 2027" not in html  # a manager does not set it
    assert '<option value="2027" selected>' in html and '<option value="2026">' in html

    auth.logout()
    auth.login("admin@example.be")
    html = _page(client, "/funding/budget?year=2027")
    assert "There is no co-funding policy for 2027" in html
    assert re.search(r'<a role="button" href="/funding/policy\?year=2027">Set the co-funding policy for 2027</a>', html)


def test_a_malformed_year_shows_this_year(world, auth, client):
    auth.login("manager@example.be")
    html = _page(client, "/funding/budget?year=abc")
    assert "Co-funding budget 2026" in html and _figure(html, "budget-granted") == f"5.000,00{EUR}"
    assert "Nobody has asked for or received co-funding in 2026." in html
    assert "No co-funding was approved in 2026." in html and "<svg" not in html


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_budget(world, auth, client, role):
    user = factories.user(f"{role}-viewer@example.be", roles={world.employer: role})
    db.session.commit()
    auth.login(user)
    response = client.get("/funding/budget")
    if role == "employee":
        assert response.status_code == 403
        assert "5.000,00" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 200
        assert _figure(unescape(response.get_data(as_text=True)), "budget-granted") == f"5.000,00{EUR}"


def test_signing_in_comes_first(world, client):
    response = client.get("/funding/budget")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_employers_data_is_never_shown(books, auth, client):
    other = factories.employer("Andere Bakker BV")
    boss = factories.user("boss@other.be", roles={other: ["admin", "manager"]}, name="Bo Boss")
    xavier_user = factories.user("xavier@other.be", roles={other: "employee"}, name="Xavier Other")
    xavier = factories.employee(other, first_name="Xavier", last_name="Other", user_id=xavier_user.id,
                                approver_id=boss.id, team="Geheim")
    services.set_policy(actor=boss, employer=other, year=2026, budget=Decimal("9999"),
                        cap_per_employee=Decimal("2000"), max_share_pct=Decimal("100"), gives_top_up=True,
                        gives_course_fee=True, admin_approval_above=None)
    db.session.commit()
    fund(xavier, actor=xavier_user, day=date(2026, 3, 11), employer_part="777", decide_by=boss, outcome="booked")
    assert db.session.query(FundingRequest).filter_by(employer_id=other.id).count() == 1

    auth.login("manager@example.be")
    html = _page(client)
    assert "Xavier" not in html and "Geheim" not in html and "9.999" not in html and "777" not in html
    assert _figure(html, "budget-booked") == f"400,00{EUR}"
    assert _cells(html, "budget-month-2026-03")[1] == f"400,00{EUR}"

    auth.logout()
    auth.login("boss@other.be")
    html = _page(client)
    assert _figure(html, "budget-granted") == f"9.999,00{EUR}" and _figure(html, "budget-booked") == f"777,00{EUR}"
    assert "Wim Worker" not in html and "Cora Colleague" not in html
