"""Entering a paper certificate by hand: the EU elements, validation messages beside their fields, nothing
saved on error, and the credential stays unverified."""

from __future__ import annotations

from decimal import Decimal

from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests import factories
from tests.credentials.views.conftest import htmx, snapshot, text, utc

COMPLETE = {
    "title": "VCA basic safety", "awarding_body": "BeSaCC-VCA", "issuer_country": "be",
    "issued_on": "2025-06-12", "learning_outcomes": "Work safely on a site\nUse protective equipment",
    "workload_hours": "8", "eqf_level": "2", "assessment_type": "multiple-choice exam",
    "participation_form": "onsite", "quality_assurance": "BeSaCC-VCA accredited exam centre",
    "grade": "Passed", "identity_checked": "yes", "valid_from": "2025-06-12", "valid_until": "2035-06-12",
}


def test_the_form_has_every_eu_element_and_its_htmx_fragment(client, auth, world):
    auth.login(world.worker)
    page = text(client.get(f"/credentials/employees/{world.employee.id}/new").get_data(as_text=True))
    for label in ("Name of the learner", "Country of the issuer", "Awarding body", "Date of issuing",
                  "Learning outcomes", "Workload in ECTS credits", "EQF level", "Type of assessment",
                  "Form of participation", "Type of quality assurance", "Prerequisites", "Grade",
                  "Integration or stackability", "Valid until"):
        assert label in page
    fragment = client.get(f"/credentials/employees/{world.employee.id}/new", headers=htmx()).get_data(as_text=True)
    assert fragment.lstrip().startswith('<form method="post"') and "<html" not in fragment


def test_a_paper_certificate_is_saved_unverified(client, auth, world):
    training = factories.training(registry_id="ODB-424242", title="VCA course")
    db.session.commit()
    auth.login(world.worker)
    response = auth.post(f"/credentials/employees/{world.employee.id}/new",
                         data={**COMPLETE, "registry_id": "ODB-424242"})
    assert response.status_code == 302
    credential = db.session.query(Credential).one()
    assert (credential.format, credential.state, credential.title) == ("manual", "unverified", "VCA basic safety")
    assert credential.issuer_country == "BE" and credential.workload_hours == Decimal("8.00")
    assert credential.learning_outcomes == ["Work safely on a site", "Use protective equipment"]
    assert credential.identity_checked is True and credential.valid_until == utc(2035, 6, 12)
    assert credential.training_id == training.id and credential.original is None
    listing = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "“VCA basic safety” was added: Unverified." in listing
    assert "Every mandatory EU element is there." in listing
    page = text(client.get(f"/credentials/{credential.id}").get_data(as_text=True))
    assert "Entered by hand from a paper certificate: the app cannot check it." in page
    assert "Format Entered by hand (paper certificate)" in page and "Training VCA course" in page


def test_what_is_left_empty_is_shown_missing(client, auth, world):
    auth.login(world.worker)
    response = auth.post(f"/credentials/employees/{world.employee.id}/new", data={"title": "First aid"})
    listing = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "These mandatory EU elements are missing from the credential:" in listing
    assert "Awarding body" in listing and "Type of quality assurance" in listing


def test_wrong_values_are_explained_beside_their_fields_and_nothing_is_saved(client, auth, world):
    auth.login(world.worker)
    before = snapshot()
    response = auth.post(f"/credentials/employees/{world.employee.id}/new", data={
        **COMPLETE, "title": "", "issued_on": "12/06/2025", "valid_from": "2026-01-01", "valid_until": "2025-01-01",
        "workload_ects": "lots", "awarding_body_url": "not a url"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = text(html)
    assert "This field is required." in page
    assert "Not a valid date value." in page
    assert "The end of validity comes before its start." in page
    assert "Not a valid decimal value." in page
    assert "Not a web address." in page
    assert 'id="title-error"' in html
    assert snapshot() == before


def test_the_service_refusal_comes_back_on_the_form(client, auth, world):
    auth.login(world.worker)
    assert auth.post(f"/credentials/employees/{world.employee.id}/new", data=COMPLETE).status_code == 302
    before = snapshot()
    response = auth.post(f"/credentials/employees/{world.employee.id}/new", data=COMPLETE)
    assert response.status_code == 422
    assert "You already hold this credential (VCA basic safety)." in text(response.get_data(as_text=True))
    response = auth.post(f"/credentials/employees/{world.employee.id}/new",
                         data={**COMPLETE, "title": "Other", "registry_id": "ODB-000000"})
    assert snapshot()["credentials"] == before["credentials"] + 1  # an unknown training id links nothing
    assert response.status_code == 302


def test_only_the_employee_or_an_admin_enters_a_credential(client, auth, world):
    auth.login(world.manager)
    assert client.get(f"/credentials/employees/{world.employee.id}/new").status_code == 403
    assert auth.post(f"/credentials/employees/{world.employee.id}/new", data=COMPLETE).status_code == 403
    assert snapshot()["credentials"] == 0
