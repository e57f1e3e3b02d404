"""Balances: mine and one employee's, the ledger rows behind every figure, previous periods,
who may see them, and an admin's correction."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.identifiers import make_insz
from ila_sme.leave import jobs, ledger, services
from ila_sme.leave.models import EntryKind
from ila_sme.people import employment
from ila_sme.people import services as people
from ila_sme.schemes import services as schemes
from tests import factories
from tests.leave.views.conftest import TODAY, ledger_rows, snapshot, token
from tests.support.history import change_terms


def _figure(html: str, scheme: str, key: str) -> str:
    match = re.search(rf'<dd id="{scheme}-{key}">(.*?)</dd>', html, re.S)
    assert match, f"no figure {scheme}-{key}"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def _rows(html: str, scheme: str, key: str) -> list[str]:
    match = re.search(rf'<tbody id="{scheme}-{key}-rows">(.*?)</tbody>', html, re.S)
    assert match, f"no rows behind {scheme}-{key}"
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)]


@pytest.fixture
def history(world):
    """Wim: one approved request (24 h), one pending (8 h), one withdrawn (8 h)."""
    def submit(start, end):
        return services.submit(actor=world.worker, employee=world.employee, today=TODAY, data=services.RequestInput(
            leave_type=world.vov, training=world.course, start_date=start, end_date=end, hours_per_day=Decimal("8")))

    approved = submit(date(2026, 3, 16), date(2026, 3, 18))
    services.approve(actor=world.manager, request=approved, today=TODAY)
    pending = submit(date(2026, 3, 19), date(2026, 3, 19))
    withdrawn = submit(date(2026, 3, 20), date(2026, 3, 20))
    services.withdraw(actor=world.worker, request=withdrawn)
    db.session.commit()
    return {"approved": approved, "pending": pending, "withdrawn": withdrawn}


# My balances ---------------------------------------------------------------------------------


def test_my_balances_show_every_figure_and_the_rows_behind_it(world, history, auth, client):
    auth.login(world.worker)
    response = client.get("/leave/balances")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "My balances" in html
    assert "Flemish training leave (VOV) · 2025-26" in html
    assert _figure(html, "vov", "remaining") == "93 hours"  # 125 − 24 used − 8 pending
    assert _figure(html, "vov", "entitlement") == "125 hours"
    assert _figure(html, "vov", "used") == "24 hours"
    assert _figure(html, "vov", "reserved") == "8 hours"
    assert _figure(html, "vov", "carried_over") == "0 hours"
    assert _figure(html, "vov", "expired") == "0 hours"

    # each row: the date it was written (short), the movement, the amount, the request, the reason
    day = r"[A-Z][a-z]{2} \d{1,2}, \d{4}"  # an English date is never written 3/16/26
    entitlement = _rows(html, "vov", "entitlement")
    assert entitlement[0] == "Entitlement: 125 hours"
    assert re.fullmatch(rf"{day} Entitlement \+125 hours 125 h × 100 % \(01 Mar 2025\)", entitlement[1])
    used = _rows(html, "vov", "used")
    assert used[0] == "Used: 24 hours" and len(used) == 2
    assert re.fullmatch(rf"{day} Used -24 hours Mar 16, 2026 – Mar 18, 2026 Approved", used[1])
    reserved = _rows(html, "vov", "reserved")
    assert reserved[0] == "Reserved by pending requests: 8 hours"
    assert len(reserved) == 1 + 5  # three reservations; released at approval and at withdrawal
    assert any(re.fullmatch(rf"{day} Reservation released \+8 hours Mar 20, 2026 Withdrawn withdrawn", row)
               for row in reserved)
    assert any(re.fullmatch(rf"{day} Reserved by a request -8 hours Mar 19, 2026 Waiting for approval", row)
               for row in reserved)
    assert f'href="/leave/requests#request-{history["pending"].id}"' in html
    # the federal training right too, in days (25 FTE: 5 days)
    assert "Federal training right · 2026" in html
    assert _figure(html, "training_right", "remaining") == "5 days"


def test_my_balances_fragment_for_a_previous_period(world, history, auth, client):
    previous = schemes.period_by_label("vov", "2024-25")
    ledger.ensure_allocation(world.employee, world.employer, "vov", previous)
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/balances").get_data(as_text=True)
    assert re.search(r'<select id="period-vov" name="period"\s+hx-get="/leave/balances"', html)
    assert '<option value="2024-25">2024-25</option>' in html
    response = client.get("/leave/balances?scheme=vov&period=2024-25", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="balances">')
    assert "Flemish training leave (VOV) · 2024-25" in fragment
    assert _figure(fragment, "vov", "remaining") == "125 hours"
    assert _figure(fragment, "vov", "used") == "0 hours"
    assert '<option value="2024-25" selected>' in fragment
    assert "Federal training right · 2026" in fragment  # the other scheme stays on its current period


def test_a_period_before_the_contract_or_made_up_is_ignored(world, auth, client):
    world.employee.contract_start = date(2025, 10, 1)
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/balances").get_data(as_text=True)
    assert '<option value="2025-26" selected>2025-26</option>' in html
    assert "2024-25" not in html
    html = client.get("/leave/balances?scheme=vov&period=1999-00").get_data(as_text=True)
    assert "Flemish training leave (VOV) · 2025-26" in html


def test_a_period_not_allocated_yet_is_shown_as_such_and_nothing_is_written(world, auth, client):
    """An employee record the allocation has not reached yet (e.g. made before tonight's job)."""
    newcomer = factories.user("nina@example.be", roles={world.employer: "employee"}, name="Nina New")
    record = factories.employee(world.employer, first_name="Nina", last_name="New", user_id=newcomer.id,
                                approver_id=world.manager.id, employment_pct=Decimal("80"))
    db.session.commit()
    auth.login(newcomer)
    before = snapshot()
    html = client.get("/leave/balances").get_data(as_text=True)
    assert snapshot() == before and ledger_rows(record) == []
    assert _figure(html, "vov", "remaining") == "0 hours"
    assert re.search(r'id="vov-unallocated"[^>]*>This period(&#39;|\')s entitlement of 100 hours is not in the '
                     r"ledger yet: the nightly allocation adds it.</p>", html)
    home = client.get("/").get_data(as_text=True)
    assert "100 hours not allocated yet" in home and snapshot() == before

    jobs.allocate_year(TODAY)
    jobs.allocate_year(TODAY)  # a second run adds nothing
    assert [(row.kind, row.period, row.amount) for row in ledger_rows(record, "vov")] == [
        (EntryKind.ALLOCATION, "2025-26", Decimal("100.00"))]
    html = client.get("/leave/balances").get_data(as_text=True)
    assert _figure(html, "vov", "remaining") == "100 hours"
    assert 'id="vov-unallocated"' not in html


# One employee's balances ---------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [
    ("worker", 200),  # the employee
    ("manager", 200),  # the approver
    ("deputy", 200),  # the deputy approver
    ("admin", 200),
    ("other_manager", 403),  # a manager, but not Wim's
    ("accountant", 403),
    ("colleague_user", 403),  # another employee
])
def test_who_may_see_an_employees_balances(world, auth, client, who, status):
    auth.login(getattr(world, who))
    response = client.get(f"/leave/employees/{world.employee.id}/balances")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    if status == 200:
        assert "Balances of Wim Worker" in html or (who == "worker" and "My balances" in html)
        assert _figure(html, "vov", "remaining") == "125 hours"
        assert ("Correct a balance" in html) == (who == "admin")
    else:
        assert "125 hours" not in html


