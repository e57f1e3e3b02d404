"""The reconciliation page: who may open it, starting a run (queued for the scheduler), the run's
progress polled by htmx while it is not finished, the runs table, the differences queue and its
filters, a run's items; another employer's runs and differences do not exist."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select

from ila_sme import locks
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.reconciliation.models import Difference, ReconciliationRun
from tests import factories
from tests.reconciliation.views.conftest import count, htmx, row, text, token

PAGE = "/reconciliation/"


def _runs() -> list[ReconciliationRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.id)))


def _status(html: str) -> str:
    match = re.search(r'<article id="run-status".*?</article>', html, re.S)
    assert match, "no run status on the page"
    return match.group(0)


# Who may open it -----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [("employee", 403), ("manager", 403), ("accountant", 200),
                                                ("admin", 200)])
def test_only_accountants_and_admins_reconcile(office, auth, client, role, expected):
    run = factories.reconciliation_run(office.employer)
    difference = factories.difference(office.employer)
    db.session.commit()
    auth.login(office.users[role])
    assert client.get(PAGE).status_code == expected
    assert client.get(f"/reconciliation/runs/{run.id}").status_code == expected
    assert client.get(f"/reconciliation/runs/{run.id}/status", headers=htmx()).status_code == expected
    assert client.get("/reconciliation/differences", headers=htmx()).status_code == expected
    home = client.get("/").get_data(as_text=True)
    assert ('href="/reconciliation/"' in home) == (expected == 200)
    # nobody without the right starts a run or resolves a difference
    response = auth.post(f"/reconciliation/differences/{difference.id}/write-off", {"reason": "typo"})
    assert response.status_code == (302 if expected == 200 else 403)
    response = auth.post("/reconciliation/runs", {"period": ""})
    assert response.status_code == (302 if expected == 200 else 403)
    assert count(ReconciliationRun) == (2 if expected == 200 else 1)
    assert count(Difference, Difference.state == "open") == (0 if expected == 200 else 1)


def test_signed_out_visitors_are_sent_to_the_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_employers_runs_and_differences_do_not_exist(office, auth, client):
    other = factories.employer("Elders")
    run = factories.reconciliation_run(other, state="running", phase="reading")
    difference = factories.difference(other)
    mine = factories.difference(office.employer)
    db.session.commit()
    auth.login(office.accountant)
    for url in (f"/reconciliation/runs/{run.id}", f"/reconciliation/runs/{run.id}/status"):
        assert client.get(url).status_code == 404
        assert client.get(url, headers=htmx()).status_code == 404
    for action in ("resubmit", "accept", "link", "record-outside", "ask-reversal", "write-off"):
        response = auth.post(f"/reconciliation/differences/{difference.id}/{action}",
                             {"reason": "not mine", "contribution_id": "1"})
        assert response.status_code == 404, action
    db.session.expire_all()
    assert db.session.get(Difference, difference.id).state == "open"
    html = client.get(f"{PAGE}differences?show=all").get_data(as_text=True)
    assert f'id="difference-{mine.id}"' in html and f'id="difference-{difference.id}"' not in html
    assert "Elders" not in html


# Starting a run ------------------------------------------------------------------------------


def test_starting_a_run_queues_exactly_one(office, auth, client):
    auth.login(office.accountant)
    page = client.get(PAGE).get_data(as_text=True)
    assert '<select aria-describedby="period-help" id="period" name="period">' in page
    assert '<option selected value="">Every open period</option>' in page
    response = auth.post("/reconciliation/runs", {"period": ""})
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    run, = _runs()
    assert (run.state, run.trigger, run.period, run.requested_by_id) == ("queued", "web", None,
                                                                         office.accountant.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reconciliation.requested"))
    assert event.actor_id == office.accountant.id and event.object_id == str(run.id)
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Run {run.id} is queued, but no scheduler process is running" in text(html)
    status = _status(html)
    assert f'hx-get="/reconciliation/runs/{run.id}/status" hx-trigger="every 1s"' in status
    assert 'value="0" max="100"' in status and "Waiting to start" in status
    assert "Runs started here wait until it runs again" in text(status)
    assert 'id="start-run"' not in html  # one run at a time
    assert "You can start another run when this one has finished." in text(html)

    # sent twice (a double click, another tab): still one run
    response = auth.post("/reconciliation/runs", {"period": ""})
    assert response.status_code == 409
    assert "A run is already waiting or running" in text(response.get_data(as_text=True))
    assert len(_runs()) == 1


def test_a_run_of_one_period(office, auth, client):
    auth.login(office.accountant)
    page = client.get(PAGE).get_data(as_text=True)
    periods = re.findall(r'<option value="(\d{4}-\d{2})">', page)
    assert len(periods) == 14 and periods == sorted(periods, reverse=True)  # this month and 13 back
    auth.post("/reconciliation/runs", {"period": periods[2]})
    run, = _runs()
    assert run.period == periods[2]


@pytest.mark.parametrize("period", ["2019-01", "2026-13", "everything"])
def test_a_period_outside_the_open_ones_is_refused(office, auth, client, period):
    auth.login(office.accountant)
    response = auth.post("/reconciliation/runs", {"period": period})
    assert response.status_code == 422
    assert "Not a valid choice" in text(response.get_data(as_text=True))
    assert _runs() == []


def test_no_warning_while_the_scheduler_runs(office, auth, client):
    assert locks.acquire("scheduler")  # this process holds the scheduler's lease, as the scheduler does
    auth.login(office.accountant)
    assert "No scheduler process is running" not in client.get(PAGE).get_data(as_text=True)
    auth.post("/reconciliation/runs", {"period": ""})
    html = client.get(PAGE).get_data(as_text=True)
    assert "is queued: the scheduler starts it within seconds." in text(html)
    assert "No scheduler process is running" not in html
    locks.release("scheduler")
    assert "No scheduler process is running" in client.get(PAGE).get_data(as_text=True)


# The run's progress, polled ------------------------------------------------------------------


def test_the_status_polls_while_the_run_is_going(office, auth, client):
    run = factories.reconciliation_run(office.employer, state="running", phase="reading", progress_done=30,
                                       progress_total=120, booked=2, entries_read=28, matched=25,
                                       holder=locks.holder_id())
    db.session.commit()
    auth.login(office.accountant)
    response = client.get(f"/reconciliation/runs/{run.id}/status", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<article id="run-status" class="run-status run-running" data-run="{run.id}"')
    assert f'hx-get="/reconciliation/runs/{run.id}/status" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert '<progress id="run-progress" value="25" max="100"' in html
    assert "25 % · Reading the register's entries · 30 of 120" in text(html)
    assert "2 booked, 0 refused, 0 left for the next run" in text(html)
    assert "HX-Trigger" not in response.headers
    # the page shows the same, and no start form while it runs
    page = client.get(PAGE).get_data(as_text=True)
    assert _status(page) == html.strip() and 'id="start-run"' not in page


def test_more_entries_than_expected_never_show_more_than_everything(office, auth, client):
    """Entries the app did not know are read too: the count stops at the total, the bar below 100 %."""
    run = factories.reconciliation_run(office.employer, state="running", phase="checking", progress_done=14,
                                       progress_total=12, holder=locks.holder_id())
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(f"/reconciliation/runs/{run.id}/status", headers=htmx()).get_data(as_text=True)
    assert '<progress id="run-progress" value="99" max="100"' in html
    assert "99 % · Looking for contributions the register does not list · 12 of 12" in text(html)


def test_the_finished_run_stops_the_polling_and_refreshes_the_page(office, auth, client):
    run = factories.reconciliation_run(office.employer, state="running", phase="checking", progress_done=9,
                                       progress_total=10, holder=locks.holder_id())
    db.session.commit()
    auth.login(office.accountant)
    assert 'hx-trigger="every 1s"' in client.get(f"/reconciliation/runs/{run.id}/status",
                                                 headers=htmx()).get_data(as_text=True)
    run.state, run.phase, run.matched, run.unknown_in_register = "done", "finished", 9, 1
    db.session.commit()
    response = client.get(f"/reconciliation/runs/{run.id}/status", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "reconciliationFinished"
    assert "hx-trigger" not in html and "hx-get" not in html
    assert 'value="100" max="100"' in html and "Done" in html
    assert "Unknown here 1" in text(html) and "Matched 9" in text(html)
    # the regions that listen for the event, and the start form back
    page = client.get(PAGE).get_data(as_text=True)
    for region, url in (("reconciliation-current", "/reconciliation/"),
                        ("reconciliation-runs", "/reconciliation/runs"),
                        ("reconciliation-differences", "/reconciliation/differences?page=1&amp;show=open")):
        assert (f'<section id="{region}">\n  <div hidden hx-get="{url}"' in page), region
    assert page.count('hx-trigger="reconciliationFinished from:body"') == 3
    assert 'id="start-run"' in page
    current = client.get(PAGE, headers=htmx()).get_data(as_text=True)  # what the event fetches
    assert current.lstrip().startswith('<section id="reconciliation-current">') and "<html" not in current


def test_without_htmx_the_status_is_the_run_page(office, auth, client):
    run = factories.reconciliation_run(office.employer, state="done")
    db.session.commit()
    auth.login(office.accountant)
    response = client.get(f"/reconciliation/runs/{run.id}/status")
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert f"Reconciliation run {run.id}" in response.get_data(as_text=True)


def test_a_run_whose_process_died_is_not_polled_forever(office, auth, client):
    dead = f"{socket.gethostname()}:999999999"  # no such process on this host
    run = factories.reconciliation_run(office.employer, state="running", phase="reading", holder=dead)
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(f"/reconciliation/runs/{run.id}/status", headers=htmx()).get_data(as_text=True)
    assert "hx-trigger" not in html
    assert "Its process stopped before the end" in text(html)


# The runs table and a run's items --------------------------------------------------------------


def test_the_runs_table_pages_through_the_runs(office, auth, client):
    for n in range(12):
        factories.reconciliation_run(office.employer, state="done", matched=n, booked=1, left=n % 2,
                                     requested_by_id=office.accountant.id)
    factories.reconciliation_run(office.employer, state="incomplete", trigger="scheduler",
                                 error="The register could not be read: timeout")
    db.session.commit()
    newest = _runs()[-1]
    auth.login(office.accountant)
    html = client.get(PAGE).get_data(as_text=True)
    table = text(html[html.index('id="reconciliation-runs"'):html.index('id="reconciliation-differences"')])
    assert (f"Run {newest.id} every open period Incomplete The register could not be read: timeout The scheduler"
            in table)
    assert f"Run {newest.id - 1} every open period Done Alex Accountant" in table
    assert f"Run {newest.id - 10}" not in table
    assert 'href="/reconciliation/runs?from=10" rel="next" hx-get="/reconciliation/runs?from=10"' in html
    response = client.get("/reconciliation/runs?from=10", headers=htmx())  # "Older": the rows alone
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<tr id="run-') and "<table" not in fragment and "<html" not in fragment
    assert f"Run {newest.id - 10}" in text(fragment) and f"Run {newest.id - 9}" not in text(fragment)
    assert 'rel="next"' not in fragment
    refreshed = client.get("/reconciliation/runs", headers=htmx()).get_data(as_text=True)  # after a run ends
    assert refreshed.lstrip().startswith('<section id="reconciliation-runs">') and f"Run {newest.id}" in refreshed


def test_a_finished_run_is_the_latest_in_dutch_and_names_who_started_it(office, auth, client):
    factories.reconciliation_run(office.employer, state="done", requested_by_id=office.accountant.id)
    factories.reconciliation_run(office.employer, state="done", trigger="scheduler")
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(PAGE, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    current = text(html[html.index('id="reconciliation-current"'):html.index('id="reconciliation-runs"')])
    assert "Laatste ronde" in current and "Lopende ronde" not in current
    table = text(html[html.index('id="reconciliation-runs"'):html.index('id="reconciliation-differences"')])
    assert "De planner" in table and office.accountant.name in table and "Deze pagina" not in table


def test_a_runs_items_by_outcome(office, auth, client):
    from ila_sme.reconciliation.models import ReconciliationItem

    run = factories.reconciliation_run(office.employer, matched=2, amount_mismatch=1)
    db.session.add_all([
        ReconciliationItem(run_id=run.id, outcome="matched", reference="C-1", entry_id="L-1", period="2026-03",
                           local_cents=1000, register_cents=1000),
        ReconciliationItem(run_id=run.id, outcome="matched", reference="C-2", entry_id="L-2", period="2026-03",
                           local_cents=2000, register_cents=2000),
        ReconciliationItem(run_id=run.id, outcome="amount_mismatch", reference="C-3", entry_id="L-3",
                           period="2026-02", local_cents=3000, register_cents=3500)])
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(f"/reconciliation/runs/{run.id}").get_data(as_text=True)
    assert "Matched (2)" in text(html) and "Other amount at the register (1)" in text(html)
    assert "C-1 L-1 2026-03" in text(html) and "C-3 L-3 2026-02" in text(html)
    fragment = client.get(f"/reconciliation/runs/{run.id}?outcome=amount_mismatch",
                          headers=htmx()).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="run-items">')
    assert "C-3" in fragment and "C-1" not in fragment
    assert "30,00" in fragment and "35,00" in fragment


# The differences queue -----------------------------------------------------------------------


def test_the_queue_shows_open_differences_first_and_filters(office, auth, client):
    employee = factories.employee(office.employer, first_name="Greet", last_name="Goossens")
    unknown = factories.difference(office.employer, employee_id=employee.id, detail="Booked at the portal")
    mismatch = factories.difference(office.employer, kind="amount_mismatch", key="amount:L-X", reference="C-9",
                                    entry_id="L-X", local_cents=10000, register_cents=12500)
    done = factories.difference(office.employer, state="resolved", resolution="written_off",
                                resolved_by_id=office.accountant.id, note="a test entry")
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(PAGE).get_data(as_text=True)
    assert "2 differences." in text(html)
    line = text(row(html, unknown.id))
    assert "Unknown here" in line and "Greet Goossens" in line and employee.national_number_masked in line
    assert employee.national_number not in html  # never unmasked
    assert f"{unknown.reference} {unknown.entry_id} 2026-03 — 123,45" in line and "Booked at the portal" in line
    for action in ("record-outside", "ask-reversal", "write-off"):
        assert f'action="/reconciliation/differences/{unknown.id}/{action}?show=open"' in row(html, unknown.id)
    assert "No contribution waiting to be booked to link it to." in line
    line = row(html, mismatch.id)
    assert "Accept the register's amount" in text(line) and "100,00" in line and "125,00" in line
    assert f'hx-post="/reconciliation/differences/{mismatch.id}/accept?show=open"' in line
    assert f'hx-target="#difference-{mismatch.id}" hx-swap="outerHTML"' in line
    assert f'id="difference-{done.id}"' not in html

    everything = client.get("/reconciliation/differences?show=all", headers=htmx()).get_data(as_text=True)
    assert everything.lstrip().startswith('<section id="reconciliation-differences">')
    ids = [int(n) for n in re.findall(r'<tr id="difference-(\d+)"', everything)]
    assert ids[-1] == done.id and set(ids) == {unknown.id, mismatch.id, done.id}  # open ones first
    assert "Written off" in text(row(everything, done.id)) and "a test entry" in row(everything, done.id)
    assert "<form" not in row(everything, done.id)
    resolved = client.get("/reconciliation/differences?show=resolved").get_data(as_text=True)
    assert "<html" in resolved and re.findall(r'<tr id="difference-(\d+)"', resolved) == [str(done.id)]
    kind = client.get("/reconciliation/differences?kind=amount_mismatch", headers=htmx()).get_data(as_text=True)
    assert re.findall(r'<tr id="difference-(\d+)"', kind) == [str(mismatch.id)]
    nothing = client.get("/reconciliation/differences?kind=reversed", headers=htmx()).get_data(as_text=True)
    assert "No difference matches this filter." in nothing


def test_the_queue_pages(office, auth, client):
    made = [factories.difference(office.employer) for _ in range(27)]
    db.session.commit()
    auth.login(office.accountant)
    html = client.get(PAGE).get_data(as_text=True)
    assert "27 differences." in text(html) and "Page 1 of 2" in text(html)
    assert len(re.findall(r'<tr id="difference-', html)) == 25
    second = client.get("/reconciliation/differences?page=2&show=open", headers=htmx()).get_data(as_text=True)
    assert len(re.findall(r'<tr id="difference-', second)) == 2
    assert {made[0].id, made[1].id} == {int(n) for n in re.findall(r'<tr id="difference-(\d+)"', second)}


def test_the_page_and_its_actions_need_the_csrf_token(office, auth, client):
    difference = factories.difference(office.employer)
    db.session.commit()
    auth.login(office.accountant)
    token(client)
    response = client.post(f"/reconciliation/differences/{difference.id}/write-off", data={"reason": "x"})
    assert response.status_code == 400
    response = client.post("/reconciliation/runs", data={"period": ""}, headers=htmx())
    assert response.status_code == 400
    assert count(ReconciliationRun) == 0 and count(Difference, Difference.state == "open") == 1


@pytest.mark.parametrize(("language", "texts"), [
    ("nl", ["Afstemming met het register", "Een ronde starten", "Alle open periodes", "Hier onbekend",
            "Afboeken", "Er draait geen plannerproces."]),
    ("fr", ["Rapprochement avec le registre", "Lancer une exécution", "Toutes les périodes ouvertes",
            "Inconnue ici", "Classer sans suite", "Aucun processus planificateur ne tourne."]),
])
def test_the_page_in_dutch_and_french(office, auth, client, language, texts):
    from ila_sme.extensions import babel
    from tests.test_translations import compile_catalogs

    compile_catalogs()
    babel.domain_instance.cache.clear()
    factories.difference(office.employer)
    db.session.commit()
    auth.login(office.accountant)
    try:
        page = text(client.get(PAGE, headers={"Accept-Language": language}).get_data(as_text=True))
    finally:
        babel.domain_instance.cache.clear()
    for expected in texts:
        assert expected in page, expected
    assert "Start a run" not in page and "Unknown here" not in page


def test_an_empty_queue_says_agreement_only_after_a_run_compared(office, auth, client):
    auth.login(office.accountant)
    before = text(client.get(PAGE).get_data(as_text=True))
    assert "No run has compared the app with the register yet" in before
    assert "agree" not in before and "0 differences." not in before
    factories.reconciliation_run(office.employer, state="failed", phase="finished")
    db.session.commit()
    assert "No run has compared the app with the register yet" in text(client.get(PAGE).get_data(as_text=True))
    run = factories.reconciliation_run(office.employer)
    db.session.commit()
    after = text(client.get(PAGE).get_data(as_text=True))
    assert f"No open difference: the app and the register agree (run {run.id}," in after
    assert "No run has compared" not in after
