"""Credential documents built from ``Elements``, unsigned (sign them with ``issuing``). ``formats.parse`` of a
built document gives the same elements back, as far as the format can carry them (Open Badges 2.0 has no
issuer country).

Open Badges 3.0 carries the EU fields the way Dutch edubadges do: extension properties on the achievement
(``ECTS``, ``SBU`` hours, ``participationType``, ``assessmentType``, ``supervisionType``, ``identityChecked``)
and alignments (``ext:EQF``, ``ext:NQF``, ``ext:QualityAssurance``). They are defined in an inline context,
so the Data Integrity signature covers them; ``learningOutcome``, ``prerequisites`` and ``stackability``,
for which edubadges has no field, use this app's own ``urn:ila-sme:micro-credential:`` terms.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

from ila_sme.credentials.elements import Elements
from ila_sme.credentials.status import encode_list

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
ECTS_FRAMEWORK = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
_EDU = "https://edubadges.nl/static/obv3-glossary.html#"
_APP = "urn:ila-sme:micro-credential:"
EU_EXTENSION_CONTEXT = {
    "ECTS": _EDU + "ects",
    "SBU": _EDU + "sbu",
    "participationType": _EDU + "participationType",
    "assessmentType": _EDU + "assessmentType",
    "supervisionType": _EDU + "supervisionType",
    "identityChecked": _EDU + "identityChecked",
    "educationProgramIdentifier": _EDU + "educationProgramIdentifier",
    "learningOutcome": _APP + "learningOutcome",
    "prerequisites": _APP + "prerequisites",
    "stackability": _APP + "stackability",
}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min, tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _number(value: Decimal | None):
    """A JSON number for the wire (the parser reads it back as the same Decimal)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(str(value))


def _clean(mapping: dict) -> dict:
    return {key: value for key, value in mapping.items() if value not in (None, [], {})}


def _email_identity(email: str, salt: str | None) -> tuple[str, bool]:
    if salt is None:
        return email, False
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest(), True


