"""The working-time screen: the year's public holidays, adding and removing closing days, and refusals."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.worktime.models import ClosingDay
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


@pytest.fixture
def people(app):
    app.config["TODAY"] = date(2026, 3, 2)
    employer = factories.employer("Bakkerij Test", average_fte=Decimal("8"))
    admin = factories.user("admin@example.be", roles={employer: "admin"}, name="Ada Admin")
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    db.session.commit()
    return employer, admin, manager


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _closing_days(employer) -> list[tuple[str, str]]:
    return [(row.day.isoformat(), row.name) for row in db.session.scalars(
        select(ClosingDay).where(ClosingDay.employer_id == employer.id).order_by(ClosingDay.day))]


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_the_page_lists_the_years_public_holidays_and_is_linked_from_the_employer_settings(people, auth, client):
    auth.login(people[1])
    assert 'href="/working-time"' in client.get("/employer/settings").get_data(as_text=True)
    text = _text(client.get("/working-time?year=2026").get_data(as_text=True))
    assert "Wed 11 Nov: Armistice Day" in text
    assert "Sun 1 Nov: All Saints' Day (a Sunday)" in text
    assert "No closing days in 2026." in text


def test_a_year_out_of_range_shows_this_year(people, auth, client):
    auth.login(people[1])
    assert "Working time 2026" in _text(client.get("/working-time?year=99999").get_data(as_text=True))


def test_an_admin_adds_a_closure_and_removes_one_day(people, auth, client):
    employer, admin, _manager = people
    auth.login(admin)
    response = client.post("/working-time/closing-days", data={
        "first": "2026-07-27", "last": "2026-07-29", "name": "Jaarlijkse sluiting", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/working-time?year=2026")
    assert _closing_days(employer) == [("2026-07-27", "Jaarlijkse sluiting"), ("2026-07-28", "Jaarlijkse sluiting"),
                                       ("2026-07-29", "Jaarlijkse sluiting")]
    assert _events("closing_days.added") == 1
    text = _text(client.get("/working-time?year=2026").get_data(as_text=True))
    assert "Tue 28 Jul: Jaarlijkse sluiting" in text

    tuesday = db.session.scalar(select(ClosingDay).where(ClosingDay.day == date(2026, 7, 28)))
    response = client.post(f"/working-time/closing-days/{tuesday.id}/remove", headers=HX,
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Tue 28 Jul" not in _text(html) and "Mon 27 Jul: Jaarlijkse sluiting" in _text(html)
    assert "2026-07-28 is a working day again." in html  # the flash, out of band
    assert [day for day, _name in _closing_days(employer)] == ["2026-07-27", "2026-07-29"]
    assert _events("closing_days.removed") == 1


def test_adding_one_day_with_htmx_answers_the_fragment(people, auth, client):
    employer, admin, _manager = people
    auth.login(admin)
    response = client.post("/working-time/closing-days", headers=HX, data={
        "first": "2026-11-02", "last": "", "name": "Vervangt 1 november", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Mon 2 Nov: Vervangt 1 november" in _text(html)
    assert _closing_days(employer) == [("2026-11-02", "Vervangt 1 november")]


@pytest.mark.parametrize(("data", "message"), [
    ({"first": "2026-07-29", "last": "2026-07-27", "name": "Sluiting"}, "The last day is before the first day."),
    ({"first": "2026-01-01", "last": "2027-06-01", "name": "Sluiting"},
     "A closure spans at most a year; add a longer one in parts."),
    ({"first": "2026-07-28", "last": "", "name": "Nog eens"}, "2026-07-28 is already a closing day (Sluiting)."),
    ({"first": "2026-07-20", "last": "2026-07-31", "name": "Overlapt"},
     "2026-07-28 is already a closing day (Sluiting)."),
    ({"first": "", "last": "", "name": "Sluiting"}, "This field is required."),
    ({"first": "2026-08-03", "last": "", "name": "  "}, "This field is required."),
])
def test_refusals_say_why_and_add_nothing(people, auth, client, data, message):
    employer, admin, _manager = people
    db.session.add(ClosingDay(employer_id=employer.id, day=date(2026, 7, 28), name="Sluiting"))
    db.session.commit()
    auth.login(admin)
    response = client.post("/working-time/closing-days", headers=HX, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _closing_days(employer) == [("2026-07-28", "Sluiting")]
    assert _events("closing_days.added") == 0


def test_a_manager_may_not_use_the_screen(people, auth, client):
    employer, admin, manager = people
    db.session.add(ClosingDay(employer_id=employer.id, day=date(2026, 7, 28), name="Sluiting"))
    db.session.commit()
    auth.login(manager)
    assert client.get("/working-time").status_code == 403
    closing_day = db.session.scalar(select(ClosingDay))
    response = client.post(f"/working-time/closing-days/{closing_day.id}/remove",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert _closing_days(employer) == [("2026-07-28", "Sluiting")]


def test_another_employers_closing_day_is_not_found(people, auth, client):
    _employer, admin, _manager = people
    other = factories.employer("Elders")
    db.session.add(ClosingDay(employer_id=other.id, day=date(2026, 7, 28), name="Dicht"))
    db.session.commit()
    auth.login(admin)
    closing_day = db.session.scalar(select(ClosingDay))
    response = client.post(f"/working-time/closing-days/{closing_day.id}/remove",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404
    assert _closing_days(other) == [("2026-07-28", "Dicht")]
