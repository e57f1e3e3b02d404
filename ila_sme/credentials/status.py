"""Revocation, offline: a ``credentialStatus`` can only be checked when its status list is included in the
credential itself (``statusListCredential`` given as an object, not a URL). A list behind a URL — a
BitstringStatusList, a StatusList2021 or a 1EdTechRevocationList — needs the issuer's server: not checked.

Bitstring Status List v1.0: ``encodedList`` is the multibase base64url (``u…``) of the GZIP-compressed
bitstring (StatusList2021 wrote plain base64url); index 0 is the left-most bit of the first byte, and a set
bit at ``statusListIndex`` means the status (here: revocation) applies.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

from ila_sme.credentials.formats.common import as_list, node
from ila_sme.credentials.messages import Message

MAX_LIST_BYTES = 2 * 1024 * 1024  # a decompressed list larger than this is not checked (a GZIP bomb guard)


@dataclass(frozen=True)
class StatusOutcome:
    checked: bool
    revoked: bool
    message: Message


def check_status(document: dict) -> StatusOutcome:
    entries = [entry for entry in as_list(document.get("credentialStatus")) if isinstance(entry, dict)]
    if not entries:
        return StatusOutcome(False, False, Message("no_revocation_list"))
    for entry in entries:
        if entry.get("statusPurpose", "revocation") != "revocation":
            continue
        status_list = entry.get("statusListCredential")
        if not isinstance(status_list, dict):
            continue
        subject = node(status_list.get("credentialSubject"))
        bits = decode_list(subject.get("encodedList"))
        index = _index(entry.get("statusListIndex"))
        if bits is None or index is None or index >= len(bits) * 8:
            continue
        if subject.get("statusPurpose", "revocation") != "revocation":
            continue
        revoked = bool(bits[index // 8] & (0x80 >> (index % 8)))
        return StatusOutcome(True, revoked, Message("revoked" if revoked else "not_revoked"))
    return StatusOutcome(False, False, Message("revocation_not_checked"))


def decode_list(encoded) -> bytes | None:
    if not isinstance(encoded, str) or not encoded:
        return None
    candidates = [encoded[1:], encoded] if encoded.startswith("u") else [encoded]
    for candidate in candidates:
        try:
            compressed = base64.urlsafe_b64decode(candidate + "=" * (-len(candidate) % 4))
            inflater = zlib.decompressobj(wbits=31)
            bits = inflater.decompress(compressed, MAX_LIST_BYTES)
        except (binascii.Error, ValueError, zlib.error):
            continue
        if inflater.unconsumed_tail or not inflater.eof:
            continue
        return bits
    return None


def encode_list(bits: bytes) -> str:
    """Multibase base64url of the GZIP-compressed bitstring (for building test and demo credentials)."""
    compressor = zlib.compressobj(wbits=31)
    compressed = compressor.compress(bits) + compressor.flush()
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def _index(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        index = int(value)
    except (TypeError, ValueError):
        return None
    return index if index >= 0 else None
