"""Every bad upload gets a clear message and changes nothing: no credential, no audit event, no notification."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ila_sme.credentials import issuing, services
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.formats import MAX_BYTES
from ila_sme.extensions import db
from tests.credentials.conftest import TODAY, elements, ob3_json, snapshot
from tests.support.credentials import NATIONAL_ID, dumps


def refused(world, data: bytes, *, employee=None) -> CredentialError:
    before = snapshot()
    with pytest.raises(CredentialError) as caught:
        services.import_file(actor=world.admin, employee=employee or world.employee, data=data,
                             filename="upload.json", today=TODAY)
    db.session.rollback()
    assert snapshot() == before
    return caught.value


def signed_for(key, learner) -> bytes:
    did = issuing.did_key(key)
    made = elements(issuer_id=did, awarding_body_id=did)
    made.learner = learner
    return dumps(issuing.sign_data_integrity(issuing.build_ob3(made), key, issuing.verification_method(did)))


@pytest.mark.parametrize(("data", "code", "message"), [
    (b"Dear Emma, congratulations!", "not_json",
     "The file is not a credential: it is neither JSON nor a VC-JWT token."),
    (b"\xff\xfe\x00binary", "not_json", "The file is not a credential: it is neither JSON nor a VC-JWT token."),
    (b"   ", "not_json", "The file is empty."),
    (b'{"name": "Emma", "score": 9}', "not_credential",
     "The file is JSON, but not a credential the app can read: it should be an Open Badges 2.0 assertion, an "
     "Open Badges 3.0 credential or a European Digital Credential."),
    (b"[1, 2, 3]", "not_credential",
     "The file is JSON, but not a credential the app can read: it should be an Open Badges 2.0 assertion, an "
     "Open Badges 3.0 credential or a European Digital Credential."),
    (b"eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln", "malformed_jwt",
     "The file looks like a VC-JWT (a signed token) but cannot be read: it needs three parts separated by dots, "
     "a header and a payload that are base64url-encoded JSON objects, and a signature."),
], ids=["text", "binary", "empty", "json-object", "json-list", "bad-token"])
def test_a_file_that_is_not_a_credential_is_refused(world, data, code, message):
    error = refused(world, data)

    assert (error.code, error.message) == (code, message)


def test_a_file_too_large_is_refused_before_it_is_read(world):
    padding = " " * (MAX_BYTES + 1)

    error = refused(world, b'{"type": "Assertion"' + padding.encode() + b"}")

    assert (error.code, error.message) == ("too_large", "The file is too large: a credential may be at most 512 KiB.")


def test_a_credential_issued_to_someone_else_is_refused(world, issuer_key):
    someone = replace(elements().learner, name="Jan Janssens", emails=("jan@example.be",))

    error = refused(world, signed_for(issuer_key, someone))

    assert error.code == "wrong_learner"
    assert error.message == "This credential was issued to Jan Janssens, not to Emma Peeters."


def test_a_credential_of_another_national_number_is_refused_without_showing_it(world):
    made = elements(issuer_id="urn:epass:org:syntra")
    other_number = "90020199751"
    made.learner = replace(made.learner, name=None, emails=(), national_id=other_number)

    error = refused(world, dumps(issuing.build_edc(made)))

    assert error.code == "wrong_learner"
    assert error.message == "This credential was issued to someone else, not to Emma Peeters."
    assert other_number not in error.message and NATIONAL_ID not in error.message


def test_a_colleagues_credential_is_not_the_employees(world, issuer_key):
    error = refused(world, ob3_json(issuer_key), employee=world.colleague)

    assert error.code == "wrong_learner"
    assert error.message == "This credential was issued to Emma Peeters, not to Cora Colleague."


def test_the_same_credential_twice_is_a_duplicate_even_as_a_token(world, issuer_key):
    data = ob3_json(issuer_key)
    services.import_file(actor=world.worker, employee=world.employee, data=data, filename=None, today=TODAY)
    db.session.commit()
    did = issuing.did_key(issuer_key)
    token = issuing.sign_vc_jwt(json.loads(data), issuer_key, kid=issuing.verification_method(did))

    for again in (data, token.encode()):
        error = refused(world, again)
        assert (error.code, error.message) == (
            "duplicate", "You already hold this credential (Digital bookkeeping with e-invoices).")


def test_a_colleague_may_hold_the_same_kind_of_credential(world, issuer_key):
    """The duplicate check is per employee: Cora's own credential of the same course is hers to add."""
    services.import_file(actor=world.worker, employee=world.employee, data=ob3_json(issuer_key), filename=None,
                         today=TODAY)
    cora = replace(elements().learner, name="Cora Colleague", emails=("cora@example.be",))

    credential = services.import_file(actor=world.colleague_user, employee=world.colleague,
                                      data=signed_for(issuer_key, cora), filename=None, today=TODAY)

    assert credential.employee_id == world.colleague.id and credential.state == "verified"


def test_a_double_submit_that_passes_the_check_at_once_is_still_a_duplicate(world, issuer_key, monkeypatch):
    """Two uploads of the same file at the same moment: both pass the check, the database keeps one."""
    data = ob3_json(issuer_key)
    services.import_file(actor=world.worker, employee=world.employee, data=data, filename=None, today=TODAY)
    db.session.commit()
    monkeypatch.setattr(services, "_held_copy", lambda employee, key: None)  # the other request's view

    error = refused(world, data)

    assert error.code == "duplicate"


def test_a_credential_naming_its_learner_only_by_a_did_cannot_be_compared_and_is_accepted(world, issuer_key):
    """Nothing in it names someone else; the uploader is the employee (or their admin)."""
    learner = replace(elements().learner, name=None, emails=(), subject_id="did:example:emma")

    credential = services.import_file(actor=world.worker, employee=world.employee,
                                      data=signed_for(issuer_key, learner), filename=None, today=TODAY)

    assert credential.state == "verified" and credential.learner_name is None
    assert "learner" not in [missing.key for missing in services.missing_elements(credential)]
