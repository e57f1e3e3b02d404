"""The co-funding lists are read a page at a time: the first rows of each list and a "show more" link, the next
rows of one list as an htmx fragment, and a statement count that does not grow with the requests."""

from __future__ import annotations

import re

from ila_sme.extensions import db
from ila_sme.funding.views import PER_PAGE
from tests import factories
from tests.funding.views.conftest import htmx
from tests.support.statements import statements_of_get

MORE = re.compile(r'<a href="([^"]+)" rel="next" hx-get="([^"]+)" hx-target="closest tr" hx-swap="outerHTML"')


def _ask(world, count: int, employee=None, by=None) -> list[int]:
    """``count`` pending top-ups (default: for Cora, asked by her), oldest first."""
    employee = employee or world.colleague
    made = [factories.funding_request(employee, by or employee.user, note=f"Ask {n}").id for n in range(count)]
    db.session.commit()
    return made


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-funding="(\d+)"', html)]


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_the_first_page_holds_a_page_of_each_list_and_a_show_more_link(world, auth, client):
    asked = _ask(world, PER_PAGE + 5)
    auth.login(world.manager)
    html = client.get("/funding/requests").get_data(as_text=True)
    waiting = _section(html, "funding-waiting")
    assert _ids(waiting) == asked[:PER_PAGE]
    more = MORE.search(waiting)
    assert more and more.group(1) == more.group(2) == f"/funding/requests?list=waiting&amp;from={PER_PAGE}"
    assert "Show more" in waiting


def test_show_more_for_htmx_returns_only_the_next_rows_of_that_list(world, auth, client):
    asked = _ask(world, PER_PAGE + 5)
    auth.login(world.manager)
    response = client.get(f"/funding/requests?list=waiting&from={PER_PAGE}", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr")
    assert "<table" not in html and "<html" not in html and "<section" not in html
    assert _ids(html) == asked[PER_PAGE:]
    assert 'rel="next"' not in html  # the last rows: no more link
    assert 'action="/funding/' in html  # each row keeps its approve and refuse forms


def test_without_javascript_the_link_shows_the_next_rows_in_the_page(world, auth, client):
    asked = _ask(world, PER_PAGE + 3)
    auth.login(world.manager)
    html = client.get(f"/funding/requests?list=waiting&from={PER_PAGE}").get_data(as_text=True)
    assert "<html" in html and 'id="funding-recent"' in html
    assert _ids(_section(html, "funding-waiting")) == asked[PER_PAGE:]


def test_ones_own_requests_are_paged_too(world, auth, client):
    mine = _ask(world, PER_PAGE + 2, employee=world.employee)
    auth.login(world.worker)
    html = client.get("/funding/requests").get_data(as_text=True)
    own = _section(html, "funding-mine")
    assert sorted(_ids(own)) == sorted(mine[-PER_PAGE:])  # the newest first
    more = MORE.search(own)
    assert more and more.group(1) == f"/funding/requests?list=mine&amp;from={PER_PAGE}"
    rest = client.get(f"/funding/requests?list=mine&from={PER_PAGE}", headers=htmx()).get_data(as_text=True)
    assert sorted(_ids(rest)) == sorted(mine[:2])


def test_a_list_name_not_known_shows_the_page(world, auth, client):
    _ask(world, 3)
    auth.login(world.manager)
    response = client.get("/funding/requests?list=nonsense&from=abc", headers=htmx())
    assert response.status_code == 200 and 'id="funding-waiting"' in response.get_data(as_text=True)


def test_the_statement_count_does_not_grow_with_the_requests(world, auth, client):
    _ask(world, 2)  # every list holds a row: an empty one sends no query for its rows' parts
    _ask(world, 1, employee=world.employee, by=world.admin)
    auth.login(world.admin)
    small = len(statements_of_get(client, "/funding/requests"))
    _ask(world, PER_PAGE + 10)
    _ask(world, PER_PAGE + 10, employee=world.employee, by=world.admin)  # asked by her, for Wim
    assert len(statements_of_get(client, "/funding/requests")) == small
