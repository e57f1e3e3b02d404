"""Open Badges 2.0 assertions (JSON-LD, ``type: Assertion``). The badge class and its issuer are read when the
assertion embeds them; when either is only a web address, nothing is fetched: a note says so and the
elements hold what the assertion itself carries."""

from __future__ import annotations

from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.formats.badges import apply_achievement
from ila_sme.credentials.formats.common import identifier, parse_date, parse_datetime, text
from ila_sme.credentials.messages import Message


def map_ob2(doc: dict) -> tuple[Elements, list[Message]]:
    """The elements, and notes about what could not be read."""
    notes: list[Message] = []
    elements = Elements(credential_id=identifier(doc.get("id")))
    elements.learner = _learner(doc.get("recipient"))
    elements.issued_on = parse_date(doc.get("issuedOn"))
    elements.valid_from = parse_datetime(doc.get("issuedOn"))
    elements.valid_until = parse_datetime(doc.get("expires"))

    badge = doc.get("badge")
    if isinstance(badge, dict):
        apply_achievement(elements, badge)
        issuer = badge.get("issuer")
        if isinstance(issuer, dict):
            elements.issuer_id = identifier(issuer)
            elements.awarding_body = text(issuer.get("name"))
            elements.awarding_body_url = _url(issuer.get("url")) or _url(elements.issuer_id)
            elements.issuer_country = text(issuer.get("addressCountryCode") or issuer.get("country"))
        elif identifier(issuer):
            elements.issuer_id = identifier(issuer)
            notes.append(Message("issuer_by_url", {"url": elements.issuer_id}))
        elements.awarding_body_id = elements.issuer_id
    elif identifier(badge):
        elements.achievement_id = identifier(badge)
        notes.append(Message("badge_by_url", {"url": elements.achievement_id}))

    narrative = text(doc.get("narrative"))
    if narrative and not elements.further_information:
        elements.further_information = narrative
    return elements, notes


def _learner(recipient) -> Learner:
    if not isinstance(recipient, dict):
        return Learner()
    identity = recipient.get("identity")
    kind = str(recipient.get("type") or "email").lower()
    name = text(recipient.get("name"))
    if not isinstance(identity, str) or not identity.strip():
        return Learner(name=name)
    identity = identity.strip()
    plaintext = recipient.get("plaintextIdentity")
    emails = (plaintext.strip(),) if isinstance(plaintext, str) and "@" in plaintext else ()
    if kind == "email":
        if recipient.get("hashed") is True or (recipient.get("hashed") is None and "$" in identity):
            return Learner(name=name, emails=emails, hashed_emails=((identity, str(recipient.get("salt") or "")),))
        return Learner(name=name, emails=tuple(dict.fromkeys(emails + (identity,))))
    return Learner(name=name, emails=emails, subject_id=identity)


def _url(value) -> str | None:
    found = identifier(value)
    return found if found and found.lower().startswith(("https://", "http://")) else None
