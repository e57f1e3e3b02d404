"""The SQL a main page of each role sends: the same count with the demo's 12 staff as with more (grown through the
services, ``ila_sme/demo/grow.py``), and at most its ceiling. A count that grows with the data, or a new query per
row, fails here; times are measured by scripts/bench_pages.py, never asserted.

The target is 12 statements a page. The ceilings below are what the pages reach now; where one is above 12 the
comment says what the rest is.
"""

from __future__ import annotations

import re

import pytest

from ila_sme.demo import grow
from ila_sme.extensions import db
from tests.support.crawl import Login, seeded_demo, signed_in_client
from tests.support.statements import count_statements

SARAH, TOM = Login("sarah@bakkerij-vandamme.be", "bakery"), Login("tom@bakkerij-vandamme.be", "bakery")
KOEN, ELS = Login("koen@boekhouding-maes.be", "bakery"), Login("els@bakkerij-vandamme.be", "bakery")
# Managers and admins: their menu's Approvals badge counts what waits for them (approvals.waiting, ~12 statements
# on every page until the inbox counts in SQL); it is in each of their ceilings below.
BADGE = 12
PAGES = [
    # login, url, ceiling: what the page sends now (the signed-in user with their memberships and employers is one
    # statement, the unread count another, BEGIN a third)
    (SARAH, "/", 16),  # the home's cards: requests, balances (history, parameters, ledger), credentials, account
    (SARAH, "/leave/requests", 8),
    (SARAH, "/leave/balances", 11),
    (SARAH, "/leave/new", 7),
    (SARAH, "/account", 8),
    (SARAH, "/notifications", 4),
    (TOM, "/", 22 + BADGE),  # his own cards (as Sarah's), the team, staff and budget cards; the badge counts the
    (ELS, "/", 10 + BADGE),  # home's list of what waits, computed once for the card and the menu
    (TOM, "/notifications", 4 + BADGE),
    (TOM, "/people", 7 + BADGE),
    (TOM, "/calendar", 7 + BADGE),
    (KOEN, "/", 11),  # the reconciliation and the statements cards
    (KOEN, "/statements", 12),
    (KOEN, "/reconciliation/", 11),
    (KOEN, "/funding/budget", 15),  # the budget page's own queries (its paging is another change of issue 15)
    (ELS, "/settings/leave", 6 + BADGE),
    (ELS, "/employer/settings", 5 + BADGE),
    (ELS, "/access", 5 + BADGE),
    (ELS, "/audit", 13 + BADGE),  # 50 events: a query per kind of object they name (5 to 6 here), employees, actors
]
# The badge also sends one statement more once more people wait (an N+1 inside approvals.waiting): the equality
# fails on those pages until the inbox's count is fixed there; strict, so the mark goes when it is.
BADGE_GROWS = pytest.mark.xfail(strict=True, reason="the Approvals badge (approvals.waiting) grows with the data")
GROWN_STAFF = 20
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with seeded_demo(tmp_path_factory.mktemp("page-statements")) as app:
        yield app


def _counts(app, clients) -> dict:
    with app.app_context():
        engine = db.engine
    counts = {}
    for login, url, _ceiling in PAGES:
        client = clients[login]
        assert client.get(url).status_code == 200, url  # warm: what a first visit loads once is not counted
        with count_statements(engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[(login, url)] = statements
    return counts


@pytest.fixture(scope="module")
def counts(demo):
    """(login, url) -> (statements with the demo's staff, statements with GROWN_STAFF)."""
    clients = {login: signed_in_client(demo, login) for login in {login for login, _url, _c in PAGES}}
    small = _counts(demo, clients)
    grown = demo.test_cli_runner().invoke(args=["demo", "grow", "--staff", str(GROWN_STAFF)])
    assert grown.exit_code == 0, grown.output
    assert f"12 -> {GROWN_STAFF} staff ({GROWN_STAFF - 12} added" in grown.output
    large = _counts(demo, clients)
    return {key: (small[key], large[key]) for key in small}


def _params():
    for login, url, ceiling in PAGES:
        marks = [BADGE_GROWS] if login in (TOM, ELS) else []
        yield pytest.param(login, url, ceiling, marks=marks, id=f"{login.label}{url}")


@pytest.mark.parametrize(("login", "url", "ceiling"), list(_params()))
def test_a_page_sends_as_many_statements_with_more_staff_and_no_more_than_its_ceiling(counts, login, url, ceiling):
    small, large = counts[(login, url)]
    assert len(large) == len(small), f"{url} as {login.label}: demo {small.describe()}\ngrown {large.describe()}"
    assert len(small) <= ceiling, f"{url} as {login.label}: {small.describe()}"


@pytest.mark.parametrize(("login", "url", "ceiling"), [p for p in PAGES if p[0] in (TOM, ELS)],
                         ids=[f"{lg.label}{url}" for lg, url, _c in PAGES if lg in (TOM, ELS)])
def test_a_manager_page_with_its_badge_stays_under_its_ceiling(counts, login, url, ceiling):
    """At the demo's size (with more staff the badge sends one statement more per request waiting: xfail above)."""
    small, _large = counts[(login, url)]
    assert len(small) <= ceiling, f"{url} as {login.label}: {small.describe()}"


def test_a_get_writes_nothing(counts):
    for (login, url), (small, large) in counts.items():
        writes = [s for s in small + large if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert not writes, f"{url} as {login.label} writes: {writes}"


def test_every_form_of_a_page_carries_the_same_csrf_token(demo):
    client = signed_in_client(demo, ELS)
    for url in ("/settings/leave", "/access", "/people"):
        tokens = {a or b for a, b in CSRF.findall(client.get(url).get_data(as_text=True))}
        assert len(tokens) == 1, f"{url}: {len(tokens)} different CSRF tokens"


def test_the_demo_grows_once(demo, counts):
    again = demo.test_cli_runner().invoke(args=["demo", "grow", "--staff", str(GROWN_STAFF)])
    assert again.exit_code == 0, again.output
    assert f"{GROWN_STAFF} -> {GROWN_STAFF} staff (0 added)" in again.output
    with demo.app_context():
        assert grow.staff_count(grow.demo_employer("bakery")) == GROWN_STAFF
