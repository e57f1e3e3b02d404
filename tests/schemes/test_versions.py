"""The employer's own training-right values from a date: saved through the service, used by the
allocations that follow; refused with a clear message and nothing saved otherwise; never for VOV."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.leave.models import LedgerEntry
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import SchemeParameter
from tests import factories

URL = "/settings/leave/versions/new?scheme=training_right"


def _form(**overrides) -> dict:
    data = {"employer_extra_days_per_fte": "2", "days_top": "", "days_middle": "", "days_bottom": "",
            "valid_from": "2027-01-01", "valid_until": "", "note": "CAO PC 118.03 2027"}
    data.update(overrides)
    return data


def _own_versions(employer) -> list[SchemeParameter]:
    return list(db.session.scalars(select(SchemeParameter).where(SchemeParameter.employer_id == employer.id)
                                   .order_by(SchemeParameter.valid_from)))


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_form_shows_todays_values_and_the_bands(client, auth, setup):
    auth.login(setup["admin"])
    response = client.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'action="/settings/leave/versions/new?scheme=training_right"' in page
    assert 'name="employer_extra_days_per_fte"' in page and 'value="0.00"' in page
    assert "Days per FTE at 20 FTE or more" in page
    assert "Days per FTE at 10–19 FTE" in page
    assert "Days per FTE below 10 FTE" in page
    assert 'name="valid_from" required type="date" value="2026-03-02"' in page
    assert 'name="csrf_token"' in page


def test_extra_days_from_next_year_give_a_full_timer_three_days(client, auth, setup):
    employer = setup["employer"]  # 12 FTE: 1 legal day per FTE
    auth.login(setup["admin"])
    response = auth.post(URL, _form())
    assert response.status_code == 302 and response.headers["Location"] == "/settings/leave"
    [version] = _own_versions(employer)
    assert version.values == {"employer_extra_days_per_fte": "2"}
    assert (version.valid_from, version.valid_until, version.note) == (date(2027, 1, 1), None, "CAO PC 118.03 2027")
    assert version.created_by_id == setup["admin"].id
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "scheme_parameter.created",
                                                          AuditEvent.employer_id == employer.id)).all()
    assert event.after["values"] == {"employer_extra_days_per_fte": "2"} and event.actor_id == setup["admin"].id
    assert "The employer&#39;s own values from 2027-01-01 were saved." in client.get("/settings/leave").get_data(
        as_text=True)

    full_timer = factories.employee(employer, employment_pct=Decimal("100"), contract_start=date(2020, 1, 1))
    this_year = ledger.ensure_allocation(full_timer, employer, "training_right", schemes.period_of(
        "training_right", date(2026, 6, 1)))
    next_year = ledger.ensure_allocation(full_timer, employer, "training_right", schemes.period_of(
        "training_right", date(2027, 6, 1)))
    assert [(row.reason_text.split(" ")[0], row.amount) for row in this_year] == [("1", Decimal("1.00"))]
    sources = {row.dedupe_key.rsplit(":", 1)[1]: row.amount for row in next_year}
    assert sources == {"legal": Decimal("1.00"), "employer_extra": Decimal("2.00")}
    assert ledger.balance(full_timer.id, "training_right", "2027").remaining == Decimal("3.00")


def test_bands_of_a_sector_agreement_replace_the_legal_ones(client, auth, setup):
    auth.login(setup["admin"])
    response = auth.post(URL, _form(employer_extra_days_per_fte="0", days_middle="2,5", note="Sectorakkoord 2027"))
    assert response.status_code == 302
    [version] = _own_versions(setup["employer"])
    assert version.values == {"employer_extra_days_per_fte": "0",
                              "days_by_headcount": [["20", "5"], ["10", "2.5"], ["0", "0"]]}
    worker = factories.employee(setup["employer"], employment_pct=Decimal("80"))
    rows = ledger.ensure_allocation(worker, setup["employer"], "training_right",
                                    schemes.period_of("training_right", date(2027, 1, 1)))
    assert [row.amount for row in rows] == [Decimal("2.00")]  # 2.5 × 80 % × 12/12


def test_a_new_version_closes_the_previous_one(client, auth, setup):
    auth.login(setup["admin"])
    assert auth.post(URL, _form(valid_from="2026-04-01", note="Eerste akkoord")).status_code == 302
    assert auth.post(URL, _form(valid_from="2027-01-01", employer_extra_days_per_fte="3",
                                note="Tweede akkoord")).status_code == 302
    first, second = _own_versions(setup["employer"])
    assert first.valid_until == date(2026, 12, 31) and second.valid_until is None
    page = client.get("/settings/leave").get_data(as_text=True)
    assert "Eerste akkoord" in page and "Tweede akkoord" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"employer_extra_days_per_fte": "-1"}, "Give a number of days of 0 or more."),
    ({"employer_extra_days_per_fte": "1.255"}, "At most two decimals"),
    ({"employer_extra_days_per_fte": "twee"}, "Not a valid decimal value."),
    ({"employer_extra_days_per_fte": ""}, "This field is required."),
    ({"days_top": "-0.5"}, "Give a number of days of 0 or more."),
    ({"days_bottom": "0.125"}, "At most two decimals"),
    ({"valid_until": "2026-12-31"}, "The end date is before the start date."),
    ({"valid_from": ""}, "This field is required."),
    ({"note": "   "}, "This field is required."),
    ({"valid_from": "2022-06-01"}, "No parameters of training_right apply"),  # before the law, with bands
])
def test_invalid_versions_are_refused_and_nothing_is_saved(client, auth, setup, overrides, message):
    if overrides.get("valid_from") == "2022-06-01":
        overrides["days_top"] = "6"
    auth.login(setup["admin"])
    before = _audit_count()
    response = auth.post(URL, _form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert message in page
    assert 'class="field-error"' in page
    assert _own_versions(setup["employer"]) == []
    assert _audit_count() == before


def test_a_version_before_the_current_one_is_refused_by_the_service(client, auth, setup):
    auth.login(setup["admin"])
    assert auth.post(URL, _form(valid_from="2027-01-01")).status_code == 302
    before = _audit_count()
    response = auth.post(URL, _form(valid_from="2026-06-01", note="Te laat"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A version of the employer&#39;s own values already starts on or after this date." in page
    [only] = _own_versions(setup["employer"])
    assert only.valid_until is None and only.note == "CAO PC 118.03 2027"
    assert _audit_count() == before


def test_vov_has_no_employer_versions(client, auth, setup):
    auth.login(setup["admin"])
    page = client.get("/settings/leave/versions/new?scheme=vov").get_data(as_text=True)
    assert "set by the Flemish government" in page and "cannot have its own version" in page
    assert 'name="employer_extra_days_per_fte"' not in page
    response = auth.post("/settings/leave/versions/new?scheme=vov", _form(note="Eigen VOV"))
    assert response.status_code == 200
    assert "cannot have its own version" in response.get_data(as_text=True)
    assert _own_versions(setup["employer"]) == []
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_an_unknown_scheme_is_not_found(client, auth, setup):
    auth.login(setup["admin"])
    assert client.get("/settings/leave/versions/new?scheme=pension").status_code == 404


def test_an_employer_without_national_parameters_cannot_add_its_own(client, auth, app):
    employer = factories.employer("Bakkerij Utrecht", region="other", country="NL")
    admin = factories.user(roles={employer: "admin"})
    db.session.commit()
    auth.login(admin)
    page = client.get(URL).get_data(as_text=True)
    assert "has no parameters for this employer&#39;s country and region" in page
    assert auth.post(URL, _form()).status_code == 200
    assert _own_versions(employer) == []
    settings = client.get("/settings/leave").get_data(as_text=True)
    assert "In force today" not in settings and 'id="leave-types"' in settings


def test_an_employer_rounds_its_days_down_to_half_days(client, auth, setup):
    """Extra days of 1 per FTE and half days: an 80 % employee from February (11 months) has 1 × 80 % × 11/12
    = 0.733… extra days, 0.5 rounded down; the legal day 0.733… too."""
    employer = setup["employer"]  # 12 FTE: 1 legal day per FTE
    auth.login(setup["admin"])
    assert 'name="rounding_unit"' in client.get(URL).get_data(as_text=True)
    response = auth.post(URL, _form(employer_extra_days_per_fte="1", rounding_unit="0.5"))
    assert response.status_code == 302
    [version] = _own_versions(employer)
    assert version.values == {"employer_extra_days_per_fte": "1", "rounding_unit": "0.5"}

    employee = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2027, 2, 1))
    rows = ledger.ensure_allocation(employee, employer, "training_right", schemes.period_by_label("training_right",
                                                                                                  "2027"))
    assert [(row.reason_text, row.amount) for row in rows] == [("1 d × 80 % × 11/12", Decimal("0.50")),
                                                          ("1 d × 80 % × 11/12", Decimal("0.50"))]
    # In force today (2026) is still the hundredth: the form starts from it.
    assert re.search(r'<option selected value="0.01">|<option value="0.01" selected>',
                     client.get(URL).get_data(as_text=True))