def test_another_employers_employee_is_a_404(world, auth, client):
    other = factories.employer("Other BV")
    outsider = factories.employee(other, first_name="Otto", last_name="Outsider")
    db.session.commit()
    auth.login(world.admin)
    response = client.get(f"/leave/employees/{outsider.id}/balances")
    assert response.status_code == 404
    assert "Outsider" not in response.get_data(as_text=True)


def test_an_employees_balances_as_an_htmx_fragment(world, history, auth, client):
    auth.login(world.manager)
    response = client.get(f"/leave/employees/{world.employee.id}/balances?scheme=vov&period=2025-26",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="balances">')
    assert _figure(html, "vov", "remaining") == "93 hours"
    assert f'hx-get="/leave/employees/{world.employee.id}/balances"' in html
    assert "/leave/requests#request-" not in html  # the manager has no "my requests" of Wim's to link to


# Corrections ---------------------------------------------------------------------------------


def _correction(**overrides) -> dict:
    data = {"scheme": "vov", "period": "2025-26", "amount": "8", "reason": "Hours of a course paid in 2024"}
    data.update(overrides)
    return data


def test_admin_corrects_a_balance_with_a_new_row(world, auth, client):
    auth.login(world.admin)
    client.get(f"/leave/employees/{world.employee.id}/balances")
    response = auth.post(f"/leave/employees/{world.employee.id}/corrections", _correction())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/leave/employees/{world.employee.id}/balances?scheme=vov&period=2025-26")
    rows = ledger_rows(world.employee, "vov")
    assert [(row.kind, row.amount) for row in rows] == [("allocation", Decimal("125.00")),
                                                        ("correction", Decimal("8.00"))]
    assert rows[-1].actor_id == world.admin.id and rows[-1].reason == "Hours of a course paid in 2024"

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The correction of Wim Worker&#39;s balance was saved." in html
    assert _figure(html, "vov", "remaining") == "133 hours"
    assert _figure(html, "vov", "entitlement") == "133 hours"
    assert any("Correction +8 hours" in row and "Hours of a course paid in 2024 (Ada Admin)" in row
               for row in _rows(html, "vov", "entitlement"))


@pytest.mark.parametrize("overrides, message", [
    ({"reason": ""}, "A correction needs a reason."),
    ({"amount": "-200"}, "This correction would leave -75.00, below zero."),
    ({"amount": "0"}, "A correction of zero changes nothing."),
])
def test_a_refused_correction_says_why_and_saves_nothing(world, auth, client, overrides, message):
    auth.login(world.admin)
    client.get(f"/leave/employees/{world.employee.id}/balances")
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/leave/employees/{world.employee.id}/corrections",
                           data={**_correction(**overrides), "csrf_token": csrf})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    refused = re.search(r'<div id="correction-refused" role="alert">(.*?)</div>', html, re.S)
    assert refused and message in refused.group(1)
    assert snapshot() == before
    assert _figure(html, "vov", "remaining") == "125 hours"


