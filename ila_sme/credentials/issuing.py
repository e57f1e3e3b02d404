"""Build and sign credentials with given keys: for the tests, and for the demo seed to give demo staff
verifiable credentials. Signing uses ``cryptography`` (Ed25519, ECDSA P-256) through PyJWT for JWS and
directly for Data Integrity; nothing here is home-made crypto.

- keys: ``new_ed25519_key()``, ``new_p256_key()``, ``did_key(public_key)``, ``did_jwk(public_key)``,
  ``verification_method(did)``
- ``sign_data_integrity(document, private_key, verification_method)``: an ``eddsa-rdfc-2022`` proof
- ``sign_vc_jwt(document, private_key, alg=None, kid=None, embed_jwk=False, vc_claim=False)``
- builders (``builders``): ``build_ob3``, ``build_ob2``, ``build_edc``, ``embedded_status_list``
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ila_sme.credentials import jsonld
from ila_sme.credentials.builders import build_edc, build_ob2, build_ob3, embedded_status_list
from ila_sme.credentials.formats.common import identifier, node, parse_datetime
from ila_sme.credentials.keys import (
    crypto,
    did_jwk,
    did_key,
    jwk_of,
    multibase_encode,
    new_ed25519_key,
    new_p256_key,
    verification_method,
)
from ila_sme.credentials.proofs import SUITE, hash_for_signing, jws

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "build_edc", "build_ob2", "build_ob3", "did_jwk", "did_key", "embedded_status_list", "new_ed25519_key",
    "new_p256_key", "sign_data_integrity", "sign_vc_jwt", "verification_method",
]


def sign_data_integrity(document: dict, private_key: Ed25519PrivateKey, verification_method: str, *,
                        created: datetime | None = None, proof_purpose: str = "assertionMethod") -> dict:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof (replacing any proof).

    Refuses (ValueError) a document with terms its contexts do not define, as a safe-mode signer does: the
    signature would not cover them. For a VC 1.1 document, include the data-integrity v2 context."""
    if not isinstance(private_key, crypto().Ed25519PrivateKey):
        raise ValueError("eddsa-rdfc-2022 needs an Ed25519 key")
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    undefined = jsonld.undefined_terms(unsecured)
    if undefined:
        raise ValueError(f"terms not defined by the document's contexts: {', '.join(undefined)}")
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": SUITE,
        "created": _iso(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    config = {**proof, "@context": unsecured.get("@context")}
    if jsonld.undefined_terms(config):
        raise ValueError("the document's contexts do not define DataIntegrityProof: add "
                         "https://w3id.org/security/data-integrity/v2")
    signature = private_key.sign(hash_for_signing(unsecured, config))
    return {**unsecured, "proof": {**proof, "proofValue": multibase_encode(signature)}}


def sign_vc_jwt(document: dict, private_key, alg: str | None = None, *, kid: str | None = None,
                embed_jwk: bool = False, vc_claim: bool = False, typ: str | None = None) -> str:
    """A compact JWS over the credential: its payload is the credential itself (``typ: vc+jwt``), or with
    ``vc_claim`` the VC 1.1 form ``{"vc": …, "iss", "jti", "sub", "nbf", "exp"}``. ``alg`` defaults to
    EdDSA for an Ed25519 key and ES256 for a P-256 key. ``kid`` names the key (e.g. a did:key method);
    ``embed_jwk`` puts the public key in the header."""
    alg = alg or ("EdDSA" if isinstance(private_key, crypto().Ed25519PrivateKey) else "ES256")
    headers: dict = {"typ": typ or ("JWT" if vc_claim else "vc+jwt")}
    if kid:
        headers["kid"] = kid
    if embed_jwk:
        headers["jwk"] = jwk_of(private_key)
    payload = _vc_claims(document) if vc_claim else document
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return jws().encode(body, private_key, algorithm=alg, headers=headers)


def _vc_claims(document: dict) -> dict:
    claims = {
        "vc": document,
        "iss": identifier(document.get("issuer")),
        "jti": identifier(document.get("id")),
        "sub": identifier(node(document.get("credentialSubject")).get("id")),
        "nbf": _epoch(document.get("validFrom") or document.get("issuanceDate")),
        "exp": _epoch(document.get("validUntil") or document.get("expirationDate")),
    }
    return {name: value for name, value in claims.items() if value is not None}


def _epoch(value) -> int | None:
    moment = parse_datetime(value)
    return int(moment.timestamp()) if moment else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

