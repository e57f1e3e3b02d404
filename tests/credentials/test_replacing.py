"""A genuine (verified) upload replaces a held invalid or unverified copy of the same credential; the audit
trail keeps what was replaced. A verified copy held already still refuses the same credential again."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import issuing, matching, matrix, services
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests.credentials.conftest import TODAY, elements, ob3_json, snapshot
from tests.support.credentials import dumps

TITLE = "Digital bookkeeping with e-invoices"


def tampered(key) -> bytes:
    """The genuine credential with its description changed after signing: the proof no longer holds."""
    document = json.loads(ob3_json(key))
    document["credentialSubject"]["achievement"]["description"] = "Changed after signing."
    return dumps(document)


def unsigned(key) -> bytes:
    """The same credential (same issuer and id) without a proof."""
    did = issuing.did_key(key)
    return dumps(issuing.build_ob3(elements(issuer_id=did, awarding_body_id=did)))


def upload(world, data: bytes, filename: str = "upload.json") -> Credential:
    credential = services.import_file(actor=world.worker, employee=world.employee, data=data, filename=filename,
                                      today=TODAY)
    db.session.commit()
    return credential


def held(world) -> list[Credential]:
    return list(db.session.scalars(select(Credential).where(Credential.employee_id == world.employee.id)))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def refused(world, data: bytes) -> CredentialError:
    before = snapshot()
    with pytest.raises(CredentialError) as caught:
        services.import_file(actor=world.worker, employee=world.employee, data=data, filename=None, today=TODAY)
    db.session.rollback()
    assert snapshot() == before
    return caught.value


@pytest.mark.parametrize("copy, state", [(tampered, "invalid"), (unsigned, "unverified")])
def test_the_genuine_credential_replaces_an_untrusted_copy(world, issuer_key, copy, state):
    old = upload(world, copy(issuer_key), filename="copy.json")
    assert old.state == state
    old_id, old_document = old.id, bytes(old.original)

    new = upload(world, ob3_json(issuer_key), filename="genuine.json")

    assert new.state == "verified"
    # One row left, the genuine one (SQLite may give it the old id again: its rowid is max + 1).
    assert [(c.id, c.state, c.original_filename) for c in held(world)] == [(new.id, "verified", "genuine.json")]
    (event,) = events("credential.replaced")
    assert (event.object_type, event.object_id) == ("Credential", str(new.id))
    assert event.actor_id == world.worker.id and event.employer_id == world.employer.id
    assert event.before["id"] == old_id and event.before["state"] == state
    assert event.before["title"] == TITLE and event.before["original_filename"] == "copy.json"
    assert event.before["original_sha256"] == hashlib.sha256(old_document).hexdigest()
    assert event.before["state_messages"]  # why it was not trusted, as message codes
    assert event.after == {"id": new.id, "state": "verified", "format": new.format}
    assert [e.object_id for e in events("credential.imported")] == [str(old_id), str(new.id)]
    assert new.training_id == world.course.id  # linked again


def test_the_replacement_keeps_the_owners_sharing_and_the_matrix_counts_it_once(world, issuer_key):
    old = upload(world, unsigned(issuer_key))
    services.share(actor=world.worker, credential=old)
    db.session.commit()

    new = upload(world, ob3_json(issuer_key))

    assert new.shared and new.shared_at is not None
    seen = matrix.credentials(world.employer, matrix.Filters(), TODAY)
    assert [(c.id, c.state) for c in seen] == [(new.id, "verified")]
    verified_only = matrix.credentials(world.employer, matrix.Filters(verified=True), TODAY)
    assert [c.id for c in verified_only] == [new.id]


def test_a_verified_copy_still_refuses_the_same_credential(world, issuer_key):
    genuine = upload(world, ob3_json(issuer_key))

    for again in (ob3_json(issuer_key), unsigned(issuer_key), tampered(issuer_key)):
        error = refused(world, again)
        assert (error.code, error.message) == ("duplicate", f"You already hold this credential ({TITLE}).")
    assert [c.id for c in held(world)] == [genuine.id]
    assert events("credential.replaced") == []


@pytest.mark.parametrize("first, second", [(tampered, unsigned), (unsigned, tampered), (unsigned, unsigned)])
def test_an_untrusted_upload_does_not_replace_an_untrusted_copy(world, issuer_key, first, second):
    old = upload(world, first(issuer_key))

    error = refused(world, second(issuer_key))

    assert error.code == "duplicate"
    assert [c.id for c in held(world)] == [old.id]


def test_a_replacement_that_cannot_be_stored_deletes_nothing(world, issuer_key, monkeypatch):
    """The delete and the insert share one savepoint: when the insert fails, the untrusted copy stays."""
    old = upload(world, tampered(issuer_key))

    def broken_link(credential, training):
        credential.title = None  # NOT NULL: the insert fails after the copy was deleted

    monkeypatch.setattr(services, "_link", broken_link)
    error = refused(world, ob3_json(issuer_key))

    assert error.code == "duplicate"
    assert [(c.id, c.state) for c in held(world)] == [(old.id, "invalid")]


@pytest.mark.parametrize("held_state, new_state, allowed", [
    ("invalid", "verified", True), ("unverified", "verified", True), ("invalid", None, True),
    ("verified", "verified", False), ("verified", None, False), ("expired", "verified", False),
    ("revoked", "verified", False), ("invalid", "unverified", False), ("unverified", "expired", False),
])
def test_which_held_copy_gives_way(world, issuer_key, held_state, new_state, allowed):
    parsed = services.formats.parse(ob3_json(issuer_key))
    if allowed:
        matching.check_may_replace(parsed, held_state, new_state)
    else:
        with pytest.raises(CredentialError) as caught:
            matching.check_may_replace(parsed, held_state, new_state)
        assert caught.value.code == "duplicate"
