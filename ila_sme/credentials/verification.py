"""The verification state of a parsed credential, with a plain-language reason; no network, ever.

States:
- ``verified``   a proof checks against the issuer's key (a did:key / did:jwk issuer, see ``proofs``)
- ``unverified`` no proof, a key or context the app cannot resolve offline, an Open Badges 2.0 badge
                 (hosted or signed at the issuer's address), or a European Digital Credential's seal
- ``invalid``    the proof fails: changed after signing, signed with another key, malformed
- ``expired``    past ``validUntil`` / ``expirationDate`` / ``expires`` on ``today`` (the credential is
                 valid through the calendar day of that date, as the issuer wrote it)
- ``revoked``    its revocation list, included in the credential, marks it

An invalid proof stays ``invalid`` whatever the dates say; otherwise revoked beats expired, and expired beats
verified and unverified (the reason still tells whether the signature checked). ``revocation_checked`` is
False unless an included list was read: a list behind a URL is reported as not checked.

The nightly job re-runs ``verify(parse(stored bytes), today=…)``: parsing and checking are offline and cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from ila_sme.credentials.formats import Parsed
from ila_sme.credentials.messages import Message, render
from ila_sme.credentials.proofs import INVALID, UNCHECKED, VALID, ProofOutcome, check_data_integrity, check_jwt
from ila_sme.credentials.status import check_status

VERIFIED, UNVERIFIED, INVALID_STATE, EXPIRED, REVOKED = "verified", "unverified", "invalid", "expired", "revoked"
STATES = (VERIFIED, UNVERIFIED, INVALID_STATE, EXPIRED, REVOKED)
STATE_LABELS = {
    VERIFIED: _l("Verified"),
    UNVERIFIED: _l("Unverified"),
    INVALID_STATE: _l("Invalid"),
    EXPIRED: _l("Expired"),
    REVOKED: _l("Revoked"),
}


@dataclass(frozen=True)
class Verification:
    state: str  # one of STATES
    messages: tuple[Message, ...]
    revocation_checked: bool
    checked_on: date
    signature_checked: bool = field(default=False)  # True when a proof checked out against the issuer's key

    @property
    def reason(self) -> str:
        """The plain-language reason, in the current locale."""
        return render(self.messages)

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    def as_dict(self) -> dict:
        """For storing: render later with ``Message.from_dict`` in the reader's language."""
        return {
            "state": self.state,
            "messages": [message.as_dict() for message in self.messages],
            "revocation_checked": self.revocation_checked,
            "signature_checked": self.signature_checked,
            "checked_on": self.checked_on.isoformat(),
        }


def check_proof(parsed: Parsed) -> ProofOutcome:
    if parsed.family == "ob2":
        return ProofOutcome(UNCHECKED, Message("ob2"))
    if parsed.token:
        return check_jwt(parsed.token, parsed.header or {}, parsed.claims or {}, parsed.document)
    if parsed.document.get("proof") is not None:
        outcome = check_data_integrity(parsed.document)
        if parsed.family == "edc" and outcome.message.code == "unsupported_proof":
            return ProofOutcome(UNCHECKED, Message("edc_seal"))
        return outcome
    if parsed.family == "edc":
        return ProofOutcome(UNCHECKED, Message("edc_seal"))
    return ProofOutcome(UNCHECKED, Message("no_proof"))


def is_expired(parsed: Parsed, today: date) -> bool:
    valid_until = parsed.elements.valid_until
    return valid_until is not None and today > valid_until.date()


def verify(parsed: Parsed, *, today: date) -> Verification:
    proof = check_proof(parsed)
    if proof.result == INVALID:
        return Verification(INVALID_STATE, (proof.message,), revocation_checked=False, checked_on=today)
    status = check_status(parsed.document)
    signature_checked = proof.result == VALID
    if status.revoked:
        state, lead = REVOKED, [status.message]
    elif is_expired(parsed, today):
        until = parsed.elements.valid_until.date().isoformat()
        state, lead = EXPIRED, [Message("expired", {"date": until})]
    else:
        state, lead = (VERIFIED if signature_checked else UNVERIFIED), []
    messages = [*lead, proof.message] + ([] if status.revoked else [status.message])
    return Verification(state, tuple(messages), revocation_checked=status.checked, checked_on=today,
                        signature_checked=signature_checked)
