"""The skills matrix shows a page of people with every column of the filters, a "show more" link whose htmx
request returns the next rows alone, counts of all pages, and a statement count that does not grow with the
staff."""

from __future__ import annotations

import re

from ila_sme.credentials.matrix import PEOPLE_PER_PAGE
from ila_sme.extensions import db
from tests import factories
from tests.credentials.views.conftest import htmx, text
from tests.support.statements import statements_of_get

TITLES = ["Forklift driver", "First aid", "HACCP", "Excel"]


def _grow(world, count: int, start: int = 0) -> None:
    """``count`` more people named Staff000…, each with one or two shared credentials."""
    for n in range(start, start + count):
        person = factories.employee(world.employer, first_name=f"P{n:03d}", last_name=f"Staff{n:03d}", team="Shop")
        factories.credential(person, title=TITLES[n % 4], awarding_body="VDAB", state="verified")
        if n % 2:
            training = factories.training(title=f"Course {n}", registry_id=f"ODB-{n:06d}")
            factories.credential(person, title=f"Special {n}", awarding_body="Syntra", training_id=training.id)
    db.session.commit()


def _names(html: str) -> list[int]:
    return [int(n) for n in re.findall(r">P(\d{3}) Staff\d{3}</a>", html)]


def test_the_first_page_holds_a_page_of_people_and_every_column(client, auth, world):
    _grow(world, PEOPLE_PER_PAGE + 5)
    auth.login(world.manager)
    html = client.get("/credentials/skills").get_data(as_text=True)
    assert _names(html) == list(range(PEOPLE_PER_PAGE))
    # The columns are those of every page: the last person's "Special" credential is a column already.
    assert f"Special {PEOPLE_PER_PAGE + 4}" in html
    people = PEOPLE_PER_PAGE + 5
    assert f"{people} people · {people + people // 2} credentials" in text(html)  # of all pages
    url = f"/credentials/skills?group=credential&amp;from={PEOPLE_PER_PAGE}"
    assert f'<a href="{url}" rel="next" hx-get="{url}" hx-target="closest tr" hx-swap="outerHTML">' in html


def test_show_more_for_htmx_returns_only_the_next_rows_with_the_same_columns(client, auth, world):
    _grow(world, PEOPLE_PER_PAGE + 5)
    auth.login(world.manager)
    first = client.get("/credentials/skills?group=training").get_data(as_text=True)
    response = client.get(f"/credentials/skills?group=training&from={PEOPLE_PER_PAGE}", headers=htmx())
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr data-employee=") and "<table" not in html and "<html" not in html
    assert _names(html) == list(range(PEOPLE_PER_PAGE, PEOPLE_PER_PAGE + 5))
    assert 'rel="next"' not in html
    columns = len(re.findall(r'<th scope="col">', first)) - 1
    for row in re.findall(r"<tr data-employee=.*?</tr>", html, re.S):
        assert len(re.findall(r"<td>", row)) == columns  # each appended row lines up with the page's columns


def test_the_filters_carry_over_to_the_next_rows(client, auth, world):
    _grow(world, PEOPLE_PER_PAGE * 2 + 4)
    auth.login(world.manager)
    html = client.get("/credentials/skills?verified=y&team=Shop").get_data(as_text=True)
    url = f"/credentials/skills?group=credential&amp;team=Shop&amp;verified=y&amp;from={PEOPLE_PER_PAGE}"
    assert f'href="{url}"' in html


def test_the_statement_count_does_not_grow_with_the_staff(client, auth, world):
    _grow(world, 10)
    auth.login(world.manager)
    small = len(statements_of_get(client, "/credentials/skills?group=training"))
    _grow(world, 50, start=10)
    assert len(statements_of_get(client, "/credentials/skills?group=training")) == small
