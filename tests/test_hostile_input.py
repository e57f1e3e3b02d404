"""Every route of ``app.url_map``, every method, as every role: hostile values in every form field and query
parameter the route reads, and hostile ids and tokens in its URL. Never a 5xx, and a refused request
changes no table (see tests/support/hostile.py for how the names are found and what is sent)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import request

from ila_sme.config import TestConfig
from ila_sme.dates import today
from ila_sme.extensions import db
from ila_sme.factory import create_app
from ila_sme.notifications.models import Notification
from ila_sme.reconciliation import actions
from tests.support import hostile

ROLES = ("admin", "manager", "employee", "accountant", "anonymous")
SKIPPED = {"static"}  # Flask's own file server
LET_NOBODY_IN = {"accounts.logout"}  # it answers everyone with the sign-in page
JOB_NAME = "registry-sync"  # a job of ila_sme.scheduler.jobs.JOBS: the /admin/jobs/<job_name>/... routes


def _rules():
    app = create_app({key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()})
    return sorted((rule.rule, method, rule.endpoint) for rule in app.url_map.iter_rules()
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"}) if rule.endpoint not in SKIPPED)


ROUTES = _rules()


def _get_urls(app, world, url: str) -> list[str]:
    """The route's own page first, then the GET pages of the same section (where its form may live), then the
    home page (the forms of every page's header: switching employer, language)."""
    section = url.strip("/").split("/")[0]
    urls = [url] if any(method == "GET" for _rule, method, _e in ROUTES if _rule == url) else []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in SKIPPED and rule.rule.strip("/").split("/")[0] == section:
            page, _hostile = hostile.route_urls(rule, world)
            if page not in urls and not page.endswith((".ics", ".csv")):
                urls.append(page)
    return [*urls, "/"]


@pytest.mark.parametrize(("path", "method", "endpoint"), ROUTES, ids=[f"{m} {p}" for p, m, _e in ROUTES])
def test_hostile_values_never_give_a_5xx_nor_a_partial_write(app, monkeypatch, path, method, endpoint):
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and rule.rule == path)
    with app.test_request_context(method="POST"):  # the invitation's mail and the urls need one
        world = hostile.build_world(today())
        world.ids.setdefault("job_name", JOB_NAME)
        url, hostile_urls = hostile.route_urls(rule, world)
        get_urls = _get_urls(app, world, url) if method != "GET" else []
    # The register is not there: refused at once, and an action gives up at the first refusal (no retries).
    app.config.update(LEDGER_URL="http://127.0.0.1:9", LEDGER_TIMEOUT=1)
    monkeypatch.setattr(actions, "ACTION_BUDGET_SECONDS", 0)
    hostile.record_reads(app)
    clients = {}
    for role in ROLES:  # all signed in first: a route may change a password or end sessions
        clients[role] = app.test_client()
        clients[role].csrf = hostile.sign_in(clients[role], world.users[role])
    problems, let_in, thorough = [], [], True
    for role in ROLES:
        walk = hostile.Walk(clients[role], method, clients[role].csrf)
        if hostile.walk_route(walk, url, hostile_urls if role == "admin" else [], get_urls, thorough):
            let_in.append(role)
            thorough = False
        problems += [f"[{role}] {problem}" for problem in walk.problems]
    assert not problems, "\n".join(problems[:40])
    assert let_in or endpoint in LET_NOBODY_IN, f"no role got into {method} {url}: the walk tried nothing there"


def test_the_walk_reports_a_refusal_that_wrote_and_an_exception(app):
    """The walk itself: a route that saves and then refuses, and one that fails on a value, are both reported."""

    @app.post("/_hostile/saves-then-refuses")
    def saves_then_refuses():
        db.session.add(Notification(user_id=1, employer_id=1, message=request.form.get("message", "")[:500]))
        db.session.commit()
        return "refused", 422

    @app.post("/_hostile/fails")
    def fails():
        return str(Decimal(request.form.get("amount", "0")).quantize(Decimal("0.01")))

    with app.test_request_context(method="POST"):
        world = hostile.build_world(today())
    hostile.record_reads(app)
    client = app.test_client()
    csrf = hostile.sign_in(client, world.users["admin"])
    saves = hostile.Walk(client, "POST", csrf)
    assert hostile.walk_route(saves, "/_hostile/saves-then-refuses", [], [], thorough=True)
    assert "refused (422) but wrote {'notifications'" in saves.problems[0]
    failing = hostile.Walk(client, "POST", csrf)
    hostile.walk_route(failing, "/_hostile/fails", [], [], thorough=True)
    assert any("(amount = '1e308', htmx): InvalidOperation" in problem for problem in failing.problems)
