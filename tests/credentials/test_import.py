"""Importing an upload through ``services.import_file``: every format lands in the columns as expected, with
the verification state the tests' own keys make it earn; what is missing is listed, not refused."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import issuing, services
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests.credentials.conftest import TODAY, count, elements, ob3_json
from tests.support.credentials import NATIONAL_ID, OB2_WITH_BADGE_URL, dumps, tamper_token


def upload(world, data: bytes, filename: str | None = "credential.json", actor=None) -> Credential:
    credential = services.import_file(actor=actor or world.worker, employee=world.employee, data=data,
                                      filename=filename, today=TODAY)
    db.session.commit()
    db.session.expire_all()  # read back what the database holds
    return db.session.get(Credential, credential.id)


def columns(credential: Credential) -> dict:
    names = ("learner_name", "title", "description", "issuer_country", "issuer_region", "awarding_body",
             "awarding_body_url", "issued_on", "learning_outcomes", "workload_ects", "workload_hours", "eqf_level",
             "nqf_level", "assessment_type", "participation_form", "quality_assurance", "prerequisites",
             "supervision", "identity_checked", "grade", "stackability", "further_information", "language",
             "valid_from", "valid_until", "external_id", "achievement_id", "registry_id")
    return {name: getattr(credential, name) for name in names}


SAMPLE_COLUMNS = {
    "learner_name": "Emma Peeters", "title": "Digital bookkeeping with e-invoices",
    "description": "Record purchase and sales invoices received through Peppol.", "issuer_country": "BE",
    "issuer_region": "Flanders", "awarding_body": "Syntra Example", "awarding_body_url": "https://syntra.example.be",
    "issued_on": date(2026, 3, 13), "learning_outcomes": ["Book a Peppol invoice", "Close a VAT quarter"],
    "workload_ects": Decimal("3.00"), "workload_hours": Decimal("75.50"), "eqf_level": 5, "nqf_level": "VKS 5",
    "assessment_type": "testing", "participation_form": "onsite or blended",
    "quality_assurance": "Recognised by the Flemish Government (Syntra)", "prerequisites": "Basic bookkeeping",
    "supervision": "onsite with identity verification", "identity_checked": True, "grade": "8.5",
    "stackability": "Stackable towards the graduate in accountancy",
    "further_information": "Pass a two-hour practical exam.", "language": "nl",
    "valid_from": datetime(2026, 3, 13, tzinfo=UTC), "valid_until": datetime(2031, 3, 13, tzinfo=UTC),
    "external_id": "urn:uuid:6f1c2d7e-0b55-4e0e-9a39-6a3a2f7f1001",
    "achievement_id": "urn:uuid:6f1c2d7e-0b55-4e0e-9a39-6a3a2f7f2002", "registry_id": "ODB-123456",
}


def test_an_open_badges_3_credential_is_stored_element_by_element_and_verified(world, issuer_key):
    data = ob3_json(issuer_key)

    credential = upload(world, data, filename="C:\\Users\\emma\\Downloads\\badge.json")

    assert columns(credential) == SAMPLE_COLUMNS
    assert isinstance(credential.workload_ects, Decimal) and isinstance(credential.workload_hours, Decimal)
    did = issuing.did_key(issuer_key)
    assert (credential.issuer_id, credential.awarding_body_id) == (did, did)
    assert (credential.format, credential.original, credential.original_filename) == ("ob3-json", data, "badge.json")
    assert (credential.state, credential.employer_id, credential.uploaded_by_id) == (
        "verified", world.employer.id, world.worker.id)
    assert services.reasons(credential) == [f"The signature checks against the issuer's key ({did}).",
                                            "The credential names no revocation list."]
    assert credential.checked_at is not None and credential.checked_at.tzinfo is not None
    assert credential.notes == [] and services.missing_elements(credential) == []
    assert credential.training_id == world.course.id  # ODB-123456, named by the credential


def test_an_open_badges_3_vc_jwt_is_stored_as_the_token_and_verified(world, issuer_key):
    did = issuing.did_key(issuer_key)
    document = issuing.build_ob3(elements(issuer_id=did, awarding_body_id=did))
    token = issuing.sign_vc_jwt(document, issuer_key, kid=issuing.verification_method(did))

    credential = upload(world, token.encode(), filename="badge.jwt")

    assert credential.format == "ob3-jwt" and credential.original == token.encode()
    assert columns(credential) == SAMPLE_COLUMNS
    assert credential.state == "verified"


def test_an_open_badges_2_assertion_is_stored_unverified_with_why(world):
    credential = upload(world, dumps(issuing.build_ob2(elements(issuer_id="https://syntra.example.be/issuer"))))

    assert credential.format == "ob2-json" and credential.state == "unverified"
    assert credential.title == "Digital bookkeeping with e-invoices"
    assert credential.workload_hours == Decimal("75.50") and credential.eqf_level == 5
    assert services.reasons(credential)[0].startswith("Open Badges 2.0 badges are checked at the issuer's web address")
    # Open Badges 2.0 has no field for the issuer's country
    assert [missing.key for missing in services.missing_elements(credential)] == ["issuer_country"]


def test_a_european_digital_credential_is_matched_by_national_number_and_stored(world):
    made = elements(issuer_id="urn:epass:org:syntra")
    made.learner = replace(made.learner, name="E. Peeters-Janssens", emails=(), national_id=NATIONAL_ID)

    credential = upload(world, dumps(issuing.build_edc(made)))

    assert credential.format == "edc-json" and credential.state == "unverified"
    assert credential.title == "Digital bookkeeping with e-invoices" and credential.workload_ects == Decimal("3.00")
    assert credential.learner_name == "E. Peeters-Janssens"
    assert services.reasons(credential)[0].startswith("European Digital Credentials are sealed")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.imported")).one()
    assert NATIONAL_ID not in json.dumps(event.after) and event.after["title"] == credential.title


def test_a_credential_issued_to_the_work_address_of_the_employee_record_is_theirs(world, issuer_key):
    made = elements()
    made.learner = replace(made.learner, name=None, emails=("emma.work@example.be",))
    did = issuing.did_key(issuer_key)
    made.issuer_id = made.awarding_body_id = did
    signed = issuing.sign_data_integrity(issuing.build_ob3(made, salt="zout"), issuer_key,
                                         issuing.verification_method(did))

    credential = upload(world, dumps(signed))

    assert credential.state == "verified" and credential.learner_name is None
    assert services.missing_elements(credential) == []  # identified by the (hashed) e-mail in the original


def test_a_credential_changed_after_signing_is_invalid(world, issuer_key):
    document = json.loads(ob3_json(issuer_key))
    document["credentialSubject"]["achievement"]["name"] = "Advanced bookkeeping"

    credential = upload(world, dumps(document))

    assert credential.state == "invalid" and credential.title == "Advanced bookkeeping"
    assert services.reasons(credential) == [
        "The signature does not match: the credential was changed after it was signed, or it was signed with "
        "another key."]


def test_a_token_changed_after_signing_is_invalid(world, issuer_key):
    did = issuing.did_key(issuer_key)
    token = issuing.sign_vc_jwt(issuing.build_ob3(elements(issuer_id=did, awarding_body_id=did)), issuer_key,
                                kid=issuing.verification_method(did))

    def more_ects(payload):
        payload["credentialSubject"]["achievement"]["ECTS"] = 30

    credential = upload(world, tamper_token(token, more_ects).encode())

    assert credential.state == "invalid" and credential.workload_ects == Decimal("30.00")


def test_a_credential_signed_with_another_key_than_the_issuers_is_invalid(world, issuer_key, other_key):
    did = issuing.did_key(issuer_key)
    forged = issuing.sign_data_integrity(issuing.build_ob3(elements(issuer_id=did, awarding_body_id=did)),
                                         other_key, issuing.verification_method(issuing.did_key(other_key)))

    credential = upload(world, dumps(forged))

    assert credential.state == "invalid"
    assert "that is not the issuer's" in services.reasons(credential)[0]


def test_a_token_signed_with_another_key_is_invalid(world, issuer_key, other_key):
    did = issuing.did_key(issuer_key)
    token = issuing.sign_vc_jwt(issuing.build_ob3(elements(issuer_id=did, awarding_body_id=did)), other_key,
                                kid=issuing.verification_method(did))

    assert upload(world, token.encode()).state == "invalid"


def test_a_credential_without_proof_is_unverified(world):
    credential = upload(world, dumps(issuing.build_ob3(elements(issuer_id="did:example:syntra"))))

    assert credential.state == "unverified"
    assert services.reasons(credential)[0] == "The credential carries no proof (signature), so it cannot be checked."


def test_a_credential_past_its_validity_is_expired_and_still_says_its_signature_checks(world, issuer_key):
    data = ob3_json(issuer_key, valid_until=datetime(2026, 3, 31, 12, tzinfo=UTC))

    credential = upload(world, data)

    assert credential.state == "expired"
    assert services.reasons(credential)[:2] == [
        "The credential expired on 2026-03-31.",
        f"The signature checks against the issuer's key ({issuing.did_key(issuer_key)}).",
    ]


def test_a_credential_lacking_mandatory_elements_is_kept_and_says_what_is_missing(world, issuer_key):
    data = ob3_json(issuer_key, learning_outcomes=[], assessment_type=None, quality_assurance=None, ects=None,
                    hours=None)

    credential = upload(world, data)

    assert credential.state == "verified"
    assert [(missing.key, str(missing.label)) for missing in services.missing_elements(credential)] == [
        ("learning_outcomes", "Learning outcomes"),
        ("workload", "Notional workload (ECTS where possible)"),
        ("assessment_type", "Type of assessment"),
        ("quality_assurance", "Type of quality assurance"),
    ]


def test_what_the_import_noticed_is_kept_as_notes(world):
    credential = upload(world, dumps(OB2_WITH_BADGE_URL))

    assert services.notes(credential) == [
        "The badge details are only given as a web address (https://badges.example.org/badgeclasses/b-1). The "
        "app does not fetch it, so only what the assertion itself says is kept."]
    assert credential.title == ""
    assert "title" in [missing.key for missing in services.missing_elements(credential)]


def test_an_admin_may_upload_for_an_employee_but_a_manager_or_a_colleague_may_not(world, issuer_key):
    data = ob3_json(issuer_key)
    for actor in (world.manager, world.colleague_user):
        with pytest.raises(services.CredentialError) as refused:
            services.import_file(actor=actor, employee=world.employee, data=data, filename=None, today=TODAY)
        assert refused.value.code == "forbidden"
    assert count() == 0

    credential = upload(world, data, actor=world.admin)

    assert credential.uploaded_by_id == world.admin.id and credential.employee_id == world.employee.id


def test_the_import_never_opens_a_connection(world, issuer_key, monkeypatch):
    db.session.execute(select(1))  # the test's database connection is open before the network is cut
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] or kwargs)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    web_issuer = elements(issuer_id="did:web:syntra.example.be", awarding_body_id="did:web:syntra.example.be")
    token = issuing.sign_vc_jwt(issuing.build_ob3(web_issuer), issuer_key, kid="did:web:syntra.example.be#key-1")

    imported = [upload(world, data) for data in (ob3_json(issuer_key), dumps(OB2_WITH_BADGE_URL), token.encode())]

    assert attempts == []
    assert [credential.state for credential in imported] == ["verified", "unverified", "unverified"]
    assert "can only be looked up online" in services.reasons(imported[2])[0]
