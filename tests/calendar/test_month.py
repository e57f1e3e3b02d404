"""The team calendar: a month grid of staff × days with approved and pending leave, htmx navigation."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ila_sme.extensions import db
from tests import factories

ROLES = ["employee", "manager", "accountant", "admin"]


def _row(html: str, name: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(1)


def _cells(row: str) -> list[str]:
    """The class attribute of each day cell of a row, in day order."""
    return re.findall(r'<td class="([^"]*)"', row)


def _marked_days(row: str, state: str) -> list[int]:
    return [day for day, classes in enumerate(_cells(row), start=1) if f"leave-{state}" in classes.split()]


def test_month_grid_marks_approved_and_pending_leave(team, auth, client):
    team.leave(team.wim, date(2026, 3, 10), date(2026, 3, 11))  # Tuesday, Wednesday
    team.leave(team.cleo, date(2026, 3, 12), date(2026, 3, 13), status="pending")  # Thursday, Friday
    team.leave(team.otto, date(2026, 3, 16), date(2026, 3, 16), status="rejected")
    auth.login("wim@example.be")
    response = client.get("/calendar?month=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "March 2026" in html

    wim = _row(html, "Wim Worker")
    assert len(_cells(wim)) == 31
    assert _marked_days(wim, "approved") == [10, 11]
    assert _marked_days(wim, "pending") == []
    assert "Wim Worker: Career guidance" in wim and "(Approved)" in wim

    cleo = _row(html, "Cleo Colleague")
    assert _marked_days(cleo, "pending") == [12, 13]
    assert _marked_days(cleo, "approved") == []
    assert "Waiting for approval" in cleo

    otto = _row(html, "Otto Office")  # on the staff, but a rejected request holds no day
    assert _marked_days(otto, "approved") == _marked_days(otto, "pending") == []

    # The legend explains both marks, in words and not only in colour.
    assert re.search(r'class="swatch leave-approved".*?Approved training leave', html, re.S)
    assert re.search(r'class="swatch leave-pending".*?Waiting for approval', html, re.S)
    assert html.count('<span class="visually-hidden">Approved</span>') == 2
    assert html.count('<span class="visually-hidden">Waiting for approval</span>') == 2


def test_weekends_are_shaded_and_leave_skips_them(team, auth, client):
    team.leave(team.wim, date(2026, 3, 13), date(2026, 3, 16))  # Friday to Monday
    auth.login("wim@example.be")
    html = client.get("/calendar?month=2026-03").get_data(as_text=True)
    weekend_days = [1, 7, 8, 14, 15, 21, 22, 28, 29]
    headers = re.findall(r'<th scope="col" class="([^"]*)">', html)
    assert [day for day, classes in enumerate(headers, start=1) if "weekend" in classes] == weekend_days
    wim = _row(html, "Wim Worker")
    assert [day for day, classes in enumerate(_cells(wim), start=1) if "weekend" in classes] == weekend_days
    assert _marked_days(wim, "approved") == [13, 16]  # the weekend between is no leave


def test_half_days_are_marked(team, auth, client):
    team.leave(team.wim, date(2026, 3, 10), date(2026, 3, 11), end_half=True)
    auth.login("wim@example.be")
    wim = _row(client.get("/calendar?month=2026-03").get_data(as_text=True), "Wim Worker")
    assert _marked_days(wim, "approved") == [10, 11]
    assert wim.count('<span aria-hidden="true">½</span>') == 1
    assert "Approved, half day" in wim


def test_another_employers_leave_and_staff_never_show(team, auth, client):
    team.leave(team.outsider, date(2026, 3, 10), date(2026, 3, 11))
    team.leave(team.wim, date(2026, 3, 10), date(2026, 3, 10))
    auth.login("admin@example.be")
    html = client.get("/calendar?month=2026-03").get_data(as_text=True)
    assert "Outsider" not in html and "Other BV" not in html
    assert html.count('class="leave-approved') == 1  # Wim's day only
    # And the other way round: the other employer's calendar does not show Wim.
    auth.logout()
    auth.login("other-manager@example.be")
    html = client.get("/calendar?month=2026-03").get_data(as_text=True)
    assert "Bob Outsider" in html and "Wim Worker" not in html
    assert html.count('class="leave-approved') == 2


def test_people_without_a_contract_that_month_are_left_out(team, auth, client):
    factories.employee(team.employer, first_name="Gert", last_name="Gone", contract_start=date(2020, 1, 1),
                       contract_end=date(2026, 1, 31))
    factories.employee(team.employer, first_name="Nina", last_name="New", contract_start=date(2026, 4, 1))
    db.session.commit()
    auth.login("wim@example.be")
    march = client.get("/calendar?month=2026-03").get_data(as_text=True)
    assert "Gert Gone" not in march and "Nina New" not in march
    assert "Gert Gone" in client.get("/calendar?month=2026-01").get_data(as_text=True)
    assert "Nina New" in client.get("/calendar?month=2026-04").get_data(as_text=True)


def test_navigation_links_work_without_javascript(team, auth, client):
    auth.login("wim@example.be")
    html = client.get("/calendar?month=2026-01").get_data(as_text=True)
    assert "<html" in html and "January 2026" in html
    assert 'href="/calendar?month=2025-12"' in html
    assert 'href="/calendar?month=2026-02"' in html
    assert 'href="/calendar?month=2026-03"' in html  # back to this month (TODAY is in March 2026)
    # The region refreshes itself when a decision is taken elsewhere on the page.
    assert re.search(r'<section id="calendar"[^>]*hx-get="/calendar\?month=2026-01"[^>]*'
                     r'hx-trigger="leaveDecided from:body"', html, re.S)


def test_htmx_navigation_returns_only_the_calendar_block(team, auth, client):
    team.leave(team.wim, date(2026, 4, 7), date(2026, 4, 7))
    auth.login("wim@example.be")
    response = client.get("/calendar?month=2026-04", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<section id="calendar"')
    assert "Team calendar" not in html  # the page heading is outside the block
    assert "April 2026" in html
    assert _marked_days(_row(html, "Wim Worker"), "approved") == [7]
    for month in ("2026-03", "2026-05"):
        assert re.search(rf'<a href="/calendar\?month={month}"[^>]*hx-get="/calendar\?month={month}"'
                         rf'[^>]*hx-target="#calendar"[^>]*hx-swap="outerHTML"[^>]*hx-push-url="true"', html, re.S)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_default_month_is_this_month_and_marks_today(team, auth, client):
    auth.login("wim@example.be")
    html = client.get("/calendar").get_data(as_text=True)
    assert "March 2026" in html
    headers = re.findall(r'<th scope="col" class="([^"]*)">', html)
    assert [day for day, classes in enumerate(headers, start=1) if "today" in classes.split()] == [2]
    assert "This month</a>" not in html  # already on it


@pytest.mark.parametrize("month", ["2026-13", "march", "0000-01", "2026-3-1", ""])
def test_a_malformed_month_shows_this_month(team, auth, client, month):
    auth.login("wim@example.be")
    response = client.get(f"/calendar?month={month}")
    assert response.status_code == 200
    assert "March 2026" in response.get_data(as_text=True)


def test_year_boundaries(team, auth, client):
    auth.login("wim@example.be")
    html = client.get("/calendar?month=2026-12").get_data(as_text=True)
    assert 'href="/calendar?month=2027-01"' in html and 'href="/calendar?month=2026-11"' in html
    assert len(_cells(_row(html, "Wim Worker"))) == 31
    html = client.get("/calendar?month=2028-02").get_data(as_text=True)  # a leap year
    assert len(_cells(_row(html, "Wim Worker"))) == 29


@pytest.mark.parametrize("role", ROLES)
def test_every_member_sees_the_calendar(team, auth, client, role):
    user = factories.user(f"only-{role}@example.be", roles={team.employer: role})
    db.session.commit()
    team.leave(team.cleo, date(2026, 3, 10), date(2026, 3, 10))
    auth.login(user)
    html = client.get("/calendar?month=2026-03").get_data(as_text=True)
    assert _marked_days(_row(html, "Cleo Colleague"), "approved") == [10]
    assert 'href="/calendar"' in client.get("/").get_data(as_text=True)  # in the navigation


def test_signed_out_visitors_are_sent_to_sign_in(team, client):
    response = client.get("/calendar?month=2026-03")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
