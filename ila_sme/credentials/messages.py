"""Plain-language messages about a credential (verification reasons, import notes) as (code, params), so they
can be stored and shown later in the reader's language: ``str(message)`` translates in the current locale.

Params are shown as given (ids, dates in ISO form); never put a national number in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

TEXTS = {
    # proofs
    "signature_ok": _l("The signature checks against the issuer's key (%(key)s)."),
    "no_proof": _l("The credential carries no proof (signature), so it cannot be checked."),
    "key_not_offline": _l(
        "The signing key (%(key)s) can only be looked up online, which the app does not do; "
        "the signature was not checked."
    ),
    "key_not_tied": _l(
        "The signature checks against the key %(key)s, but the app cannot tell offline whether that key "
        "belongs to the issuer (%(issuer)s)."
    ),
    "no_key": _l("The credential names no key the app can use; the signature was not checked."),
    "signature_bad": _l(
        "The signature does not match: the credential was changed after it was signed, or it was signed "
        "with another key."
    ),
    "wrong_key": _l("The credential is signed with a key (%(key)s) that is not the issuer's (%(issuer)s)."),
    "key_alg_mismatch": _l("The key does not fit the signature algorithm %(alg)s."),
    "proof_malformed": _l("The proof is malformed (%(detail)s)."),
    "proof_purpose": _l("The proof is not made for issuing credentials (proof purpose %(purpose)s)."),
    "issuer_mismatch": _l("The token's issuer (%(iss)s) differs from the credential's issuer (%(issuer)s)."),
    "unsupported_alg": _l("The signature algorithm %(alg)s is not supported; the signature was not checked."),
    "unsupported_proof": _l("The proof type %(type)s is not supported; it was not checked."),
    "context_not_bundled": _l("The context %(url)s is not bundled with the app; the proof was not checked."),
    "jsonld_error": _l("The credential's linked data could not be processed; the proof was not checked."),
    "undefined_terms": _l(
        "The signature checks, but the fields %(terms)s are not defined by the credential's contexts, so the "
        "signature does not cover them."
    ),
    "ob2": _l(
        "Open Badges 2.0 badges are checked at the issuer's web address or against a key published there; "
        "the app does not go online, so this one was not checked."
    ),
    "edc_seal": _l(
        "European Digital Credentials are sealed with an electronic seal (JAdES/XAdES), which the app does "
        "not check."
    ),
    # validity
    "expired": _l("The credential expired on %(date)s."),
    # revocation
    "revoked": _l("The issuer has revoked the credential: its revocation list, included in the credential, marks it."),
    "not_revoked": _l("Its revocation list, included in the credential, does not mark it as revoked."),
    "revocation_not_checked": _l("Revocation not checked (needs the issuer's list online)."),
    "no_revocation_list": _l("The credential names no revocation list."),
    # import notes
    "badge_by_url": _l(
        "The badge details are only given as a web address (%(url)s). The app does not fetch it, so only what "
        "the assertion itself says is kept."
    ),
    "issuer_by_url": _l(
        "The issuer is only given as a web address (%(url)s). The app does not fetch it, so the awarding "
        "body's name and country are not known."
    ),
    "several_claims": _l("The credential holds %(count)s achievements; the first one is shown."),
}


@dataclass(frozen=True)
class Message:
    code: str
    params: dict = field(default_factory=dict, hash=False, compare=True)

    def __post_init__(self):
        if self.code not in TEXTS:
            raise KeyError(self.code)

    def __str__(self) -> str:
        template = str(TEXTS[self.code])
        return template % self.params if self.params else template

    def as_dict(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        return cls(data["code"], dict(data.get("params") or {}))


def render(messages) -> str:
    """Messages as one paragraph, in the current locale."""
    return " ".join(str(message) for message in messages)
