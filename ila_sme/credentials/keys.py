"""Public keys the app can know offline: ``did:key`` (Ed25519, P-256), ``did:jwk``, and a JWK.

did:key (W3C CCG did:key method): ``did:key:`` + multibase base58btc (``z…``) of a multicodec-prefixed
public key: 0xed (varint ``ed 01``) + 32-byte Ed25519 key, or 0x1200 (varint ``80 24``) + 33-byte compressed
P-256 point. Its one verification method is ``did:key:z…#z…``. did:jwk: ``did:jwk:`` + base64url(JSON JWK).
Anything else (https, did:web …) needs the network: ``resolve`` returns None for it.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING

import base58

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
ED25519 = 0xED
P256 = 0x1200


@cache
def crypto() -> SimpleNamespace:
    """cryptography's key types and PyJWT's algorithms, imported by the first key read or made (not when the
    app starts): ``crypto().Ed25519PublicKey``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm
    from jwt.api_jws import PyJWS
    from jwt.exceptions import InvalidKeyError, InvalidSignatureError, PyJWTError

    return SimpleNamespace(
        InvalidSignature=InvalidSignature, ec=ec, Ed25519PrivateKey=Ed25519PrivateKey,
        Ed25519PublicKey=Ed25519PublicKey, Encoding=Encoding, PublicFormat=PublicFormat, ECAlgorithm=ECAlgorithm,
        OKPAlgorithm=OKPAlgorithm, PyJWS=PyJWS, InvalidKeyError=InvalidKeyError,
        InvalidSignatureError=InvalidSignatureError, PyJWTError=PyJWTError)


class KeyProblem(ValueError):
    """A did or JWK that claims to be offline-resolvable but is broken."""


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _read_varint(data: bytes) -> tuple[int, int]:
    number = shift = 0
    for index, byte in enumerate(data[:4]):
        number |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return number, index + 1
        shift += 7
    raise KeyProblem("bad multicodec prefix")


def multibase_decode(value: str) -> bytes:
    """base58btc multibase (``z…``), the only base these proofs and keys use."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise KeyProblem("not multibase base58btc")
    try:
        return base58.b58decode(value[1:])
    except ValueError as error:
        raise KeyProblem("not base58") from error


def multibase_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def did_key(public_key: PublicKey) -> str:
    """did:key of an Ed25519 or P-256 public key (or of the public half of a private key)."""
    c = crypto()
    if hasattr(public_key, "public_key"):
        public_key = public_key.public_key()
    if isinstance(public_key, c.Ed25519PublicKey):
        raw, codec = public_key.public_bytes(c.Encoding.Raw, c.PublicFormat.Raw), ED25519
    elif isinstance(public_key, c.ec.EllipticCurvePublicKey) and isinstance(public_key.curve, c.ec.SECP256R1):
        raw, codec = public_key.public_bytes(c.Encoding.X962, c.PublicFormat.CompressedPoint), P256
    else:
        raise KeyProblem("only Ed25519 and P-256 keys have a did:key here")
    return "did:key:" + multibase_encode(_varint(codec) + raw)


def verification_method(did: str) -> str:
    """The verification method id of a did:key (``did#fragment``); did:jwk's is ``did#0``."""
    if did.startswith("did:jwk:"):
        return did + "#0"
    return f"{did}#{did.removeprefix('did:key:')}"


def did_jwk(public_key: PublicKey) -> str:
    jwk = jwk_of(public_key)
    encoded = base64.urlsafe_b64encode(json.dumps(jwk, separators=(",", ":")).encode()).rstrip(b"=")
    return "did:jwk:" + encoded.decode("ascii")


def jwk_of(public_key: PublicKey) -> dict:
    c = crypto()
    if hasattr(public_key, "public_key"):
        public_key = public_key.public_key()
    if isinstance(public_key, c.Ed25519PublicKey):
        return c.OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return c.ECAlgorithm.to_jwk(public_key, as_dict=True)


def key_from_jwk(jwk: dict) -> PublicKey:
    """The public key of a JWK (OKP Ed25519 or EC P-256); a private JWK gives its public half."""
    c = crypto()
    if not isinstance(jwk, dict):
        raise KeyProblem("JWK is not an object")
    public = {name: value for name, value in jwk.items() if name != "d"}
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return c.OKPAlgorithm.from_jwk(public)
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            return c.ECAlgorithm.from_jwk(public)
    except (c.InvalidKeyError, ValueError, TypeError, KeyError) as error:
        raise KeyProblem("bad JWK") from error
    raise KeyProblem("only Ed25519 and P-256 JWKs are supported")


def resolve(reference: str | None) -> PublicKey | None:
    """The key behind a did:key / did:jwk (with or without a #fragment); None for what needs the network.
    Raises KeyProblem for a did:key or did:jwk that is broken."""
    c = crypto()
    if not isinstance(reference, str):
        return None
    did = reference.split("#", 1)[0]
    if did.startswith("did:key:"):
        data = multibase_decode(did.removeprefix("did:key:"))
        codec, used = _read_varint(data)
        raw = data[used:]
        try:
            if codec == ED25519 and len(raw) == 32:
                return c.Ed25519PublicKey.from_public_bytes(raw)
            if codec == P256 and len(raw) == 33:
                return c.ec.EllipticCurvePublicKey.from_encoded_point(c.ec.SECP256R1(), raw)
        except ValueError as error:
            raise KeyProblem("not a point on the curve") from error
        raise KeyProblem("unsupported did:key type")
    if did.startswith("did:jwk:"):
        encoded = did.removeprefix("did:jwk:")
        try:
            jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        except (ValueError, UnicodeDecodeError) as error:
            raise KeyProblem("bad did:jwk") from error
        return key_from_jwk(jwk)
    return None


def did_of(reference: str | None) -> str | None:
    return reference.split("#", 1)[0] if isinstance(reference, str) else None


def raw_public(key: PublicKey) -> bytes:
    c = crypto()
    if isinstance(key, c.Ed25519PublicKey):
        return key.public_bytes(c.Encoding.Raw, c.PublicFormat.Raw)
    return key.public_bytes(c.Encoding.X962, c.PublicFormat.CompressedPoint)


def same_key(first: PublicKey, second: PublicKey) -> bool:
    c = crypto()
    if isinstance(first, c.Ed25519PublicKey) and isinstance(second, c.Ed25519PublicKey):
        return raw_public(first) == raw_public(second)
    if isinstance(first, c.ec.EllipticCurvePublicKey) and isinstance(second, c.ec.EllipticCurvePublicKey):
        return first.curve.name == second.curve.name and raw_public(first) == raw_public(second)
    return False


def new_ed25519_key() -> Ed25519PrivateKey:
    return crypto().Ed25519PrivateKey.generate()


def new_p256_key() -> ec.EllipticCurvePrivateKey:
    c = crypto()
    return c.ec.generate_private_key(c.ec.SECP256R1())
