"""In-app notifications: the list, the header badge, mark all read; only one's own, in this employer."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import event, select

from ila_sme.extensions import db
from ila_sme.notifications import services
from ila_sme.notifications.models import Notification
from ila_sme.urls import absolute_url
from tests import factories

HX = {"HX-Request": "true"}


def note(user, employer, message, *, at, link="/approvals", read=False) -> Notification:
    notification = Notification(user_id=user.id, employer_id=employer.id, message=message, link=link,
                                created_at=at, read_at=at if read else None)
    db.session.add(notification)
    return notification


@pytest.fixture
def inbox(app):
    """Mia has two notifications here (one read) and one at her other employer; Dirk has his own."""
    bakery = factories.employer("Bakkerij Test")
    other = factories.employer("Other BV")
    mia = factories.user("mia@example.be", roles={bakery: "manager", other: "manager"}, name="Mia Manager",
                         language="en")
    dirk = factories.user("dirk@example.be", roles={bakery: "manager"}, name="Dirk Deputy", language="en")
    note(mia, bakery, "Wim Willems asks for training leave", at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    note(mia, bakery, "Zoë Peeters asks for training leave", at=datetime(2026, 2, 27, 9, tzinfo=UTC), read=True)
    note(mia, other, "Xavier Elsewhere asks for training leave", at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    note(dirk, bakery, "Dirk's secret notification", at=datetime(2026, 3, 2, 10, tzinfo=UTC))
    db.session.commit()
    return {"bakery": bakery, "other": other, "mia": mia, "dirk": dirk}


def unread(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).order_by(Notification.id)))


def test_list_shows_the_users_notifications_newest_first(inbox, auth, client):
    auth.login(inbox["mia"])
    response = client.get("/notifications")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    newest = html.index("Wim Willems asks for training leave")
    assert newest < html.index("Zoë Peeters asks for training leave")
    items = re.findall(r'<li class="(unread|read)">(.*?)</li>', html, re.S)
    assert [(cls, "Wim" in body) for cls, body in items] == [("unread", True), ("read", False)]
    assert '<strong class="new-marker">New</strong>' in items[0][1]
    assert '<a href="/approvals">Wim Willems asks for training leave</a>' in items[0][1]
    assert "1 unread notification." in html and "Mark all read" in html
    assert "Dirk" not in html.split("<main")[1]  # another user's notifications are never shown
    assert "Xavier Elsewhere" not in html  # nor those of another employer
    assert '<span class="badge">1</span>' in html  # the header badge, from the context processor


def test_list_fragment_for_htmx(inbox, auth, client):
    auth.login(inbox["mia"])
    response = client.get("/notifications", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<h1>" not in html
    assert html.lstrip().startswith('<div id="notifications-list">')
    assert "Wim Willems asks for training leave" in html and "Dirk" not in html


def test_other_employer_shows_its_own_notifications(inbox, auth, client):
    auth.login(inbox["mia"])
    assert auth.post("/employer", {"employer_id": inbox["other"].id}).status_code == 302
    html = client.get("/notifications").get_data(as_text=True)
    assert "Xavier Elsewhere asks for training leave" in html
    assert "Wim Willems" not in html


def test_badge_is_the_unread_count_or_nothing(inbox, auth, client):
    auth.login(inbox["mia"])
    response = client.get("/notifications/badge", headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1"
    assert "<" not in response.get_data(as_text=True)
    services.mark_all_read(inbox["mia"], inbox["bakery"])
    db.session.commit()
    assert client.get("/notifications/badge", headers=HX).get_data(as_text=True) == ""
    assert '<span class="badge"></span>' in client.get("/").get_data(as_text=True)


def test_mark_all_read_without_javascript(inbox, auth, client):
    auth.login(inbox["mia"])
    response = auth.post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    assert unread(inbox["mia"]) == ["Xavier Elsewhere asks for training leave"]  # the other employer's stay
    assert unread(inbox["dirk"]) == ["Dirk's secret notification"]  # and so do other people's
    html = client.get("/notifications").get_data(as_text=True)
    assert "All notifications are marked as read." in html
    assert "Everything is read." in html and "Mark all read" not in html
    assert 'class="unread"' not in html


def test_mark_all_read_with_htmx_clears_the_badge(inbox, auth, client):
    auth.login(inbox["mia"])
    response = auth.post("/notifications/read", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="notifications-list">')
    assert "Everything is read." in html
    assert '<span hx-swap-oob="innerHTML:nav .badge"></span>' in html
    assert re.search(r'<div id="flashes"[^>]*hx-swap-oob="true"', html)
    assert unread(inbox["mia"]) == ["Xavier Elsewhere asks for training leave"]


def test_mark_read_needs_the_csrf_token(inbox, auth, client):
    auth.login(inbox["mia"])
    assert client.post("/notifications/read").status_code == 400
    assert len(unread(inbox["mia"])) == 2


def test_empty_list_says_so(app, auth, client):
    employer = factories.employer()
    user = factories.user("new@example.be", roles={employer: "employee"}, language="en")
    db.session.commit()
    auth.login(user)
    html = client.get("/notifications").get_data(as_text=True)
    assert "No notifications yet." in html and "Mark all read" not in html
    assert '<span class="badge"></span>' in html


def test_signed_out_goes_to_the_sign_in_page(app, client):
    for url in ("/notifications", "/notifications/badge"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/notifications/read").status_code in (302, 400)


@pytest.mark.parametrize("role", ["employee", "manager", "accountant", "admin"])
def test_every_role_sees_its_notifications(app, auth, client, role):
    employer = factories.employer()
    user = factories.user(f"{role}@example.be", roles={employer: role}, language="en")
    note(user, employer, f"For the {role}", at=datetime(2026, 3, 2, tzinfo=UTC))
    db.session.commit()
    auth.login(user)
    html = client.get("/notifications").get_data(as_text=True)
    assert f"For the {role}" in html


def test_the_header_badge_costs_one_count_query(inbox, app, auth, client):
    auth.login(inbox["mia"])
    statements = []

    def _remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _remember)
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", _remember)
    assert '<span class="badge">1</span>' in html
    assert len([s for s in statements if "notifications" in s]) == 1


def test_each_notification_shows_when_it_came_in_brussels_time(inbox, auth, client):
    """23:30 UTC on 1 March is already 2 March, 00:30, in Brussels (winter time, UTC+1)."""
    note(inbox["mia"], inbox["bakery"], "Late notice", at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    db.session.commit()
    auth.login(inbox["mia"])
    html = client.get("/notifications").get_data(as_text=True)
    late = next(body for body in re.findall(r"<li class=\"unread\">(.*?)</li>", html, re.S) if "Late notice" in body)
    assert re.search(r">Mar 2, 2026, 12:30\sAM</time>", late), late


def test_notify_writes_the_mail_in_the_recipients_language_and_keeps_the_links_path(inbox, app, outbox):
    inbox["mia"].language = "nl"
    link = absolute_url("approvals.inbox")
    services.notify(inbox["mia"], inbox["bakery"], link=link, subject=lambda: _("Notifications"),
                    body=lambda: format_date(datetime(2027, 1, 11).date(), "long") + "\n" + link)
    db.session.commit()
    assert db.session.scalar(select(Notification.link).where(Notification.message == "Meldingen")) == "/approvals"
    [mail] = outbox()
    assert "11 januari 2027\nhttp://localhost/approvals" in mail.read_text()