def test_a_correction_for_a_period_that_is_not_one(world, auth, client):
    auth.login(world.admin)
    client.get(f"/leave/employees/{world.employee.id}/balances")
    csrf = token(client)
    before = snapshot()
    html = client.post(f"/leave/employees/{world.employee.id}/corrections",
                       data={**_correction(period="2026"), "csrf_token": csrf}).get_data(as_text=True)
    assert re.search(r'<small id="period-error" class="field-error">Not a period of this scheme', html)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["manager", "worker", "accountant"])
def test_only_admins_correct(world, auth, client, who):
    auth.login(getattr(world, who))
    csrf = token(client)
    before = snapshot()
    response = client.post(f"/leave/employees/{world.employee.id}/corrections",
                           data={**_correction(), "csrf_token": csrf})
    assert response.status_code == 403
    assert snapshot() == before


def test_a_future_hire_still_sees_the_current_period(world, auth, client):
    hire = factories.user("fien@example.be", roles={world.employer: "employee"}, name="Fien Future")
    record = people.create_employee(actor=world.admin, employer=world.employer, today=TODAY, data={
        "first_name": "Fien", "last_name": "Future", "national_number": make_insz(date(1999, 4, 5), 321),
        "employment_pct": Decimal("100"), "hours_per_week": Decimal("38"), "contract_start": date(2026, 9, 1),
        "approver_id": world.manager.id})
    record.user_id = hire.id
    db.session.commit()
    # set up at creation: the current school year allocated, with nothing in it (no contract yet)
    assert [(row.period, row.amount) for row in ledger_rows(record, "vov")] == [("2025-26", Decimal("0.00"))]
    auth.login(hire)
    html = client.get("/leave/balances").get_data(as_text=True)
    assert '<option value="2025-26" selected>2025-26</option>' in html
    # no contract in this school year yet: no VOV balance, and why
    assert 'id="vov-remaining"' not in html
    assert re.search(r'id="vov-not-eligible"[^>]*>Not eligible: no contract in this school year</p>', html)


# A change of history -------------------------------------------------------------------------


