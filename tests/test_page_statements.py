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
PAGES = [
    # login, url, ceiling: what the page sends now (the signed-in user with their memberships and employers is one
    # statement, the unread count another, BEGIN a third; a manager's or admin's menu badge one COUNT)
    (SARAH, "/", 13),  # the home's cards: requests, balances (history, parameters, ledger), credentials, account
    (SARAH, "/leave/requests", 7),
    (SARAH, "/leave/balances", 11),
    (SARAH, "/leave/new", 7),
    (SARAH, "/account", 7),
    (SARAH, "/notifications", 4),
    (TOM, "/", 15),  # his own cards (as Sarah's), the waiting counts, the team, staff, asked and budget figures
    # (one statement)
    (ELS, "/", 10),
    (TOM, "/notifications", 5),
    (TOM, "/people", 9),
    (TOM, "/calendar", 6),
    (KOEN, "/", 10),  # the reconciliation and the statements cards
    (KOEN, "/statements", 12),
    (KOEN, "/reconciliation/", 10),
    (KOEN, "/funding/budget", 12),
    (ELS, "/settings/leave", 6),
    (ELS, "/employer/settings", 5),
    (ELS, "/access", 5),
    (ELS, "/admin/jobs", 11),  # the runs (page, count), the jobs' last runs, their buttons' runs (one query for all)
    (TOM, "/funding/requests", 10),  # his own, waiting, asked by him, recent; the parts of all, contributions
    (ELS, "/funding/requests", 9),
    (ELS, "/audit", 16),  # 50 events: a query per kind of object they name, employees, actors
]
# The audit log reads the objects its 50 events name with one query per kind of object: more kinds may appear on
# the page as the data grows (bounded by the number of kinds, not by the rows), so it is held by its ceiling alone.
PER_KIND = {"/audit"}
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


@pytest.mark.parametrize(("login", "url", "ceiling"), PAGES, ids=[f"{lg.label}{url}" for lg, url, _c in PAGES])
def test_a_page_sends_as_many_statements_with_more_staff_and_no_more_than_its_ceiling(counts, login, url, ceiling):
    small, large = counts[(login, url)]
    if url not in PER_KIND:
        assert len(large) == len(small), f"{url} as {login.label}: demo {small.describe()}\ngrown {large.describe()}"
    assert len(small) <= ceiling, f"{url} as {login.label}: {small.describe()}"
    assert len(large) <= ceiling, f"{url} as {login.label}: {large.describe()}"


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
