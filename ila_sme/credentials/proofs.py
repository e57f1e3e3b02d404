"""Checking a credential's proof offline: a VC-JWT (EdDSA / Ed25519, ES256) or an embedded Data Integrity
proof of cryptosuite ``eddsa-rdfc-2022``.

A proof is ``valid`` only when its signature checks against a key that the app can tie to the issuer
without the network: the issuer is a ``did:key`` / ``did:jwk`` and the key is that DID's. A correct
signature by a key that cannot be tied to the issuer (an https or did:web issuer, a bare embedded JWK) is
``unchecked``, not valid; a key that demonstrably is not the issuer's makes the proof ``invalid``.

eddsa-rdfc-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3): proofConfig = the proof without
``proofValue`` with the document's ``@context``; hashData = SHA-256(RDFC-1.0(proofConfig)) +
SHA-256(RDFC-1.0(document without proof)); the proofValue is the multibase base58btc Ed25519 signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ila_sme.credentials import jsonld, keys
from ila_sme.credentials.formats.common import as_list, identifier
from ila_sme.credentials.messages import Message

VALID, INVALID, UNCHECKED = "valid", "invalid", "unchecked"
JWT_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
SUITE = "eddsa-rdfc-2022"


@dataclass(frozen=True)
class ProofOutcome:
    result: str  # VALID | INVALID | UNCHECKED
    message: Message


def _outcome(result: str, code: str, **params) -> ProofOutcome:
    return ProofOutcome(result, Message(code, params))


def _offline_did(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(("did:key:", "did:jwk:"))


def jws():
    """PyJWS that also knows the fully specified ``Ed25519`` algorithm name (RFC 9864) beside ``EdDSA``."""
    c = keys.crypto()
    signer = c.PyJWS()
    if "Ed25519" not in signer.get_algorithms():
        signer.register_algorithm("Ed25519", c.OKPAlgorithm())
    return signer


def check_jwt(token: str, header: dict, claims: dict, document: dict) -> ProofOutcome:
    alg = header.get("alg")
    if alg not in JWT_ALGORITHMS:
        return _outcome(UNCHECKED, "unsupported_alg", alg=str(alg))
    issuer = identifier(document.get("issuer")) or ""
    iss = claims.get("iss") if "vc" in claims else None
    if isinstance(iss, str) and issuer and iss != issuer:
        return _outcome(INVALID, "issuer_mismatch", iss=iss, issuer=issuer)
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    reference = None
    try:
        if "jwk" in header:
            key = keys.key_from_jwk(header["jwk"])
        else:
            reference = (issuer + kid if kid and kid.startswith("#") else kid) or issuer or None
            if not reference:
                return _outcome(UNCHECKED, "no_key")
            key = keys.resolve(reference)
            if key is None:
                return _outcome(UNCHECKED, "key_not_offline", key=reference)
    except keys.KeyProblem:
        return _outcome(INVALID, "proof_malformed", detail="key")
    if not _fits(alg, key):
        return _outcome(INVALID, "key_alg_mismatch", alg=alg)
    c = keys.crypto()
    try:
        jws().decode(token, key=key, algorithms=[alg])
    except c.InvalidSignatureError:
        return _outcome(INVALID, "signature_bad")
    except c.PyJWTError:  # DecodeError, InvalidKeyError, a non-string kid …
        return _outcome(INVALID, "proof_malformed", detail="token")
    if reference is not None:
        return _bound(keys.did_of(reference), reference, issuer)
    # the key came embedded in the token: it must be the issuer's own (did:key / did:jwk) key
    if not _offline_did(issuer):
        return _outcome(UNCHECKED, "key_not_tied", key=keys.did_key(key), issuer=issuer or "-")
    try:
        issuers_key = keys.resolve(issuer)
    except keys.KeyProblem:
        return _outcome(INVALID, "proof_malformed", detail="issuer")
    if not keys.same_key(key, issuers_key):
        return _outcome(INVALID, "wrong_key", key=keys.did_key(key), issuer=issuer)
    return _outcome(VALID, "signature_ok", key=issuer)


def _fits(alg: str, key) -> bool:
    c = keys.crypto()
    if alg in ("EdDSA", "Ed25519"):
        return isinstance(key, c.Ed25519PublicKey)
    return isinstance(key, c.ec.EllipticCurvePublicKey) and isinstance(key.curve, c.ec.SECP256R1)


def _bound(did: str | None, reference: str, issuer: str) -> ProofOutcome:
    """A signature that checked against ``reference``'s key: is that the issuer's key?"""
    if _offline_did(issuer):
        if did != issuer:
            return _outcome(INVALID, "wrong_key", key=reference, issuer=issuer)
        return _outcome(VALID, "signature_ok", key=issuer)
    return _outcome(UNCHECKED, "key_not_tied", key=reference, issuer=issuer or "-")


def check_data_integrity(document: dict) -> ProofOutcome:
    proofs = as_list(document.get("proof"))
    if not proofs:
        return _outcome(UNCHECKED, "no_proof")
    outcomes = [_check_proof(document, proof) for proof in proofs]
    return min(outcomes, key=lambda outcome: (INVALID, VALID, UNCHECKED).index(outcome.result))


def _check_proof(document: dict, proof) -> ProofOutcome:
    if not isinstance(proof, dict):
        return _outcome(INVALID, "proof_malformed", detail="proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != SUITE:
        return _outcome(UNCHECKED, "unsupported_proof", type=str(proof.get("cryptosuite") or proof.get("type")))
    method = identifier(proof.get("verificationMethod"))
    value = proof.get("proofValue")
    if not method or not isinstance(value, str):
        return _outcome(INVALID, "proof_malformed", detail="verificationMethod/proofValue")
    if proof.get("proofPurpose") != "assertionMethod":
        return _outcome(INVALID, "proof_purpose", purpose=str(proof.get("proofPurpose")))
    try:
        key = keys.resolve(method)
        signature = keys.multibase_decode(value)
    except keys.KeyProblem:
        return _outcome(INVALID, "proof_malformed", detail="verificationMethod/proofValue")
    if key is None:
        return _outcome(UNCHECKED, "key_not_offline", key=method)
    if not isinstance(key, keys.crypto().Ed25519PublicKey):
        return _outcome(INVALID, "key_alg_mismatch", alg=SUITE)
    unsecured = {name: item for name, item in document.items() if name != "proof"}
    config = {name: item for name, item in proof.items() if name != "proofValue"}
    config["@context"] = document.get("@context")
    try:
        hash_data = hash_for_signing(unsecured, config)
        key.verify(signature, hash_data)
    except jsonld.ContextNotBundled as error:
        return _outcome(UNCHECKED, "context_not_bundled", url=error.url)
    except jsonld.LinkedDataError:
        return _outcome(UNCHECKED, "jsonld_error")
    except keys.crypto().InvalidSignature:
        return _outcome(INVALID, "signature_bad")
    outcome = _bound(keys.did_of(method), method, identifier(document.get("issuer")) or "")
    if outcome.result != VALID:
        return outcome
    try:
        undefined = jsonld.undefined_terms(unsecured)
    except (jsonld.ContextNotBundled, jsonld.LinkedDataError):
        return _outcome(UNCHECKED, "jsonld_error")
    if undefined:
        return _outcome(UNCHECKED, "undefined_terms", terms=", ".join(undefined))
    return outcome


def hash_for_signing(unsecured: dict, proof_config: dict) -> bytes:
    config_hash = hashlib.sha256(jsonld.canonicalize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(jsonld.canonicalize(unsecured).encode("utf-8")).digest()
    return config_hash + document_hash
