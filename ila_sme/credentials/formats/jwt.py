"""Reading (not checking) a compact JWS: VC-JWT, where the payload is the credential itself (VC-JOSE-COSE,
``typ: vc+jwt``) or carries it under ``vc`` with the registered claims beside it (VC Data Model 1.1, JWT
encoding). The signature is checked in ``verification``; this only decodes."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from datetime import UTC, datetime

V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


class MalformedToken(ValueError):
    pass


def looks_like_token(text: str) -> bool:
    """No spaces, a dot, and the start of a base64url JOSE header (``ey`` encodes ``{``): reading it then
    either works or reports a malformed token."""
    return text.startswith("ey") and "." in text and not any(ch.isspace() for ch in text)


def b64url_decode(part: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_\-]*={0,2}", part):
        raise MalformedToken("not base64url")
    try:
        return base64.urlsafe_b64decode(part.rstrip("=") + "=" * (-len(part.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedToken("not base64url") from error


def _json_object(part: str) -> dict:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise MalformedToken("not JSON") from error
    if not isinstance(value, dict):
        raise MalformedToken("not an object")
    return value


def decode(token: str) -> tuple[dict, dict, dict]:
    """(header, payload, credential). Raises MalformedToken."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2]:
        raise MalformedToken("needs three parts")
    header, payload = _json_object(parts[0]), _json_object(parts[1])
    if not isinstance(header.get("alg"), str) or header.get("b64") is False:
        raise MalformedToken("no usable alg")
    b64url_decode(parts[2])
    if "vc" not in payload:
        return header, payload, payload
    if not isinstance(payload["vc"], dict):
        raise MalformedToken("vc is not an object")
    return header, payload, _with_claims(payload["vc"], payload)


def _with_claims(vc: dict, claims: dict) -> dict:
    """The VC 1.1 JWT claims (iss, jti, sub, nbf, exp) written into the credential where it lacks them."""
    doc = copy.deepcopy(vc)
    v2 = V2_CONTEXT in (doc.get("@context") if isinstance(doc.get("@context"), list) else [doc.get("@context")])
    if isinstance(claims.get("iss"), str):
        if doc.get("issuer") is None:
            doc["issuer"] = claims["iss"]
        elif isinstance(doc["issuer"], dict) and "id" not in doc["issuer"]:
            doc["issuer"]["id"] = claims["iss"]
    if isinstance(claims.get("jti"), str):
        doc.setdefault("id", claims["jti"])
    subject = doc.get("credentialSubject")
    if isinstance(claims.get("sub"), str) and isinstance(subject, dict):
        subject.setdefault("id", claims["sub"])
    start, end = ("validFrom", "validUntil") if v2 else ("issuanceDate", "expirationDate")
    if _timestamp(claims.get("nbf")) and "validFrom" not in doc and "issuanceDate" not in doc:
        doc[start] = _timestamp(claims["nbf"])
    if _timestamp(claims.get("exp")) and "validUntil" not in doc and "expirationDate" not in doc:
        doc[end] = _timestamp(claims["exp"])
    return doc


def _timestamp(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None
