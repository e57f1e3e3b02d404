"""Adding a training: an admin's own (never eligible), or a registry one given its registry id."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.trainings.models import Training
from tests.support.world import ROLES


def _form(**overrides) -> dict:
    data = {
        "title": "Brood bakken met zuurdesem",
        "provider_name": "Bakkersschool Gent",
        "language": "nl",
        "delivery": "blended",
        "hours": "24",
        "study_points": "1.5",
        "eqf_level": "3",
        "cost": "450.50",
        "starts_on": "2026-04-06",
        "ends_on": "2026-04-24",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "registry_id": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Training))


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', html)
    assert match, f"no error tied to {field}"
    return match.group(1)


def _created(title: str = "Brood bakken met zuurdesem") -> Training:
    return db.session.scalar(select(Training).where(Training.title == title))


def test_admin_adds_an_own_training(shop, auth, client):
    auth.login("admin@example.be")
    form_page = client.get("/trainings/new").get_data(as_text=True)
    assert '<form method="post" action="/trainings/new"' in form_page and 'name="csrf_token"' in form_page
    response = auth.post("/trainings/new", _form(leads_to_microcredential="y"))
    assert response.status_code == 302
    training = _created()
    assert response.headers["Location"].endswith(f"/trainings/{training.id}")
    assert training.employer_id == shop["employer"].id and training.registry_id is None
    assert (training.provider_name, training.language, training.delivery) == ("Bakkersschool Gent", "nl", "blended")
    assert training.hours == Decimal("24") and training.study_points == Decimal("1.5")
    assert training.eqf_level == 3 and training.cost_cents == 45050 and training.cost == Decimal("450.50")
    assert (training.starts_on, training.ends_on) == (date(2026, 4, 6), date(2026, 4, 24))
    assert (training.valid_from, training.valid_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert training.leads_to_microcredential is True
    assert training.eligible_ila is False and training.eligible_paid_leave is False

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.created"))
    assert event.object_id == str(training.id) and event.actor_id == shop["users"]["admin"].id
    assert event.employer_id == shop["employer"].id
    assert event.after["cost_cents"] == 45050 and event.after["registry_id"] is None

    detail = client.get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "“Brood bakken met zuurdesem” was added to the catalogue." in detail
    assert "own (not in the registry)" in detail


def test_an_own_training_is_never_eligible_whatever_is_ticked(shop, auth):
    auth.login("admin@example.be")
    assert auth.post("/trainings/new", _form(eligible_ila="y", eligible_paid_leave="y")).status_code == 302
    training = _created()
    assert training.employer_id == shop["employer"].id
    assert training.eligible_ila is False and training.eligible_paid_leave is False


def test_admin_adds_a_registry_training_shared_with_every_employer(shop, auth, client):
    auth.login("admin@example.be")
    response = auth.post("/trainings/new", _form(registry_id=" odb-654321 ", eligible_ila="y",
                                                 eligible_paid_leave="y"))
    assert response.status_code == 302
    training = _created()
    assert training.registry_id == "ODB-654321" and training.employer_id is None
    assert training.eligible_ila is True and training.eligible_paid_leave is True
    auth.logout()
    auth.login("other-admin@example.be")
    assert "Brood bakken met zuurdesem" in client.get(f"/trainings/{training.id}").get_data(as_text=True)


def test_a_registry_id_is_unique(shop, auth):
    auth.login("admin@example.be")
    before = _count()
    response = auth.post("/trainings/new", _form(registry_id=shop["excel"].registry_id.lower()))
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), "registry_id") == (
        f"A training with registry id {shop['excel'].registry_id} is already in the catalogue.")
    assert _count() == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.created")) is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"provider_name": "  "}, "provider_name", "This field is required."),
        ({"hours": ""}, "hours", "This field is required."),
        ({"hours": "-1"}, "hours", "Number must be between 0 and 10000."),
        ({"cost": "abc"}, "cost", "Not an amount: type it like 1250,50."),
        ({"cost": "-5"}, "cost", "An amount cannot be negative."),
        ({"cost": "1e308"}, "cost", "Not an amount: type it like 1250,50."),
        ({"cost": "1000000,01"}, "cost", "At most 1.000.000."),
        ({"hours": "NaN"}, "hours", "Not a number: type it like 12,5."),
        ({"title": "Excel\r\nBcc: x@example.com"}, "title",
         "Use a single line of text, without tabs or control characters."),
        ({"eqf_level": "9"}, "eqf_level", "Not a valid choice."),
        ({"delivery": "moon"}, "delivery", "Not a valid choice."),
        ({"ends_on": "2026-04-01"}, "ends_on", "The course cannot end before it starts."),
        ({"valid_until": "2025-12-31"}, "valid_until", "The until date is before the from date."),
        ({"registry_id": "123 456"}, "registry_id", "A registry id looks like ODB-123456."),
    ],
)
def test_validation_errors_are_shown_per_field_and_nothing_is_saved(shop, auth, overrides, field, message):
    auth.login("admin@example.be")
    before = _count()
    response = auth.post("/trainings/new", _form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field)
    assert re.search(rf'<(input|select)[^>]*aria-invalid="true"[^>]*id="{field}"|'
                     rf'<(input|select)[^>]*id="{field}"[^>]*aria-invalid="true"', html)
    assert 'value="Bakkersschool Gent"' in html or field == "provider_name"  # the rest is kept
    assert _count() == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.created")) is None


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin"])
def test_only_admins_add_trainings(shop, auth, client, role):
    auth.login(shop["users"][role])
    before = _count()
    assert client.get("/trainings/new").status_code == 403
    assert auth.post("/trainings/new", _form()).status_code == 403
    assert _count() == before


def test_the_form_needs_the_csrf_token(shop, auth, client):
    auth.login("admin@example.be")
    before = _count()
    assert client.post("/trainings/new", data=_form()).status_code == 400
    assert _count() == before
