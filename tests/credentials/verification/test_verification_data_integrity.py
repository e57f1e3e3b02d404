"""Open Badges 3.0 credentials with an eddsa-rdfc-2022 Data Integrity proof, signed by the tests' own keys."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from ila_sme.credentials import issuing, jsonld
from ila_sme.credentials.formats import parse
from ila_sme.credentials.messages import Message, render
from ila_sme.credentials.verification import verify
from tests.support.credentials import dumps, sample_elements, signed_ob3

TODAY = date(2026, 5, 4)


def check(document, today=TODAY):
    return verify(parse(dumps(document)), today=today)


def test_a_proof_by_the_issuers_did_key_is_verified(issuer_key):
    did = issuing.did_key(issuer_key)

    result = check(signed_ob3(issuer_key))

    assert result.state == "verified"
    assert result.signature_checked
    assert result.reason == (f"The signature checks against the issuer's key ({did}). "
                             "The credential names no revocation list.")
    assert result.checked_on == TODAY
    assert not result.revocation_checked


def test_a_vc_1_1_credential_is_verified_too(issuer_key):
    assert check(signed_ob3(issuer_key, vc_version=1)).state == "verified"


@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"]["achievement"].update(ECTS=30),
    lambda d: d["credentialSubject"]["achievement"]["alignment"][0].update(targetCode="7"),
    lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
    lambda d: d["credentialSubject"].update(name="Someone Else"),
    lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
], ids=["ects", "eqf-alignment", "valid-until", "learner", "proof-options"])
def test_a_credential_changed_after_signing_is_invalid(issuer_key, change):
    document = signed_ob3(issuer_key)
    change(document)

    result = check(document)

    assert result.state == "invalid"
    assert result.reason == ("The signature does not match: the credential was changed after it was signed, "
                             "or it was signed with another key.")
    assert not result.signature_checked


def test_signed_by_another_key_than_the_one_it_names_is_invalid(issuer_key, other_key):
    document = issuing.build_ob3(sample_elements(issuer_id=issuing.did_key(issuer_key)))
    forged = issuing.sign_data_integrity(document, other_key, issuing.verification_method(issuing.did_key(issuer_key)))

    assert check(forged).state == "invalid"


def test_signed_with_a_key_that_is_not_the_issuers_is_invalid(issuer_key, other_key):
    """The signature itself is sound, but the key belongs to another did:key than the issuer's."""
    issuer = issuing.did_key(issuer_key)
    other = issuing.did_key(other_key)

    result = check(signed_ob3(other_key, issuer=issuer))

    assert result.state == "invalid"
    assert result.reason == (f"The credential is signed with a key ({other}#{other[8:]}) that is not the "
                             f"issuer's ({issuer}).")


def test_a_credential_without_proof_is_unverified(issuer_key):
    document = signed_ob3(issuer_key)
    del document["proof"]

    result = check(document)

    assert result.state == "unverified"
    assert result.reason == ("The credential carries no proof (signature), so it cannot be checked. "
                             "The credential names no revocation list.")


def test_past_valid_until_is_expired_and_says_the_signature_checked(issuer_key):
    document = signed_ob3(issuer_key)  # valid until 2031-03-13

    on_the_last_day = check(document, today=date(2031, 3, 13))
    the_day_after = check(document, today=date(2031, 3, 14))

    assert on_the_last_day.state == "verified"
    assert the_day_after.state == "expired"
    assert the_day_after.signature_checked
    assert the_day_after.reason.startswith("The credential expired on 2031-03-13. The signature checks against")


def test_an_expired_credential_that_was_tampered_with_stays_invalid(issuer_key):
    document = signed_ob3(issuer_key)
    document["name"] = "Changed"

    assert check(document, today=date(2040, 1, 1)).state == "invalid"


def test_an_expired_credential_without_proof_is_expired_and_says_it_was_not_checked(issuer_key):
    document = signed_ob3(issuer_key)
    del document["proof"]

    result = check(document, today=date(2040, 1, 1))

    assert result.state == "expired"
    assert result.reason.startswith("The credential expired on 2031-03-13. The credential carries no proof")


def test_a_context_that_is_not_bundled_leaves_it_unverified(issuer_key):
    document = signed_ob3(issuer_key)
    document["@context"].append("https://contexts.example.org/educredential.json")

    result = check(document)

    assert result.state == "unverified"
    assert result.reason.startswith("The context https://contexts.example.org/educredential.json is not bundled "
                                    "with the app; the proof was not checked.")


def test_a_key_that_needs_the_network_leaves_it_unverified(issuer_key):
    document = signed_ob3(issuer_key)
    document["proof"]["verificationMethod"] = "https://issuer.example.org/keys/1"

    result = check(document)

    assert result.state == "unverified"
    assert result.reason.startswith("The signing key (https://issuer.example.org/keys/1) can only be looked up "
                                    "online, which the app does not do; the signature was not checked.")


def test_a_sound_signature_by_a_did_key_for_an_https_issuer_is_unverified(issuer_key):
    """Nothing offline ties the did:key to https://syntra.example.be: not verified, not invalid either."""
    result = check(signed_ob3(issuer_key, issuer="https://syntra.example.be/issuer"))

    assert result.state == "unverified"
    assert ("cannot tell offline whether that key belongs to the issuer (https://syntra.example.be/issuer)"
            in result.reason)


