"""The access list is read a page at a time: the first memberships and a "show more" link, the next ones as
an htmx fragment, and a statement count that does not grow with the staff."""

from __future__ import annotations

import re

import pytest

from ila_sme.accounts.views import ACCESS_PER_PAGE
from ila_sme.extensions import db
from tests import factories
from tests.support.statements import statements_of_get


def _grow(employer, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        factories.user(f"p{n:03d}@example.be", roles={employer: "employee"}, name=f"Person{n:03d}")
    db.session.commit()


@pytest.fixture
def company(app):
    employer = factories.employer("Bakkerij Veel")
    factories.user("admin@example.be", roles={employer: "admin"}, name="Zoë Admin")  # sorted last
    db.session.commit()
    return employer


def _rows(html: str) -> list[str]:
    return re.findall(r">p(\d{3})@example.be<", html)


def test_the_first_page_holds_a_page_of_memberships_and_a_show_more_link(company, auth, client):
    _grow(company, ACCESS_PER_PAGE + 10)
    auth.login("admin@example.be")
    html = client.get("/access").get_data(as_text=True)
    assert _rows(html) == [f"{n:03d}" for n in range(ACCESS_PER_PAGE)]
    more = re.search(r'<a href="([^"]+)" rel="next" hx-get="([^"]+)" hx-target="closest tr" hx-swap="outerHTML"', html)
    assert more and more.group(1) == more.group(2) == f"/access?from={ACCESS_PER_PAGE}"


def test_show_more_for_htmx_returns_only_the_next_rows(company, auth, client):
    _grow(company, ACCESS_PER_PAGE + 10)
    auth.login("admin@example.be")
    response = client.get(f"/access?from={ACCESS_PER_PAGE}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr>")
    assert "<table" not in html and "<html" not in html and "Who can sign in" not in html
    assert _rows(html) == [f"{n:03d}" for n in range(ACCESS_PER_PAGE, ACCESS_PER_PAGE + 10)]
    assert "Zoë Admin" in html
    assert 'rel="next"' not in html  # the last rows: no more link
    assert 'action="/access/' in html  # each row keeps its withdraw button


def test_without_javascript_the_link_shows_the_next_rows_in_the_page(company, auth, client):
    _grow(company, ACCESS_PER_PAGE + 3)
    auth.login("admin@example.be")
    html = client.get(f"/access?from={ACCESS_PER_PAGE}").get_data(as_text=True)
    assert "<html" in html and "Who can sign in" in html
    assert _rows(html) == [f"{n:03d}" for n in range(ACCESS_PER_PAGE, ACCESS_PER_PAGE + 3)]


def test_the_statement_count_does_not_grow_with_the_staff(company, auth, client):
    _grow(company, 5)
    auth.login("admin@example.be")
    small = len(statements_of_get(client, "/access"))
    _grow(company, ACCESS_PER_PAGE + 20, start=5)
    assert len(statements_of_get(client, "/access")) == small
