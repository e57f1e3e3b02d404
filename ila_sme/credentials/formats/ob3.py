"""Open Badges 3.0 (1EdTech): a W3C Verifiable Credential of type OpenBadgeCredential / AchievementCredential,
with the VC 2.0 (validFrom / validUntil) or VC 1.1 (issuanceDate / expirationDate) envelope."""

from __future__ import annotations

from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.formats.badges import apply_achievement
from ila_sme.credentials.formats.common import (
    as_list,
    country_code,
    identifier,
    node,
    parse_date,
    parse_datetime,
    text,
)

OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


def map_ob3(doc: dict) -> Elements:
    elements = Elements(credential_id=identifier(doc.get("id")))
    issuer = doc.get("issuer")
    profile = issuer if isinstance(issuer, dict) else {}
    elements.issuer_id = identifier(issuer)
    elements.awarding_body = text(profile.get("name"))
    elements.awarding_body_id = elements.issuer_id
    elements.awarding_body_url = _url(profile.get("url")) or _url(elements.issuer_id)
    address = node(profile.get("address"))
    elements.issuer_country = country_code(address.get("addressCountryCode")) or text(address.get("addressCountry"))
    elements.issuer_region = text(address.get("addressRegion"))

    elements.valid_from = parse_datetime(doc.get("validFrom") or doc.get("issuanceDate"))
    elements.valid_until = parse_datetime(doc.get("validUntil") or doc.get("expirationDate"))
    elements.issued_on = parse_date(doc.get("awardedDate") or doc.get("validFrom") or doc.get("issuanceDate"))
    elements.title = text(doc.get("name"))
    elements.description = text(doc.get("description"))

    subject = node(doc.get("credentialSubject"))
    elements.learner = learner_from_subject(subject)
    achievement = subject.get("achievement")
    if isinstance(achievement, dict):
        apply_achievement(elements, achievement)
    elements.grade = _grade(subject.get("result"))
    return elements


def learner_from_subject(subject: dict) -> Learner:
    """An AchievementSubject: ``id``, ``name`` (some issuers add it) and ``identifier`` IdentityObjects."""
    name = text(subject.get("name"))
    emails: list[str] = []
    hashed: list[tuple[str, str]] = []
    subject_id = identifier(subject.get("id"))
    if subject_id and subject_id.lower().startswith("mailto:"):
        emails.append(subject_id[len("mailto:"):])
    for entry in as_list(subject.get("identifier")):
        if not isinstance(entry, dict):
            continue
        kind = str(entry.get("identityType") or "").lower()
        value = entry.get("identityHash")
        if not isinstance(value, str) or not value.strip():
            continue
        if entry.get("hashed") is True or (entry.get("hashed") is None and "$" in value):
            if kind in ("emailaddress", "email"):
                hashed.append((value.strip(), str(entry.get("salt") or "")))
        elif kind in ("emailaddress", "email"):
            emails.append(value.strip())
        elif kind == "name" and not name:
            name = value.strip()
    return Learner(name=name, emails=tuple(dict.fromkeys(emails)), hashed_emails=tuple(hashed), subject_id=subject_id)


def _grade(results) -> str | None:
    for result in as_list(results):
        if isinstance(result, dict):
            value = text(result.get("value")) or text(result.get("achievedLevel"))
            if value:
                return value
    return None


def _url(value) -> str | None:
    found = identifier(value)
    return found if found and found.lower().startswith(("https://", "http://")) else None