def test_fields_the_contexts_do_not_define_are_not_covered_so_it_is_unverified(issuer_key):
    """JSON-LD drops undefined terms: adding one after signing keeps the signature valid, but unverified."""
    document = signed_ob3(issuer_key)
    document["credentialSubject"]["achievement"]["bonusECTS"] = 60

    result = check(document)

    assert result.state == "unverified"
    assert result.reason.startswith("The signature checks, but the fields bonusECTS are not defined")


def test_linked_data_that_cannot_be_processed_is_not_checked(issuer_key):
    """Redefining a protected term of the VC context is a JSON-LD error: the proof cannot be checked."""
    document = signed_ob3(issuer_key)
    document["@context"].append({"name": "https://example.org/another-name"})

    result = check(document)

    assert result.state == "unverified"
    assert result.reason.startswith("The credential's linked data could not be processed; the proof was not checked.")


def test_a_graph_built_to_make_canonicalisation_explode_is_refused():
    clique = [{"@id": f"_:b{i}", "https://example.org/knows": [{"@id": f"_:b{k}"} for k in range(12) if k != i]}
              for i in range(12)]

    with pytest.raises(jsonld.LinkedDataError):
        jsonld.canonicalize({"@graph": clique})


def test_an_included_status_list_does_not_rescue_a_failed_proof(issuer_key):
    document = signed_ob3(issuer_key, credential_status=issuing.embedded_status_list(3, {3}))
    document["name"] = "Changed"

    result = check(document)

    assert (result.state, result.revocation_checked) == ("invalid", False)


def test_another_cryptosuite_is_not_checked(issuer_key):
    document = signed_ob3(issuer_key)
    document["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"

    assert check(document).reason.startswith("The proof type ecdsa-rdfc-2019 is not supported; it was not checked.")


@pytest.mark.parametrize("field, value", [("proofValue", "not-multibase"), ("proofValue", None),
                                          ("verificationMethod", "did:key:zBROKEN")])
def test_a_malformed_proof_is_invalid(issuer_key, field, value):
    document = signed_ob3(issuer_key)
    document["proof"][field] = value

    assert check(document).state == "invalid"


def test_a_proof_for_another_purpose_is_invalid(issuer_key):
    document = issuing.sign_data_integrity(issuing.build_ob3(sample_elements(issuing.did_key(issuer_key))),
                                           issuer_key, issuing.verification_method(issuing.did_key(issuer_key)),
                                           proof_purpose="authentication")
    result = check(document)

    assert result.state == "invalid"
    assert result.reason == "The proof is not made for issuing credentials (proof purpose authentication)."


def test_a_status_list_behind_a_url_is_not_checked(issuer_key):
    status = {"id": "https://status.example.org/lists/1#42", "type": "BitstringStatusListEntry",
              "statusPurpose": "revocation", "statusListIndex": "42",
              "statusListCredential": "https://status.example.org/lists/1"}

    result = check(signed_ob3(issuer_key, credential_status=status))

    assert result.state == "verified"
    assert not result.revocation_checked
    assert result.reason.endswith("Revocation not checked (needs the issuer's list online).")


def test_a_status_list_included_in_the_credential_is_checked(issuer_key):
    kept = check(signed_ob3(issuer_key, credential_status=issuing.embedded_status_list(42, {7, 43})))
    revoked = check(signed_ob3(issuer_key, credential_status=issuing.embedded_status_list(42, {42})))

    assert (kept.state, kept.revocation_checked) == ("verified", True)
    assert kept.reason.endswith("Its revocation list, included in the credential, does not mark it as revoked.")
    assert (revoked.state, revoked.revocation_checked) == ("revoked", True)
    assert revoked.reason.startswith("The issuer has revoked the credential: its revocation list, included in the "
                                     "credential, marks it. The signature checks")


def test_revoked_beats_expired(issuer_key):
    document = signed_ob3(issuer_key, credential_status=issuing.embedded_status_list(3, {3}))

    assert check(document, today=date(2040, 1, 1)).state == "revoked"


def test_the_verification_is_stored_as_codes_and_params_and_renders_the_same_reason(issuer_key):
    result = check(signed_ob3(issuer_key))

    stored = result.as_dict()

    assert stored["state"] == "verified"
    assert stored["checked_on"] == "2026-05-04"
    assert [message["code"] for message in stored["messages"]] == ["signature_ok", "no_revocation_list"]
    assert render(Message.from_dict(message) for message in stored["messages"]) == result.reason


def test_the_signer_refuses_fields_its_signature_would_not_cover(issuer_key):
    document = issuing.build_ob3(sample_elements())
    document["credentialSubject"]["achievement"]["notInAnyContext"] = True

    with pytest.raises(ValueError, match="notInAnyContext"):
        issuing.sign_data_integrity(document, issuer_key, "did:key:z#z")


def test_verifying_does_not_change_the_document(issuer_key):
    document = signed_ob3(issuer_key)
    parsed = parse(dumps(document))
    before = copy.deepcopy(parsed.document)

    verify(parsed, today=TODAY)

    assert parsed.document == before
