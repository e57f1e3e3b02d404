"""The EU standard elements of a micro-credential (Annex I of Council Recommendation 2022/C 243/02), as read
from any of the supported formats.

Mandatory: identification of the learner; title; country/region of the issuer; awarding body; date of
issuing; learning outcomes; notional workload (ECTS where possible); level (EQF/NQF) if applicable; type of
assessment; form of participation; type of quality assurance. Optional: prerequisites; supervision and
identity verification during assessment; grade; integration or stackability; further information.

An import keeps what it finds and shows what is missing (``missing_mandatory``); it never refuses a
credential for a missing element. Workload is ``Decimal`` (never float). The learner's identifiers are kept
only to check that the credential is the uploader's: the national ID is left out of ``repr`` and
``as_dict`` so it never reaches a log or a stored snapshot.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l


@dataclass
class Learner:
    name: str | None = None
    emails: tuple[str, ...] = ()
    # OB 2.0 / OB 3.0 hashed e-mail identities: ("sha256$<hex>", salt)
    hashed_emails: tuple[tuple[str, str], ...] = ()
    subject_id: str | None = None  # credentialSubject.id (a DID, a URL, urn:…, mailto:…)
    national_id: str | None = field(default=None, repr=False)  # EDC nationalID.notation: never log it

    def is_identified(self) -> bool:
        return bool(self.name or self.emails or self.hashed_emails or self.subject_id or self.national_id)

    def matches_email(self, email: str) -> bool:
        """True if ``email`` is one of the learner's e-mail addresses, in clear or hashed with its salt."""
        wanted = (email or "").strip().lower()
        if not wanted:
            return False
        if any(known.lower() == wanted for known in self.emails):
            return True
        for hashed, salt in self.hashed_emails:
            algorithm, _, digest = hashed.partition("$")
            if algorithm.lower() not in ("sha256", "md5") or not digest:
                continue
            for candidate in {email.strip(), wanted}:
                made = hashlib.new(algorithm.lower(), (candidate + salt).encode(), usedforsecurity=False)
                if made.hexdigest() == digest.lower():
                    return True
        return False

    def matches_national_id(self, number: str) -> bool:
        """Compare digits only (EDC may write ``BE-85.07.30-033.28``); False when the credential has none."""
        if not self.national_id or not number:
            return False
        return _digits(self.national_id) == _digits(number) != ""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class Missing(NamedTuple):
    key: str
    label: object  # a lazy translatable string; str() it in the current locale


MANDATORY_LABELS = {
    "learner": _l("Identification of the learner"),
    "title": _l("Title"),
    "issuer_country": _l("Country or region of the issuer"),
    "awarding_body": _l("Awarding body"),
    "issued_on": _l("Date of issuing"),
    "learning_outcomes": _l("Learning outcomes"),
    "workload": _l("Notional workload (ECTS where possible)"),
    "level": _l("Level (EQF/NQF), if applicable"),
    "assessment_type": _l("Type of assessment"),
    "participation": _l("Form of participation"),
    "quality_assurance": _l("Type of quality assurance"),
}


@dataclass
class Elements:
    learner: Learner = field(default_factory=Learner)
    title: str | None = None
    description: str | None = None
    issuer_country: str | None = None  # as the credential gives it: NL, BE, IRL (EDC uses ISO 3166 alpha-3)
    issuer_region: str | None = None
    awarding_body: str | None = None
    awarding_body_id: str | None = None
    awarding_body_url: str | None = None
    issued_on: date | None = None
    learning_outcomes: list[str] = field(default_factory=list)
    ects: Decimal | None = None
    hours: Decimal | None = None
    eqf_level: int | None = None  # 1–8
    nqf_level: str | None = None
    assessment_type: str | None = None
    participation: str | None = None  # form of participation: online, onsite, blended …
    quality_assurance: str | None = None
    # optional elements
    prerequisites: str | None = None
    supervision: str | None = None
    identity_checked: bool | None = None
    grade: str | None = None
    stackability: str | None = None
    further_information: str | None = None
    language: str | None = None
    # validity and identifiers
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    credential_id: str | None = None
    achievement_id: str | None = None
    issuer_id: str | None = None
    training_id: str | None = None  # a registry / ODB training id or education programme id, when one is given

    def missing_mandatory(self) -> list[Missing]:
        present = {
            "learner": self.learner.is_identified(),
            "title": bool(self.title),
            "issuer_country": bool(self.issuer_country or self.issuer_region),
            "awarding_body": bool(self.awarding_body or self.awarding_body_id),
            "issued_on": self.issued_on is not None,
            "learning_outcomes": bool(self.learning_outcomes),
            "workload": self.ects is not None or self.hours is not None,
            "level": self.eqf_level is not None or bool(self.nqf_level),
            "assessment_type": bool(self.assessment_type),
            "participation": bool(self.participation),
            "quality_assurance": bool(self.quality_assurance),
        }
        return [Missing(key, MANDATORY_LABELS[key]) for key, ok in present.items() if not ok]

    def as_dict(self) -> dict:
        """JSON-ready: Decimal and dates as strings; the learner without the national ID."""
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "learner":
                value = {
                    "name": value.name,
                    "emails": list(value.emails),
                    "hashed_emails": [list(pair) for pair in value.hashed_emails],
                    "subject_id": value.subject_id,
                    "has_national_id": value.national_id is not None,
                }
            elif isinstance(value, Decimal | date | datetime):
                value = value.isoformat() if not isinstance(value, Decimal) else str(value)
            elif isinstance(value, list):
                value = list(value)
            out[f.name] = value
        return out
