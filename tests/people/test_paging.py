"""The people list is read a page at a time: the first rows and a "show more" link, the next rows as an htmx
fragment, and a statement count that does not grow with the staff."""

from __future__ import annotations

import re

import pytest

from ila_sme.extensions import db
from ila_sme.people.views import PER_PAGE
from tests import factories
from tests.conftest import csrf_token
from tests.support.statements import statements_of_get


def _grow(employer, managers, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        factories.employee(employer, first_name=f"Person{n:03d}", last_name=f"Staff{n:03d}", team="Shop",
                           approver_id=managers[n % len(managers)].id if n % 5 else None)
    db.session.commit()


@pytest.fixture
def company(app):
    employer = factories.employer("Bakkerij Veel")
    managers = [factories.user(f"m{n}@example.be", roles={employer: "manager"}, name=f"Manager {n}")
                for n in range(4)]
    db.session.commit()
    return employer, managers


def _rows(html: str) -> list[str]:
    return re.findall(r"Person(\d{3}) Staff", html)


def test_the_first_page_holds_a_page_of_people_and_a_show_more_link(company, auth, client):
    employer, managers = company
    _grow(employer, managers, PER_PAGE + 10)
    auth.login("m0@example.be")
    html = client.get("/people").get_data(as_text=True)
    assert _rows(html) == [f"{n:03d}" for n in range(PER_PAGE)]
    more = re.search(r'<a href="([^"]+)" rel="next" hx-get="([^"]+)" hx-target="closest tr" hx-swap="outerHTML"', html)
    assert more and more.group(1) == more.group(2) == f"/people?from={PER_PAGE}"
    # The summary counts everyone without a valid approver, not only the rows shown: every fifth person.
    assert "12 people have no valid approver" in html


def test_show_more_for_htmx_returns_only_the_next_rows(company, auth, client):
    employer, managers = company
    _grow(employer, managers, PER_PAGE + 10)
    auth.login("m0@example.be")
    response = client.get(f"/people?from={PER_PAGE}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr>")
    assert "<table" not in html and "<html" not in html and "Open invitations" not in html
    assert _rows(html) == [f"{n:03d}" for n in range(PER_PAGE, PER_PAGE + 10)]
    assert 'rel="next"' not in html  # the last rows: no more link
    assert "HX-Request" in response.headers["Vary"]


def test_without_javascript_the_link_shows_the_next_rows_in_the_page(company, auth, client):
    employer, managers = company
    _grow(employer, managers, PER_PAGE + 3)
    auth.login("m0@example.be")
    html = client.get(f"/people?from={PER_PAGE}").get_data(as_text=True)
    assert "<html" in html and "Open invitations" in html
    assert _rows(html) == [f"{n:03d}" for n in range(PER_PAGE, PER_PAGE + 3)]


def test_the_more_link_keeps_the_search(company, auth, client):
    employer, managers = company
    _grow(employer, managers, 120)  # "person0" matches the first 100
    auth.login("m0@example.be")
    html = client.post("/people", data={"q": "person0", "csrf_token": csrf_token(client)},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'href="/people?q=person0&amp;from={PER_PAGE}"' in html
    rest = client.get(f"/people?q=person0&from={PER_PAGE}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert _rows(rest) == [f"{n:03d}" for n in range(PER_PAGE, 100)]


def test_the_statement_count_does_not_grow_with_the_staff(company, auth, client):
    employer, managers = company
    _grow(employer, managers, 10)
    auth.login("m0@example.be")
    small = len(statements_of_get(client, "/people"))
    more_managers = [factories.user(f"n{n}@example.be", roles={employer: "manager"}) for n in range(6)]
    _grow(employer, more_managers, 50, start=10)  # more approvers to show, too
    assert len(statements_of_get(client, "/people")) == small