def test_a_recalculation_shows_with_its_reason_and_counts_in_the_entitlement(world, auth, client):
    """Wim's regime drops to 50 % from July: the 2026 training right shows the recalculation row and 3.75 days."""
    change_terms(world.employee, date(2026, 7, 1), employment_pct="50", hours_per_week="19", actor=world.admin,
                 today=TODAY, change="work regime 50 % from 2026-07-01")
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/balances").get_data(as_text=True)
    assert _figure(html, "training_right", "entitlement") == "3,75 days"  # (in en-BE: a decimal comma)
    assert _figure(html, "training_right", "remaining") == "3,75 days"
    rows = _rows(html, "training_right", "entitlement")
    assert rows[0] == "Entitlement: 3,75 days"
    day = r"[A-Z][a-z]{2} \d{1,2}, \d{4}"  # an English date is never written 3/16/26
    assert re.fullmatch(rf"{day} Entitlement \+5 days 5 d × 100 % × 12/12", rows[1])
    assert re.fullmatch(rf"{day} Recalculated -1,25 days work regime 50 % from 2026-07-01: "
                        rf"5 d × \(6 × 100 % \+ 6 × 50 %\) / 12 \(Ada Admin\)", rows[2]), rows[2]
    # The same in the htmx fragment an approver swaps in.
    auth.login(world.manager)
    fragment = client.get(f"/leave/employees/{world.employee.id}/balances?scheme=training_right&period=2026",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="balances">')
    assert _figure(fragment, "training_right", "entitlement") == "3,75 days"
    assert "Recalculated" in fragment and "work regime 50 % from 2026-07-01" in fragment


def test_an_employee_below_the_vov_conditions_sees_why_instead_of_a_balance(world, auth, client):
    change_terms(world.employee, world.employee.contract_start, employment_pct="50", hours_per_week="19",
                 actor=world.admin, today=TODAY, change="work regime 50 % (corrected)")
    db.session.commit()
    why = ("Not eligible: a work regime of 50 % on 2025-03-01, the reference day (at least 80 % needed); "
           "19 hours a week on 2025-03-01, the reference day (at least 28 needed)")
    auth.login(world.worker)
    html = client.get("/leave/balances").get_data(as_text=True)
    assert 'id="vov-remaining"' not in html
    assert re.search(r'id="vov-not-eligible"[^>]*>' + re.escape(why) + "</p>", html)
    # the ledger rows stay visible: the allocation and the recalculation that took it back, with the reason
    rows = _rows(html, "vov", "entitlement")
    assert "Recalculated -125 hours work regime 50 % (corrected): not eligible: 50 %, 19 h/week on 01 Mar 2025" \
        in rows[2]
    assert _figure(html, "training_right", "remaining") == "2,5 days"  # (in en-BE: a decimal comma)
    home = client.get("/").get_data(as_text=True)
    assert f'<dd class="not-eligible">{why}</dd>' in home


def test_the_ledgers_reasons_are_said_in_the_readers_language(world, auth, client):
    """The rows keep message ids: a Dutch reader reads Dutch sums and dates, never the English of the writer."""
    employment.change_terms(actor=world.admin, employee=world.employee, valid_from=date(2026, 7, 1),
                            employment_pct="50", hours_per_week="19", pattern=["3.8"] * 5 + ["0", "0"], reason=None,
                            today=TODAY)
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/balances", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    rows = " ".join(_rows(html, "training_right", "entitlement"))
    assert "5 d. × 100 % × 12/12" in rows
    assert "werkregime 50 % (19 u per week) vanaf 1 jul 2026: 5 d. × (6 × 100 % + 6 × 50 %) / 12" in rows
    assert "125 u × 100 % (1 mrt 2025)" in " ".join(_rows(html, "vov", "entitlement"))
    for english in ("work regime", " from 2026", "2026-07-01", "5 d × ", "125 h × ", "2025-03-01"):
        assert english not in html, english


def test_a_carry_over_written_before_messages_still_reads_in_dutch(world, auth, client):
    """Rows written before the ledger kept messages hold English text; the known ones read in the reader's
    language, the rest as stored."""
    ledger.add(world.employee, scheme="training_right", period="2026", kind=EntryKind.CARRY_OVER,
               amount=Decimal("1"), reason="from 2025")
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/balances", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "overgedragen uit 2025" in " ".join(_rows(html, "training_right", "carried_over"))
    assert "from 2025" not in html
