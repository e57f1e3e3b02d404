"""The month grid shows a window of the staff: the first people and a link to the next ones; htmx swaps the
calendar for the next window; the statement count does not grow with the staff."""

from __future__ import annotations

import re
from datetime import date

from ila_sme.calendar.services import PEOPLE_PER_PAGE
from ila_sme.extensions import db
from tests import factories
from tests.calendar.conftest import _employee
from tests.support.statements import statements_of_get


def _grow(team, count: int, start: int = 0, with_leave_every: int = 4) -> None:
    """``count`` more staff named Staff000…, every ``with_leave_every``-th with a day of approved leave."""
    for n in range(start, start + count):
        if n % with_leave_every == 0:
            person = _employee(team.employer, f"P{n:03d}", f"Staff{n:03d}", team.manager)
            db.session.commit()
            team.leave(person, date(2026, 3, 2 + n % 5), date(2026, 3, 2 + n % 5))
        else:
            factories.employee(team.employer, first_name=f"P{n:03d}", last_name=f"Staff{n:03d}")
    db.session.commit()


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">P(\d{3}) Staff', html)


def test_the_grid_shows_a_window_of_people_and_a_link_to_the_next(team, auth, client):
    _grow(team, PEOPLE_PER_PAGE + 5)
    auth.login("manager@example.be")
    html = client.get("/calendar?month=2026-03").get_data(as_text=True)
    # Colleague, Office, Outsider (other employer: never), Staff000…, Worker: name order.
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert len(rows) == PEOPLE_PER_PAGE
    assert rows[:3] == ["Cleo Colleague", "Otto Office", "P000 Staff000"]
    url = f"/calendar?month=2026-03&amp;from={PEOPLE_PER_PAGE}"
    assert re.search(rf'<a href="{re.escape(url)}" rel="next" hx-get="{re.escape(url)}" hx-target="#calendar" '
                     r'hx-swap="outerHTML"\s+hx-push-url="true">Next people', html)
    assert 'rel="prev" hx-get="/calendar?month=2026-03" hx-target="#calendar"' not in html  # the first window


def test_htmx_gets_the_next_window_of_the_calendar_alone(team, auth, client):
    _grow(team, PEOPLE_PER_PAGE + 5)
    auth.login("manager@example.be")
    response = client.get(f"/calendar?month=2026-03&from={PEOPLE_PER_PAGE}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="calendar"') and "<html" not in html
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    # 2 of the fixture + 25 grown + Worker = 28 people; the second window holds the last 8.
    assert rows == [f"P{n:03d} Staff{n:03d}" for n in range(PEOPLE_PER_PAGE - 2, PEOPLE_PER_PAGE + 5)] \
        + ["Wim Worker"]
    assert 'rel="next"' not in html.split('class="calendar-nav"')[1].split("</nav>")[1]  # the last window
    assert 'href="/calendar?month=2026-03" rel="prev"' in html  # back to the first window
    # The refresh after a decision keeps the window.
    assert f'hx-get="/calendar?month=2026-03&amp;from={PEOPLE_PER_PAGE}" hx-trigger="leaveDecided from:body"' in html
    # The phone's agenda lists the leave of this window's people only.
    agenda = html.split('class="calendar-agenda"')[1]
    assert "P020 Staff020" in agenda and "P000 Staff000" not in agenda


def test_the_statement_count_does_not_grow_with_the_staff(team, auth, client):
    _grow(team, 10)
    auth.login("manager@example.be")
    small = len(statements_of_get(client, "/calendar?month=2026-03"))
    _grow(team, 50, start=10, with_leave_every=2)
    assert len(statements_of_get(client, "/calendar?month=2026-03")) == small
