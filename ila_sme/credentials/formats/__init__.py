"""Read an uploaded credential: detect its format, map the EU elements, keep the document for verification.

Formats (``Parsed.format``):
- ``ob3-json``  Open Badges 3.0 credential as JSON (VC 2.0 or 1.1 envelope)
- ``ob3-jwt``   Open Badges 3.0 credential as a VC-JWT (compact JWS; payload = credential, or under ``vc``)
- ``ob2-json``  Open Badges 2.0 assertion (``type: Assertion``); ``ob2-jws`` when it comes as a signed JWS
- ``edc-json``  European Digital Credential (European Learning Model JSON-LD); ``edc-jwt`` inside a JWS

A file that is too large, not JSON (nor a token), not one of these, or a malformed token raises
``CredentialError`` with a message for the uploader. Nothing is fetched: a badge or issuer given only as a
URL stays a URL, with a note.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ila_sme.credentials.elements import Elements
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.formats import jwt as jwt_format
from ila_sme.credentials.formats.common import types_of
from ila_sme.credentials.formats.edc import map_edc
from ila_sme.credentials.formats.ob2 import map_ob2
from ila_sme.credentials.formats.ob3 import OB3_TYPES, map_ob3
from ila_sme.credentials.messages import Message

__all__ = ["FORMAT_LABELS", "MAX_BYTES", "CredentialError", "Parsed", "parse"]

MAX_BYTES = 512 * 1024

FORMAT_LABELS = {
    "ob3-json": _l("Open Badges 3.0"),
    "ob3-jwt": _l("Open Badges 3.0 (VC-JWT)"),
    "ob2-json": _l("Open Badges 2.0"),
    "ob2-jws": _l("Open Badges 2.0 (signed)"),
    "edc-json": _l("European Digital Credential"),
    "edc-jwt": _l("European Digital Credential (VC-JWT)"),
}


@dataclass
class Parsed:
    format: str  # a key of FORMAT_LABELS
    elements: Elements
    document: dict  # the credential; for a token, its payload credential with the JWT claims written in
    notes: list[Message] = field(default_factory=list)
    token: str | None = None  # the compact JWS as uploaded, when the credential came as one
    header: dict | None = None  # the JWS protected header
    claims: dict | None = None  # the JWS payload (the credential itself, or {"vc": …, "iss": …})
    sha256: str = ""  # of the uploaded bytes

    @property
    def family(self) -> str:
        return self.format.split("-", 1)[0]

    @property
    def label(self) -> str:
        return str(FORMAT_LABELS[self.format])


def parse(data: bytes) -> Parsed:
    """The uploaded bytes as a Parsed credential, or CredentialError (too_large, not_json, not_credential,
    malformed_jwt). Missing EU elements never refuse a credential: see ``Elements.missing_mandatory``."""
    if len(data) > MAX_BYTES:
        raise CredentialError(
            "too_large", _("The file is too large: a credential may be at most %(limit)s KiB.", limit=MAX_BYTES // 1024)
        )
    digest = hashlib.sha256(data).hexdigest()
    try:
        content = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise _not_json() from error
    if not content:
        raise CredentialError("not_json", _("The file is empty."))
    try:
        value = json.loads(content, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        if jwt_format.looks_like_token(content):
            return _from_token(content, digest)
        raise _not_json() from None
    if isinstance(value, str) and jwt_format.looks_like_token(value.strip()):
        return _from_token(value.strip(), digest)
    return _from_json(value, digest)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _from_json(value, digest: str) -> Parsed:
    if not isinstance(value, dict):
        raise _not_credential()
    if not types_of(value):
        inner = value.get("credential", value.get("verifiableCredential"))
        if isinstance(inner, dict):
            value = inner
    family = _family(value)
    elements, notes = _map(family, value)
    return Parsed(format=f"{family}-json", elements=elements, document=value, notes=notes, sha256=digest)


def _from_token(token: str, digest: str) -> Parsed:
    try:
        header, claims, credential = jwt_format.decode(token)
    except jwt_format.MalformedToken as error:
        raise CredentialError(
            "malformed_jwt",
            _("The file looks like a VC-JWT (a signed token) but cannot be read: it needs three parts "
              "separated by dots, a header and a payload that are base64url-encoded JSON objects, and a signature."),
        ) from error
    family = _family(credential, in_token=True)
    elements, notes = _map(family, credential)
    envelope = "jws" if family == "ob2" else "jwt"
    return Parsed(format=f"{family}-{envelope}", elements=elements, document=credential, notes=notes,
                  token=token, header=header, claims=claims, sha256=digest)


def _family(doc: dict, *, in_token: bool = False) -> str:
    types = types_of(doc)
    if "EuropeanDigitalCredential" in types:
        return "edc"
    if "VerifiableCredential" in types and types & OB3_TYPES:
        return "ob3"
    if "Assertion" in types or ("recipient" in doc and "badge" in doc):
        return "ob2"
    raise _not_credential(in_token=in_token)


def _map(family: str, doc: dict) -> tuple[Elements, list[Message]]:
    if family == "ob3":
        return map_ob3(doc), []
    if family == "ob2":
        return map_ob2(doc)
    return map_edc(doc)


def _not_json() -> CredentialError:
    return CredentialError("not_json", _("The file is not a credential: it is neither JSON nor a VC-JWT token."))


def _not_credential(*, in_token: bool = False) -> CredentialError:
    if in_token:
        return CredentialError(
            "not_credential",
            _("The token can be read, but it carries no credential the app can read: it should be an Open Badges "
              "3.0 credential or a European Digital Credential."),
        )
    return CredentialError(
        "not_credential",
        _("The file is JSON, but not a credential the app can read: it should be an Open Badges 2.0 assertion, "
          "an Open Badges 3.0 credential or a European Digital Credential."),
    )
