"""The learning-account pages: mine (first visit, figures, what is on its way, refresh with and without
htmx, the register down or not knowing the person) and one employee's, by role."""

from __future__ import annotations

import html as entities
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.learning_accounts import services
from ila_sme.learning_accounts.models import AccountSnapshot
from tests import factories
from tests.learning_accounts.conftest import NOW, account, contribution

EUR = "\xa0€"  # en_BE puts the sign after the amount: 150,10 €
HTMX = {"HX-Request": "true"}


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|td|tr|table)>', html, re.S)
    assert match, f"no element #{element_id}"
    return entities.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip())


def _row(html: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row #{row_id}"
    return [entities.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", cell)).strip())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def _snapshot(employee) -> AccountSnapshot | None:
    db.session.expire_all()
    return services.snapshot_of(employee)


@pytest.fixture
def known(world, ledger):
    """The register knows Wim and Cora; Wim's figures were fetched once, at NOW."""
    ledger.write(accounts={world.employee.national_number: account(),
                           world.colleague.national_number: account(balance="20.00", public_credit="20.00",
                                                                    employer_contributions="0.00", spent="0.00")})
    services.refresh(world.employee, NOW)
    db.session.commit()
    return ledger


# My account ----------------------------------------------------------------------------------


def test_first_visit_asks_the_register_and_shows_where_every_euro_came_from(world, ledger, auth, client):
    ledger.write(accounts={world.employee.national_number: account()})
    auth.login(world.worker)
    before = utcnow()

    response = client.get("/account")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    assert "<html" in html and "<h1>My learning account</h1>" in html
    assert _text(html, "account-public-credit") == f"+100,00{EUR}"
    assert _text(html, "account-employer-contributions") == f"+75,10{EUR}"
    assert _text(html, "account-spent") == f"−25,00{EUR}"
    assert _text(html, "account-balance") == f"150,10{EUR}"
    assert _text(html, "account-balance-with-on-its-way") == f"150,10{EUR}"  # nothing on its way
    assert "Nothing on its way" in html
    # as of: the register's own time (02:00 UTC = 3:00 AM in Brussels), and when we fetched it
    assert "The register last updated this account on Mar 1, 2026, 3:00\u202fAM." in _text(html, "account-as-of")
    assert re.search(r"Fetched from the register on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M\.",
                     _text(html, "account-as-of"))
    stored = _snapshot(world.employee)
    assert stored.balance_cents == 15010 and stored.fetched_at >= before
    assert world.employee.national_number not in html
    assert 'id="account-error"' not in html


def test_a_later_visit_shows_the_stored_figures_without_asking(world, known, auth, client):
    known.write(fail_with=503)  # the register is down, but the page does not need it
    auth.login(world.worker)
    html = client.get("/account").get_data(as_text=True)
    assert _text(html, "account-balance") == f"150,10{EUR}"
    assert 'id="account-error"' not in html
    assert _snapshot(world.employee).last_error is None


def test_the_nav_links_to_the_account_for_employees_only(world, known, auth, client):
    auth.login(world.worker)
    assert 'href="/account">My learning account</a>' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(world.accountant)
    assert "My learning account" not in client.get("/").get_data(as_text=True)


def test_contributions_on_their_way_are_listed_and_added(world, known, auth, client):
    pending = contribution(world.employee, world.manager, amount_cents=5000, reference="C-2026-000001",
                           training=world.course)
    sent = contribution(world.employee, world.manager, amount_cents=1234, status="sent", kind="top-up",
                        reference="C-2026-000002")
    contribution(world.employee, world.manager, amount_cents=9999, status="booked", reference="C-2026-000003")
    contribution(world.colleague, world.manager, amount_cents=7777, reference="C-2026-000004")
    db.session.commit()
    auth.login(world.worker)

    html = client.get("/account").get_data(as_text=True)

    day = "Mar 2, 2026"  # created at NOW
    assert _row(html, f"contribution-{pending.id}") == [
        day, "Course fee", "Boekhouden voor KMO's ODB-123456", f"50,00{EUR}", "C-2026-000001"]
    assert _row(html, f"contribution-{sent.id}") == [
        day, "Top-up of the learning account", "—", f"12,34{EUR}", "C-2026-000002"]
    assert "C-2026-000003" not in html and "C-2026-000004" not in html  # booked; someone else's
    assert _text(html, "account-on-its-way-total") == f"62,34{EUR}"
    assert _text(html, "account-balance") == f"150,10{EUR}"  # the register's figure, untouched
    assert _text(html, "account-balance-with-on-its-way") == f"212,44{EUR}"


def test_refresh_without_javascript_redirects_with_the_new_figures(world, known, auth, client):
    known.write(accounts={world.employee.national_number: account(balance="175.10", employer_contributions="100.10",
                                                                  updated_at="2026-03-02T07:00:00Z")})
    auth.login(world.worker)

    response = auth.post("/account/refresh")

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    stored = _snapshot(world.employee)
    assert stored.balance_cents == 17510 and stored.register_updated_at == "2026-03-02T07:00:00Z"
    assert stored.fetched_at > NOW
    html = client.get("/account").get_data(as_text=True)
    assert "The figures were refreshed from the register." in html
    assert _text(html, "account-balance") == f"175,10{EUR}"


def test_refresh_with_htmx_swaps_the_figures_block(world, known, auth, client):
    known.write(accounts={world.employee.national_number: account(balance="175.10", employer_contributions="100.10")})
    auth.login(world.worker)

    response = auth.post("/account/refresh", headers=HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "accountRefreshed"
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="account-figures">')
    assert _text(html, "account-balance") == f"175,10{EUR}"
    assert _text(html, "account-refreshed") == "The figures were refreshed from the register."
    assert 'hx-post="/account/refresh"' in html and 'hx-target="#account-figures"' in html


def test_the_page_as_htmx_fragment_is_the_figures_block(world, known, auth, client):
    auth.login(world.worker)
    html = client.get("/account", headers=HTMX).get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="account-figures">')
    assert _text(html, "account-balance") == f"150,10{EUR}"


def test_register_down_keeps_the_old_figures_and_says_so(world, known, auth, client, caplog):
    insz = world.employee.national_number
    known.write(accounts={insz: account(balance="999.99")}, fail_with=503)
    auth.login(world.worker)
    caplog.set_level(logging.DEBUG, logger="ila_sme")

    response = auth.post("/account/refresh", headers=HTMX)

    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    message = _text(html, "account-error")
    assert message == "The register could not be reached; the figures are those of Mar 2, 2026, 9:30\u202fAM."
    assert _text(html, "account-balance") == f"150,10{EUR}"
    stored = _snapshot(world.employee)
    assert stored.balance_cents == 15010 and stored.fetched_at == NOW
    assert stored.last_error == "the register answered 503 (unavailable)" and stored.last_error_at > NOW
    for text in (html, stored.last_error, caplog.text):
        assert insz not in text
    assert f"employee {world.employee.id} not refreshed" in caplog.text

    # later, the page says the last attempt failed
    html = client.get("/account").get_data(as_text=True)
    assert "The last attempt to refresh these figures, on" in _text(html, "account-stale")
    assert insz not in html


def test_register_down_without_javascript_flashes_the_message(world, known, auth, client):
    known.write(fail_with=503)
    auth.login(world.worker)
    response = auth.post("/account/refresh")
    assert response.status_code == 302
    html = client.get("/account").get_data(as_text=True)
    assert '<p class="flash flash-error">The register could not be reached; the figures are those of' in html
    assert _text(html, "account-balance") == f"150,10{EUR}"


def test_first_visit_with_the_register_down_says_there_are_no_figures_yet(world, ledger, auth, client):
    contribution(world.employee, world.manager, amount_cents=5000, reference="C-2026-000001")
    db.session.commit()
    ledger.write(fail_with=503)
    auth.login(world.worker)

    html = client.get("/account").get_data(as_text=True)

    assert _text(html, "account-error") == (
        "The register could not be reached, so there are no figures yet. Try again later.")
    assert _text(html, "account-no-figures") == "No figures from the register yet."
    assert _text(html, "account-on-its-way-total") == f"50,00{EUR}"  # what we know ourselves still shows
    assert 'id="account-balance-with-on-its-way"' not in html
    assert _snapshot(world.employee) is None


def test_a_person_the_register_does_not_know_gets_a_clear_message(world, ledger, auth, client):
    ledger.write(accounts={})  # the stub answers 403
    auth.login(world.worker)
    html = client.get("/account").get_data(as_text=True)
    assert _text(html, "account-error") == (
        "The register does not know this person as an employee of this employer, so it does not show their "
        "account. An administrator should check the employee record.")
    assert world.employee.national_number not in html


def test_a_user_without_an_employee_record_gets_a_clear_page(world, ledger, auth, client):
    auth.login(world.accountant)
    response = client.get("/account")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your account is not linked to an employee record at Drukkerij Rekening yet." in html
    assert 'id="account-figures"' not in html
    fragment = client.get("/account", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="no-employee-record"' in fragment
    assert auth.post("/account/refresh").status_code == 200
    assert db.session.scalar(select(AccountSnapshot)) is None


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_refresh_needs_the_csrf_token(world, known, auth, client):
    auth.login(world.worker)
    assert client.post("/account/refresh").status_code == 400


# One employee's account ----------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [
    ("manager", 200),  # Wim's approver
    ("admin", 200),
    ("worker", 200),  # Wim himself
    ("other_manager", 403),
    ("accountant", 403),
    ("colleague_user", 403),
])
def test_who_may_see_an_employees_account(world, known, auth, client, who, status):
    auth.login(getattr(world, who))
    response = client.get(f"/account/employees/{world.employee.id}")
    assert response.status_code == status
    refresh = auth.post(f"/account/employees/{world.employee.id}/refresh", headers=HTMX)
    assert refresh.status_code == status
    html = response.get_data(as_text=True)
    if status == 200:
        assert _text(html, "account-balance") == f"150,10{EUR}"
        assert world.employee.national_number not in html
        assert world.employee.national_number[-2:] + "<" not in html  # not even masked
    else:
        assert "150,10" not in html


def test_a_manager_sees_the_employees_figures_and_refreshes_them(world, known, auth, client):
    contribution(world.employee, world.manager, amount_cents=5000, reference="C-2026-000001")
    db.session.commit()
    auth.login(world.manager)

    html = client.get(f"/account/employees/{world.employee.id}").get_data(as_text=True)

    assert "<h1>Learning account of Wim Worker</h1>" in html
    assert _text(html, "account-balance-with-on-its-way") == f"200,10{EUR}"
    assert f'action="/account/employees/{world.employee.id}/refresh"' in html

    known.write(accounts={world.employee.national_number: account(balance="160.10", public_credit="110.00")})
    fragment = auth.post(f"/account/employees/{world.employee.id}/refresh", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and _text(fragment, "account-balance") == f"160,10{EUR}"
    redirect = auth.post(f"/account/employees/{world.employee.id}/refresh")
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == f"/account/employees/{world.employee.id}"


def test_an_employee_without_figures_is_fetched_on_first_view(world, known, auth, client):
    auth.login(world.other_manager)  # Cora's approver
    html = client.get(f"/account/employees/{world.colleague.id}").get_data(as_text=True)
    assert _text(html, "account-balance") == f"20,00{EUR}"
    assert _snapshot(world.colleague).balance_cents == 2000


def test_another_employers_employee_is_not_found(world, known, auth, client):
    other = factories.employer("Elders BV")
    stranger = factories.employee(other)
    db.session.commit()
    auth.login(world.admin)
    assert client.get(f"/account/employees/{stranger.id}").status_code == 404
    assert auth.post(f"/account/employees/{stranger.id}/refresh").status_code == 404
    assert services.snapshot_of(stranger) is None


def test_the_refresh_time_shown_is_the_new_one(world, known, auth, client):
    snapshot = _snapshot(world.employee)
    snapshot.fetched_at = NOW - timedelta(days=3)
    db.session.commit()
    auth.login(world.worker)
    html = auth.post("/account/refresh", headers=HTMX).get_data(as_text=True)
    assert "Feb 27, 2026" not in _text(html, "account-as-of")
    assert _snapshot(world.employee).fetched_at > NOW