def build_ob3(elements: Elements, *, vc_version: int = 2, salt: str | None = None,
              credential_status: dict | None = None) -> dict:
    """An OpenBadgeCredential (VC 2.0 envelope, or VC 1.1 with ``vc_version=1``). ``salt`` hashes the learner's
    e-mail identity as OB 3.0 allows."""
    e = elements
    contexts = [V2, OB3_CONTEXT] if vc_version == 2 else [V1, OB3_CONTEXT, DATA_INTEGRITY_V2]
    identifiers = []
    for email in e.learner.emails:
        identity, hashed = _email_identity(email, salt)
        identifiers.append(_clean({"type": "IdentityObject", "hashed": hashed, "identityHash": identity,
                                   "identityType": "emailAddress", "salt": salt}))
    achievement = _clean({
        "id": e.achievement_id or _urn(),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": e.title,
        "description": e.description,
        "criteria": {"narrative": e.further_information or e.description or e.title},
        "inLanguage": e.language,
        "ECTS": _number(e.ects),
        "SBU": _number(e.hours),
        "participationType": e.participation,
        "assessmentType": e.assessment_type,
        "supervisionType": e.supervision,
        "identityChecked": e.identity_checked,
        "learningOutcome": list(e.learning_outcomes),
        "prerequisites": e.prerequisites,
        "stackability": e.stackability,
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": e.training_id, "identifierType": "ext:ODB"}]
        if e.training_id else None,
        "alignment": _alignments(e),
    })
    valid_from = e.valid_from or (datetime.combine(e.issued_on, time.min, tzinfo=UTC) if e.issued_on else None)
    start, end = ("validFrom", "validUntil") if vc_version == 2 else ("issuanceDate", "expirationDate")
    return _clean({
        "@context": [*contexts, dict(EU_EXTENSION_CONTEXT)],
        "id": e.credential_id or _urn(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": e.title,
        "issuer": _clean({
            "id": e.issuer_id or e.awarding_body_id,
            "type": ["Profile"],
            "name": e.awarding_body,
            "url": e.awarding_body_url,
            "address": _clean({"type": ["Address"], "addressCountryCode": e.issuer_country,
                               "addressRegion": e.issuer_region}) if e.issuer_country or e.issuer_region else None,
        }),
        start: _iso(valid_from),
        end: _iso(e.valid_until),
        "awardedDate": _iso(e.issued_on),
        "credentialSubject": _clean({
            "id": e.learner.subject_id,
            "type": ["AchievementSubject"],
            "name": e.learner.name,
            "identifier": identifiers,
            "achievement": achievement,
            "result": [{"type": ["Result"], "value": e.grade}] if e.grade else None,
        }),
        "credentialStatus": credential_status,
    })


def _alignments(e: Elements) -> list[dict]:
    out = []
    if e.eqf_level is not None:
        out.append({"type": ["Alignment"], "targetType": "ext:EQF", "targetName": f"EQF level {e.eqf_level}",
                    "targetCode": str(e.eqf_level), "targetUrl": f"http://data.europa.eu/snb/eqf/{e.eqf_level}"})
    if e.nqf_level:
        out.append({"type": ["Alignment"], "targetType": "ext:NQF", "targetName": e.nqf_level,
                    "targetCode": e.nqf_level})
    if e.quality_assurance:
        out.append(_clean({"type": ["Alignment"], "targetType": "ext:QualityAssurance",
                           "targetName": e.quality_assurance, "targetUrl": e.awarding_body_url}))
    return out


def build_ob2(elements: Elements, *, salt: str | None = None) -> dict:
    """An Open Badges 2.0 assertion (hosted verification) with its badge class and issuer embedded and the
    EU fields as edubadges OB 2.0 extensions."""
    e = elements
    email = e.learner.emails[0] if e.learner.emails else ""
    identity, hashed = _email_identity(email, salt)

    def extension(name: str, key: str, value):
        return {f"extensions:{name}": {"@context": f"https://openbadgespec.org/extensions/{name}/context.json",
                                       "type": ["Extension", f"extensions:{name}"], key: value}} if value else {}

    badge = _clean({
        "type": "BadgeClass",
        "id": e.achievement_id or _urn(),
        "name": e.title,
        "description": e.description,
        "criteria": {"narrative": e.further_information or e.description or e.title},
        "issuer": _clean({"type": "Profile", "id": e.issuer_id or e.awarding_body_id, "name": e.awarding_body,
                          "url": e.awarding_body_url}),
        "alignment": [_clean({"targetName": name, "targetFramework": framework, "targetCode": code})
                      for framework, name, code in (("Quality assurance", e.quality_assurance, None),
                                                    ("NQF", e.nqf_level, e.nqf_level)) if name],
        "participationType": e.participation,
        "assessmentType": e.assessment_type,
        "supervisionType": e.supervision,
        "identityChecked": e.identity_checked,
        **extension("ECTSExtension", "ECTS", _number(e.ects)),
        **extension("EQFExtension", "EQF", e.eqf_level),
        **extension("StudyLoadExtension", "StudyLoad", _number(e.hours)),
        **extension("LearningOutcomeExtension", "LearningOutcome", list(e.learning_outcomes)),
        **extension("EducationProgramIdentifierExtension", "EducationProgramIdentifier", e.training_id),
        **extension("LanguageExtension", "Language", e.language),
    })
    return _clean({
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": e.credential_id or _urn(),
        "recipient": _clean({"type": "email", "hashed": hashed, "salt": salt, "identity": identity}),
        "issuedOn": _iso(e.valid_from or e.issued_on),
        "expires": _iso(e.valid_until),
        "verification": {"type": "hosted"},
        "badge": badge,
    })


def _lang(value: str | None, language: str = "en") -> dict | None:
    return {language: [value]} if value else None


def _concept(label: str | None, concept_id: str | None = None) -> dict | None:
    return _clean({"id": concept_id, "type": "Concept", "prefLabel": _lang(label)}) if label else None


def _note(value: str | None) -> dict | None:
    return {"type": "Note", "noteLiteral": _lang(value)} if value else None


def build_edc(elements: Elements) -> dict:
    """A European Digital Credential (European Learning Model 3 JSON-LD) with one LearningAchievement.
    The national ID goes in as the learner's ``nationalID`` notation when the elements carry one."""
    e = elements
    country = (f"http://publications.europa.eu/resource/authority/country/{e.issuer_country}"
               if e.issuer_country else None)
    body = _clean({
        "id": e.awarding_body_id or e.issuer_id or _urn(),
        "type": "Organisation",
        "legalName": _lang(e.awarding_body),
        "homepage": [{"type": "WebResource", "contentURL": e.awarding_body_url}] if e.awarding_body_url else None,
        "location": [{"type": "Location", "address": [{"type": "Address", "countryCode": {"id": country,
                                                                                        "type": "Concept"}}]}]
        if country else None,
    })
    person = _clean({
        "id": e.learner.subject_id or _urn(),
        "type": "Person",
        "fullName": _lang(e.learner.name),
        "contactPoint": [{"type": "ContactPoint", "emailAddress": [{"id": f"mailto:{email}", "type": "Mailbox"}
                                                                   for email in e.learner.emails]}]
        if e.learner.emails else None,
        "nationalID": {"type": "LegalIdentifier", "notation": e.learner.national_id} if e.learner.national_id else None,
    })
    specification = _clean({
        "id": _urn(),
        "type": "Qualification",
        "title": _lang(e.title),
        "volumeOfLearning": f"PT{e.hours}H" if e.hours is not None else None,
        "creditPoint": [{"type": "CreditPoint", "framework": {"id": ECTS_FRAMEWORK, "type": "Concept"},
                         "point": str(e.ects)}] if e.ects is not None else None,
        "eqfLevel": _concept(f"Level {e.eqf_level}", f"http://data.europa.eu/snb/eqf/{e.eqf_level}")
        if e.eqf_level is not None else None,
        "nqfLevel": [_concept(e.nqf_level)] if e.nqf_level else None,
        "learningOutcome": [{"type": "LearningOutcome", "title": _lang(outcome)} for outcome in e.learning_outcomes],
        "mode": [_concept(e.participation)] if e.participation else None,
        "entryRequirement": _note(e.prerequisites),
        "hasAccreditation": [{"type": "Accreditation", "title": _lang(e.quality_assurance)}]
        if e.quality_assurance else None,
        "language": [_concept(e.language)] if e.language else None,
        "identifier": [{"type": "Identifier", "notation": e.training_id, "schemeName": "ODB"}]
        if e.training_id else None,
    })
    assessment = _clean({
        "id": _urn(),
        "type": "LearningAssessment",
        "title": _lang(e.assessment_type),
        "grade": _note(e.grade),
        "idVerification": _concept(e.supervision),
        "specifiedBy": {"type": "LearningAssessmentSpecification", "dcType": [_concept(e.assessment_type)]}
        if e.assessment_type else None,
    })
    claim = _clean({
        "id": e.achievement_id or _urn(),
        "type": "LearningAchievement",
        "title": _lang(e.title),
        "description": _lang(e.description),
        "additionalNote": [_note(e.further_information)] if e.further_information else None,
        "awardedBy": _clean({"type": "AwardingProcess", "awardingBody": [body], "awardingDate": _iso(e.issued_on)}),
        "specifiedBy": specification,
        "provenBy": [assessment],
    })
    person["hasClaim"] = [claim]
    return _clean({
        "@context": [V2, EDC_CONTEXT],
        "id": e.credential_id or _urn(),
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": body,
        "validFrom": _iso(e.valid_from or e.issued_on),
        "validUntil": _iso(e.valid_until),
        "credentialSubject": person,
    })


def embedded_status_list(index: int, revoked: set[int] | frozenset[int] = frozenset(), *,
                         size_bytes: int = 16384) -> dict:
    """A ``credentialStatus`` (BitstringStatusListEntry, purpose revocation) whose status list is included in
    the credential, so it can be checked offline; the bits of ``revoked`` are set."""
    bits = bytearray(size_bytes)
    for position in revoked:
        bits[position // 8] |= 0x80 >> (position % 8)
    list_id = _urn()
    return {
        "id": f"{list_id}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": {
            "id": list_id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {"id": f"{list_id}#list", "type": "BitstringStatusList",
                                  "statusPurpose": "revocation", "encodedList": encode_list(bytes(bits))},
        },
    }
