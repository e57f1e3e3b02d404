"""The budget's per-employee table is read a page at a time, its sums computed in SQL for the rows shown; the
page reads the budget ledger once, and its statement count does not grow with the staff."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

from ila_sme.extensions import db
from ila_sme.funding import reports
from tests.funding.budget.conftest import EUR, _person, fund
from tests.support.statements import count_statements


def _grow(world, count: int, start: int = 0) -> None:
    """``count`` more people, person n with a top-up of €(10 + n), every third one still waiting."""
    for n in range(start, start + count):
        _user, person = _person(world.employer, f"P{n:03d}", f"Staff{n:03d}", world.manager, login=False)
        db.session.commit()
        fund(person, actor=world.manager, day=date(2026, 1 + n % 5, 10), employer_part=str(10 + n),
             decide_by=world.admin, outcome="pending" if n % 3 == 0 else "approved")


def _names(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row">P(\d{3}) Staff', html)]


def test_the_first_page_shows_the_biggest_totals_and_a_show_more_link(world, auth, client):
    size = reports.EMPLOYEES_PER_PAGE
    _grow(world, size + 5)
    auth.login("manager@example.be")
    html = unescape(client.get("/funding/budget").get_data(as_text=True))
    table = re.search(r'<table id="budget-employees".*?</table>', html, re.S).group(0)
    assert _names(table) == list(range(size + 4, 4, -1))  # biggest total first
    assert re.search(rf'<a href="/funding/budget\?year=2026&from={size}" rel="next" '
                     rf'hx-get="/funding/budget\?year=2026&from={size}" hx-target="closest tr"', table)
    # The figures above the table count everyone, not only the rows shown.
    asked = sum(10 + n for n in range(size + 5) if n % 3 == 0)
    assert re.search(r'<dd id="budget-asked">(.*?)</dd>', html).group(1) == f"{asked},00{EUR}"
    person = re.search(r'<tr id="budget-employee-\d+">\s*<th scope="row">P029 Staff029</th>(.*?)</tr>', table, re.S)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", person.group(1), re.S)]
    assert cells == ["", f"0,00{EUR}", f"39,00{EUR}", f"0,00{EUR}", f"39,00{EUR}"]  # reserved €39


def test_show_more_for_htmx_returns_only_the_next_rows(world, auth, client):
    size = reports.EMPLOYEES_PER_PAGE
    _grow(world, size + 5)
    auth.login("manager@example.be")
    response = client.get(f"/funding/budget?year=2026&from={size}", headers={"HX-Request": "true"})
    html = unescape(response.get_data(as_text=True))
    assert html.lstrip().startswith("<tr id=\"budget-employee-") and "<table" not in html and "<svg" not in html
    assert _names(html) == [4, 3, 2, 1, 0]
    assert 'rel="next"' not in html
    # Without JavaScript the same link shows the whole page, from those rows.
    page = unescape(client.get(f"/funding/budget?year=2026&from={size}").get_data(as_text=True))
    assert "<svg" in page and 'id="participation"' in page and _names(page) == [4, 3, 2, 1, 0]


def test_the_sums_of_a_page_add_up_with_the_ledger(world):
    _grow(world, 8)
    first = reports.budget_report(world.employer, 2026, size=5)
    rest = reports.budget_report(world.employer, 2026, start=5, size=5)
    lines = [*first.employees, *rest.employees]
    assert first.employees.has_more and not rest.employees.has_more and len(lines) == 8
    assert sum((line.reserved for line in lines), Decimal(0)) == first.position.reserved
    assert sum((line.asked for line in lines), Decimal(0)) == first.asked == Decimal(10 + 13 + 16)
    assert sum((line.reserved for line in first.months), Decimal(0)) == first.position.reserved


def _statements(client) -> list[str]:
    db.session.commit()
    with count_statements(db.engine) as statements:
        assert client.get("/funding/budget").status_code == 200
    return statements


def test_the_page_reads_the_ledger_once_and_its_count_does_not_grow(world, auth, client):
    _grow(world, 10)
    auth.login("manager@example.be")
    small = _statements(client)
    # The ledger's sums by move are read once for the position and the months (they were read three times);
    # the per-employee sums come with the page of people.
    assert len(small.matching("budget_entries.kind, ")) == 1, small.describe()
    _grow(world, 50, start=10)
    assert len(_statements(client)) == len(small)
