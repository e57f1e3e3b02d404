"""Open Badges 3.0 credentials as VC-JWT, signed by the tests' own EdDSA (Ed25519) and ES256 (P-256) keys."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ila_sme.credentials import issuing
from ila_sme.credentials.formats import parse
from ila_sme.credentials.proofs import jws
from ila_sme.credentials.verification import verify
from tests.support.credentials import b64url_json, sample_elements, tamper_token

TODAY = date(2026, 5, 4)


def check(token: str, today=TODAY):
    return verify(parse(token.encode()), today=today)


def credential(issuer: str) -> dict:
    return issuing.build_ob3(sample_elements(issuer_id=issuer))


@pytest.fixture(params=["EdDSA", "ES256"])
def key(request, issuer_key, p256_key):
    return issuer_key if request.param == "EdDSA" else p256_key


def test_signed_by_the_did_key_named_in_kid_is_verified(key):
    did = issuing.did_key(key)

    result = check(issuing.sign_vc_jwt(credential(did), key, kid=issuing.verification_method(did)))

    assert result.state == "verified"
    assert result.reason.startswith(f"The signature checks against the issuer's key ({did}).")


def test_signed_by_the_did_key_issuer_without_kid_is_verified(key):
    did = issuing.did_key(key)

    assert check(issuing.sign_vc_jwt(credential(did), key, vc_claim=True)).state == "verified"


def test_an_embedded_jwk_that_is_the_issuers_key_is_verified(key):
    """A did:jwk issuer is its key; the JWK in the header must be that key."""
    did = issuing.did_jwk(key)

    result = check(issuing.sign_vc_jwt(credential(did), key, embed_jwk=True))

    assert result.state == "verified"


def test_an_embedded_jwk_matching_a_did_key_issuer_is_verified(key):
    assert check(issuing.sign_vc_jwt(credential(issuing.did_key(key)), key, embed_jwk=True)).state == "verified"


def test_the_fully_specified_ed25519_algorithm_name_is_accepted(issuer_key):
    did = issuing.did_key(issuer_key)

    assert check(issuing.sign_vc_jwt(credential(did), issuer_key, alg="Ed25519")).state == "verified"


@pytest.mark.parametrize("vc_claim", [False, True], ids=["payload", "vc-claim"])
def test_a_payload_changed_after_signing_is_invalid(key, vc_claim):
    did = issuing.did_key(key)
    token = issuing.sign_vc_jwt(credential(did), key, kid=issuing.verification_method(did), vc_claim=vc_claim)

    def raise_ects(payload):
        vc = payload["vc"] if vc_claim else payload
        vc["credentialSubject"]["achievement"]["ECTS"] = 60

    result = check(tamper_token(token, raise_ects))

    assert result.state == "invalid"
    assert result.reason == ("The signature does not match: the credential was changed after it was signed, "
                             "or it was signed with another key.")


def test_signed_by_another_key_than_the_kid_it_names_is_invalid(issuer_key, other_key):
    did = issuing.did_key(issuer_key)

    forged = issuing.sign_vc_jwt(credential(did), other_key, kid=issuing.verification_method(did))

    assert check(forged).state == "invalid"


def test_signed_by_a_did_key_that_is_not_the_issuers_is_invalid(issuer_key, other_key):
    issuer, other = issuing.did_key(issuer_key), issuing.did_key(other_key)

    result = check(issuing.sign_vc_jwt(credential(issuer), other_key, kid=issuing.verification_method(other)))

    assert result.state == "invalid"
    assert result.reason.startswith(f"The credential is signed with a key ({other}#")


def test_an_embedded_jwk_of_another_key_than_the_issuers_is_invalid(issuer_key, other_key):
    result = check(issuing.sign_vc_jwt(credential(issuing.did_key(issuer_key)), other_key, embed_jwk=True))

    assert result.state == "invalid"


def test_an_embedded_jwk_for_an_https_issuer_is_unverified(issuer_key):
    """Anyone can embed their own key: without a DID the app cannot tie it to the issuer offline."""
    result = check(issuing.sign_vc_jwt(credential("https://syntra.example.be/issuer"), issuer_key, embed_jwk=True))

    assert result.state == "unverified"
    assert ("cannot tell offline whether that key belongs to the issuer (https://syntra.example.be/issuer)"
            in result.reason)


@pytest.mark.parametrize("kid", ["https://syntra.example.be/keys/1", "did:web:syntra.example.be#key-1"])
def test_a_key_only_reachable_online_is_unverified(issuer_key, kid):
    result = check(issuing.sign_vc_jwt(credential("did:web:syntra.example.be"), issuer_key, kid=kid))

    assert result.state == "unverified"
    assert result.reason.startswith(f"The signing key ({kid}) can only be looked up online")


def test_a_kid_relative_to_a_did_key_issuer_is_resolved(issuer_key):
    did = issuing.did_key(issuer_key)

    token = issuing.sign_vc_jwt(credential(did), issuer_key, kid="#" + did.removeprefix("did:key:"))

    assert check(token).state == "verified"


def test_past_exp_is_expired(issuer_key):
    did = issuing.did_key(issuer_key)
    token = issuing.sign_vc_jwt(credential(did), issuer_key, vc_claim=True)  # valid until 2031-03-13

    result = check(token, today=date(2032, 1, 1))

    assert result.state == "expired"
    assert result.reason.startswith("The credential expired on 2031-03-13. The signature checks")


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256"])
def test_an_unsupported_algorithm_is_not_checked(alg):
    header = b64url_json({"alg": alg, "typ": "vc+jwt"})
    token = f"{header}.{b64url_json(credential('did:example:1'))}.c2lnbmF0dXJl"

    result = check(token)

    assert result.state == "unverified"
    assert result.reason.startswith(f"The signature algorithm {alg} is not supported")


def test_a_key_of_the_wrong_type_for_the_algorithm_is_invalid(issuer_key, p256_key):
    did = issuing.did_key(p256_key)
    token = issuing.sign_vc_jwt(credential(did), issuer_key, alg="EdDSA", kid=issuing.verification_method(did))

    result = check(token)

    assert result.state == "invalid"
    assert result.reason == "The key does not fit the signature algorithm EdDSA."


def test_an_issuer_claim_that_differs_from_the_credential_is_invalid(issuer_key):
    did = issuing.did_key(issuer_key)
    claims = {"vc": credential(did), "iss": "did:example:someone-else"}
    token = jws().encode(json.dumps(claims).encode(), issuer_key, algorithm="EdDSA")

    result = check(token)

    assert result.state == "invalid"
    assert result.reason == (f"The token's issuer (did:example:someone-else) differs from the credential's "
                             f"issuer ({did}).")


@pytest.mark.parametrize("jwk", ["text", {"kty": "OKP"}, {"kty": "OKP", "crv": "Ed25519", "x": "!!"},
                                 {"kty": "RSA", "n": "AQAB", "e": "AQAB"}])
def test_a_broken_embedded_jwk_is_invalid(issuer_key, jwk):
    header = b64url_json({"alg": "EdDSA", "jwk": jwk})
    token = issuing.sign_vc_jwt(credential(issuing.did_key(issuer_key)), issuer_key)

    result = check(f"{header}.{token.split('.', 1)[1]}")

    assert result.state == "invalid"
    assert result.reason == "The proof is malformed (key)."
