"""Private iCalendar feeds: created once and shown once, hashed, revocable, and holding exactly the
approved leave that the feed's owner may see."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.calendar import services as feeds
from ila_sme.calendar.models import CalendarFeed
from ila_sme.employers.models import Membership
from ila_sme.extensions import db

FEED_URL = re.compile(r'value="(http://localhost/calendar/feed/([A-Za-z0-9_-]+)\.ics)"')


def _create(auth, **kwargs) -> tuple[str, str, str]:
    """Create a feed through the page; returns (page, url, token)."""
    response = auth.post("/calendar/feeds/new", **kwargs)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = FEED_URL.search(html)
    assert match, "the new feed's address is not on the page"
    return html, match.group(1), match.group(2)


def _events(client, token: str) -> dict[str, icalendar.Event]:
    response = client.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _feeds_of(user) -> list[CalendarFeed]:
    return list(db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id)
                                   .order_by(CalendarFeed.id)))


@pytest.fixture
def history(team):
    """Wim's leave in every state, and his colleagues' approved leave."""
    made = {
        "approved": team.leave(team.wim, date(2026, 3, 3), date(2026, 3, 4)),
        "cancellation_requested": team.leave(team.wim, date(2026, 3, 9), date(2026, 3, 9),
                                             status="cancellation_requested"),
        "pending": team.leave(team.wim, date(2026, 3, 16), date(2026, 3, 16), status="pending"),
        "rejected": team.leave(team.wim, date(2026, 3, 17), date(2026, 3, 17), status="rejected"),
        "cancelled": team.leave(team.wim, date(2026, 3, 18), date(2026, 3, 18), status="cancelled"),
        "withdrawn": team.leave(team.wim, date(2026, 3, 19), date(2026, 3, 19), status="withdrawn"),
        "cleo": team.leave(team.cleo, date(2026, 3, 5), date(2026, 3, 6)),
        "cleo_pending": team.leave(team.cleo, date(2026, 3, 23), date(2026, 3, 23), status="pending"),
        "otto": team.leave(team.otto, date(2026, 3, 10), date(2026, 3, 10)),
        "outsider": team.leave(team.outsider, date(2026, 3, 10), date(2026, 3, 10)),
    }
    return made


def _uids(*requests) -> set[str]:
    return {f"leave-{request.id}@ila-sme" for request in requests}


# The settings page -----------------------------------------------------------------------------


def test_without_a_feed_the_page_offers_to_create_one_and_explains_subscribing(team, auth, client):
    auth.login("wim@example.be")
    html = client.get("/calendar/feeds").get_data(as_text=True)
    assert "You have no calendar feed." in html
    assert re.search(r'<form method="post" action="/calendar/feeds/new"', html)
    assert "/calendar/feeds/revoke" not in html
    assert "Subscribe from web" in html and "From URL" in html  # Outlook and Google Calendar steps


def test_creating_a_feed_shows_its_address_once_and_stores_only_the_hash(team, auth, client):
    auth.login("wim@example.be")
    html, url, token = _create(auth)
    assert "it is shown only this once" in html
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    [feed] = _feeds_of(team.wim.user)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert feed.employer_id == team.employer.id and feed.revoked_at is None
    assert token not in repr([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar_feed.created"))
    assert event.object_id == str(feed.id) and event.actor_id == team.wim.user_id

    again = client.get("/calendar/feeds").get_data(as_text=True)
    assert token not in again and "it is shown only this once" not in again
    assert "You have an active feed" in again and "No calendar has read it yet." in again
    assert "/calendar/feeds/revoke" in again


def test_the_page_with_the_address_is_never_cached(team, auth):
    auth.login("wim@example.be")
    response = auth.post("/calendar/feeds/new", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["HX-Push-Url"] == "/calendar/feeds"  # a reload does not create another
    assert 'hx-history="false"' in response.get_data(as_text=True)


def test_creating_without_the_csrf_token_creates_nothing(team, auth, client):
    auth.login("wim@example.be")
    response = client.post("/calendar/feeds/new", data={})
    assert response.status_code == 400
    assert _feeds_of(team.wim.user) == []


def test_a_new_feed_revokes_the_old_one(team, auth, client, history):
    auth.login("wim@example.be")
    _html, _url, first = _create(auth)
    _html, _url, second = _create(auth)
    old, new = _feeds_of(team.wim.user)
    assert old.revoked_at is not None and new.revoked_at is None
    assert client.get(f"/calendar/feed/{first}.ics").status_code == 404
    assert _uids(history["approved"]) <= set(_events(client, second))


def test_revoking_stops_the_feed(team, auth, client, history):
    auth.login("wim@example.be")
    _html, _url, token = _create(auth)
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 200
    response = auth.post("/calendar/feeds/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/feeds")
    [feed] = _feeds_of(team.wim.user)
    assert feed.revoked_at is not None
    page = client.get("/calendar/feeds").get_data(as_text=True)
    assert "Your calendar feed was revoked" in page and "You have no calendar feed." in page
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar_feed.revoked")) is not None


def test_revoked_and_unknown_tokens_get_the_same_404(team, auth, client):
    auth.login("wim@example.be")
    _html, _url, token = _create(auth)
    auth.post("/calendar/feeds/revoke")
    auth.logout()
    revoked = client.get(f"/calendar/feed/{token}.ics")
    unknown = client.get(f"/calendar/feed/{'x' * 43}.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.data == unknown.data == b"Not found\n"
    assert revoked.headers["Content-Type"] == unknown.headers["Content-Type"] == "text/plain; charset=utf-8"


# The feed itself -------------------------------------------------------------------------------


def test_the_feed_holds_exactly_the_employees_approved_leave(team, auth, client, history):
    auth.login("wim@example.be")
    _html, url, token = _create(auth)
    auth.logout()  # the token alone is the credential
    response = client.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Cache-Control"] == "private, max-age=300"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    # Approved, and approved with a cancellation asked; never pending, rejected, cancelled or withdrawn;
    # never a colleague's (an employee sees only their own).
    assert set(events) == _uids(history["approved"], history["cancellation_requested"])

    event = events[f"leave-{history['approved'].id}@ila-sme"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert type(start) is date and type(end) is date  # all-day: VALUE=DATE, no time, no zone
    assert (start, end) == (date(2026, 3, 3), date(2026, 3, 5))  # DTEND is the day after the last day
    assert "DTSTART;VALUE=DATE:20260303" in response.get_data(as_text=True)
    assert str(event["SUMMARY"]) == "Wim Worker: Loopbaanbegeleiding"  # the owner speaks the employer's Dutch
    assert team.wim.national_number not in response.get_data(as_text=True)


def test_a_managers_feed_adds_the_people_they_approve(team, auth, client, history):
    auth.login("manager@example.be")
    _html, _url, token = _create(auth)
    events = _events(client, token)
    assert set(events) == _uids(history["approved"], history["cancellation_requested"], history["cleo"])
    assert str(events[f"leave-{history['cleo'].id}@ila-sme"]["SUMMARY"]) == "Cleo Colleague: Loopbaanbegeleiding"


def test_a_deputy_sees_the_people_they_stand_in_for(team, auth, client, history):
    team.otto.deputy_id = team.manager.id
    team.otto.deputy_from, team.otto.deputy_until = date(2026, 7, 1), date(2026, 7, 31)
    db.session.commit()
    auth.login("manager@example.be")
    _html, _url, token = _create(auth)
    assert f"leave-{history['otto'].id}@ila-sme" in _events(client, token)


def test_an_admins_feed_holds_everyone_of_the_employer(team, auth, client, history):
    auth.login("admin@example.be")
    _html, _url, token = _create(auth)
    events = _events(client, token)
    assert set(events) == _uids(history["approved"], history["cancellation_requested"], history["cleo"],
                                history["otto"])  # not the other employer's Bob


def test_an_accountant_sees_nothing_but_their_own(team, auth, client, history):
    auth.login("accountant@example.be")
    _html, _url, token = _create(auth)
    assert _events(client, token) == {}


def test_the_feed_records_its_last_use(team, auth, client):
    auth.login("wim@example.be")
    _html, _url, token = _create(auth)
    before = datetime.now().astimezone()
    client.get(f"/calendar/feed/{token}.ics")
    [feed] = _feeds_of(team.wim.user)
    db.session.refresh(feed)
    assert feed.last_used_at is not None and feed.last_used_at >= before - timedelta(seconds=5)
    assert "A calendar last read it on" in client.get("/calendar/feeds").get_data(as_text=True)


def test_the_feed_stops_when_its_owner_leaves_the_employer(team, auth, client, history):
    auth.login("wim@example.be")
    _html, _url, token = _create(auth)
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == team.wim.user_id))
    db.session.commit()
    db.session.expire_all()
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_the_feed_speaks_its_owners_language(team, auth, client, history, monkeypatch):
    """Summaries are translated in the owner's language (their own, else the employer's), whoever fetches."""
    used = []
    real = feeds.force_locale

    @contextmanager
    def spy(locale):
        used.append(locale)
        with real(locale):
            yield

    monkeypatch.setattr(feeds, "force_locale", spy)
    team.wim.user.language = "fr"
    db.session.commit()
    auth.login("wim@example.be")
    _html, _url, token = _create(auth)
    client.get(f"/calendar/feed/{token}.ics", headers={"Accept-Language": "nl"})
    assert used == ["fr"]
    team.wim.user.language = None
    db.session.commit()
    client.get(f"/calendar/feed/{token}.ics")
    assert used == ["fr", "nl"]  # the employer's default language


@pytest.mark.parametrize("role", ["employee", "manager", "accountant", "admin"])
def test_every_member_can_have_a_feed(team, auth, client, role):
    from tests import factories

    user = factories.user(f"only-{role}@example.be", roles={team.employer: role})
    db.session.commit()
    auth.login(user)
    assert client.get("/calendar/feeds").status_code == 200
    _html, _url, token = _create(auth)
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 200
    assert [feed.revoked_at for feed in _feeds_of(user)] == [None]


APPROVEES_LINE = "The approved training leave of the people you approve, also as a deputy."
EVERYONE_LINE = "As an admin: the approved training leave of everyone at Drukkerij Kalender."


@pytest.mark.parametrize(("login", "approvees", "everyone"), [
    ("wim@example.be", False, False), ("accountant@example.be", False, False),
    ("manager@example.be", True, False), ("admin@example.be", True, True),  # the admin is a manager too
])
def test_the_page_says_what_the_feed_holds_for_the_role(team, auth, client, login, approvees, everyone):
    auth.login(login)
    html = client.get("/calendar/feeds").get_data(as_text=True)
    assert "Your own approved training leave." in html
    assert (APPROVEES_LINE in html) is approvees
    assert (EVERYONE_LINE in html) is everyone


def test_feed_settings_need_sign_in(team, client):
    assert "/login" in client.get("/calendar/feeds").headers["Location"]
    assert client.post("/calendar/feeds/new").status_code in (302, 400)
    assert db.session.scalar(select(CalendarFeed.id)) is None
