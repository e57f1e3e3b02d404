"""A credential that came on paper: the same elements, typed in; unverified; checked field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import services
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.manual import ManualEntryError
from ila_sme.extensions import db
from tests.credentials.conftest import TODAY, snapshot

PAPER = {
    "title": "VCA Basisveiligheid", "awarding_body": "BeSaCC-VCA", "issuer_country": "be",
    "issued_on": date(2025, 11, 20), "learning_outcomes": "Werkt veilig op een bouwplaats\n- Kent de risico's\n\n",
    "workload_hours": "8", "workload_ects": Decimal("0.5"), "eqf_level": "2", "assessment_type": "multiple choice",
    "participation_form": "onsite", "quality_assurance": "BeSaCC-VCA", "identity_checked": "yes",
    "valid_from": datetime(2025, 11, 20, tzinfo=UTC), "valid_until": date(2035, 11, 20), "language": "nl",
}


def enter(world, values: dict, actor=None):
    credential = services.add_manual(actor=actor or world.worker, employee=world.employee, values=values,
                                     today=TODAY)
    db.session.commit()
    return credential


def test_a_paper_certificate_is_stored_unverified_with_every_element(world):
    credential = enter(world, PAPER)

    assert (credential.format, credential.state, credential.original) == ("manual", "unverified", None)
    assert services.reasons(credential) == ["Entered by hand from a paper certificate: the app cannot check it."]
    assert credential.learner_name == "Emma Peeters"  # the employee, when the form leaves it empty
    assert credential.issuer_country == "BE" and credential.issued_on == date(2025, 11, 20)
    assert credential.learning_outcomes == ["Werkt veilig op een bouwplaats", "Kent de risico's"]
    assert (credential.workload_hours, credential.workload_ects, credential.eqf_level) == (
        Decimal("8.00"), Decimal("0.50"), 2)
    assert credential.identity_checked is True
    assert credential.valid_from == datetime(2025, 11, 20, tzinfo=UTC)
    assert credential.valid_until == datetime(2035, 11, 20, tzinfo=UTC)
    assert services.missing_elements(credential) == []
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.entered")).one()
    assert (event.actor_id, event.after["format"], event.after["state"]) == (world.worker.id, "manual", "unverified")


def test_a_paper_certificate_past_its_validity_is_expired(world):
    credential = enter(world, {**PAPER, "valid_until": date(2026, 3, 1)})

    assert credential.state == "expired"
    assert services.reasons(credential) == ["The credential expired on 2026-03-01.",
                                            "Entered by hand from a paper certificate: the app cannot check it."]


def test_only_the_title_is_required_and_the_rest_shows_as_missing(world):
    credential = enter(world, {"title": "  EHBO op het werk  ", "description": ""})

    assert credential.title == "EHBO op het werk" and credential.description is None
    assert [missing.key for missing in services.missing_elements(credential)] == [
        "issuer_country", "awarding_body", "issued_on", "learning_outcomes", "workload", "level", "assessment_type",
        "participation", "quality_assurance"]


def test_wrong_values_are_all_named_and_nothing_is_saved(world):
    before = snapshot()
    with pytest.raises(ManualEntryError) as caught:
        services.add_manual(actor=world.worker, employee=world.employee, today=TODAY, values={
            "title": " ", "eqf_level": "9", "workload_ects": "-1", "workload_hours": "veel",
            "issuer_country": "Belgium", "issued_on": "20/11/2025", "valid_from": "2026-01-01",
            "valid_until": "2025-01-01", "grade": "x" * 101})

    assert caught.value.code == "invalid_entry"
    assert caught.value.errors == {
        "title": "Give the title of the credential.",
        "grade": "At most 100 characters.",
        "issuer_country": "Give the issuer's country as a two- or three-letter code, e.g. BE or BEL.",
        "workload_ects": "Give a number from 0 to 9999.",
        "workload_hours": "Give a number, e.g. 3 or 2.5.",
        "eqf_level": "The EQF level is a whole number from 1 to 8.",
        "issued_on": "Give a date as YYYY-MM-DD.",
        "valid_until": "The end of validity comes before its start.",
    }
    assert "Give the title of the credential." in caught.value.message
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize("level", [0, "eight", True, 3.5])
def test_the_eqf_level_is_a_whole_number_from_1_to_8(world, level):
    with pytest.raises(ManualEntryError) as caught:
        services.add_manual(actor=world.worker, employee=world.employee, values={"title": "T", "eqf_level": level},
                            today=TODAY)

    assert caught.value.errors == {"eqf_level": "The EQF level is a whole number from 1 to 8."}


def test_the_same_paper_entry_twice_is_a_duplicate(world):
    enter(world, PAPER)
    before = snapshot()

    with pytest.raises(CredentialError) as caught:
        services.add_manual(actor=world.worker, employee=world.employee, today=TODAY,
                            values={**PAPER, "title": "vca  basisveiligheid", "grade": "Geslaagd"})

    assert (caught.value.code, caught.value.message) == (
        "duplicate", "You already hold this credential (vca  basisveiligheid).")
    db.session.rollback()
    assert snapshot() == before
    # another date of issuing is another certificate (a renewal)
    assert enter(world, {**PAPER, "issued_on": date(2035, 11, 20)}).id is not None


def test_only_the_employee_or_an_admin_enters_a_paper_certificate(world):
    with pytest.raises(CredentialError) as caught:
        services.add_manual(actor=world.manager, employee=world.employee, values=PAPER, today=TODAY)
    assert caught.value.code == "forbidden"

    assert enter(world, PAPER, actor=world.admin).uploaded_by_id == world.admin.id


def test_a_field_that_is_not_a_column_is_a_programming_error(world):
    with pytest.raises(TypeError, match="national_number"):
        services.add_manual(actor=world.worker, employee=world.employee, today=TODAY,
                            values={"title": "T", "national_number": "x"})
