"""What Open Badges 2.0 badge classes and 3.0 achievements share: alignments and the EU micro-credential
extension fields that Dutch edubadges (and others following them) put on the achievement.

OB 3.0 (edubadges): ``ECTS``, ``SBU`` (study hours), ``timeInvestment`` (hours), ``participationType``,
``assessmentType``, ``supervisionType``, ``identityChecked``, ``educationProgramIdentifier``, and alignments
with ``targetType`` ``ext:EQF``, ``ext:NQF`` and ``ext:QualityAssurance``.
OB 2.0 (edubadges): the same values inside ``"extensions:ECTSExtension": {"ECTS": 2.5}``,
``extensions:EQFExtension`` (EQF), ``extensions:LearningOutcomeExtension`` (LearningOutcome),
``extensions:StudyLoadExtension`` (StudyLoad, hours), ``extensions:TimeInvestmentExtension``,
``extensions:EducationProgramIdentifierExtension``, ``extensions:LanguageExtension``.
"""

from __future__ import annotations

import re

from ila_sme.credentials.elements import Elements
from ila_sme.credentials.formats.common import as_list, boolean, decimal, eqf_level, node, text, texts

LEARNING_OUTCOME_TARGETS = {"learningoutcome", "learningoutcomes", "ceasn:competency", "cfitem"}
TRAINING_ID_HINT = re.compile(r"odb|registry|register|training", re.IGNORECASE)


def flatten_extensions(badge: dict) -> dict:
    """OB 2.0 ``"extensions:XExtension": {"X": value}`` entries as plain keys (``{"X": value}``), with the
    badge's own keys winning."""
    flat: dict = {}
    for key, value in badge.items():
        if isinstance(key, str) and key.startswith("extensions:") and isinstance(value, dict):
            for inner, inner_value in value.items():
                if not inner.startswith("@") and inner != "type":
                    flat[inner] = inner_value
    return {**flat, **badge}


def _first(achievement: dict, *names):
    lowered = {key.lower(): value for key, value in achievement.items() if isinstance(key, str)}
    for name in names:
        if name.lower() in lowered and lowered[name.lower()] not in (None, "", []):
            return lowered[name.lower()]
    return None


def identity_checked_from(supervision: str | None) -> bool | None:
    """Read "…with identity verification" / "…without ID verification" labels; None if they say neither."""
    if not supervision:
        return None
    label = supervision.lower()
    if re.search(r"\b(without|no)\b.*\b(id|identity)\b", label) or "unsupervised" in label:
        return False
    if re.search(r"\bwith\b.*\b(id|identity)\b", label):
        return True
    return None


def apply_achievement(elements: Elements, achievement: dict) -> None:
    """Fill ``elements`` from an OB 3.0 achievement or an OB 2.0 badge class (extensions flattened)."""
    achievement = flatten_extensions(achievement)
    elements.achievement_id = elements.achievement_id or _id(achievement.get("id"))
    elements.title = text(achievement.get("name")) or elements.title
    elements.description = text(achievement.get("description")) or elements.description
    elements.language = text(_first(achievement, "inLanguage", "Language")) or elements.language

    ects = decimal(_first(achievement, "ECTS"))
    if ects is None:
        ects = decimal(_first(achievement, "creditsAvailable"))
    elements.ects = ects
    elements.hours = decimal(_first(achievement, "SBU", "StudyLoad", "timeInvestment", "TimeInvestment"))
    elements.eqf_level = eqf_level(_first(achievement, "EQF", "eqfLevel"))
    elements.participation = text(_first(achievement, "participationType", "participation"))
    elements.assessment_type = text(_first(achievement, "assessmentType"))
    elements.supervision = text(_first(achievement, "supervisionType"))
    checked = boolean(_first(achievement, "identityChecked"))
    elements.identity_checked = checked if checked is not None else identity_checked_from(elements.supervision)
    elements.learning_outcomes = texts(_first(achievement, "learningOutcome", "learningOutcomes", "LearningOutcome"))
    elements.prerequisites = text(_first(achievement, "prerequisites", "entryRequirement"))
    elements.stackability = text(_first(achievement, "stackability", "integration"))
    criteria = achievement.get("criteria")
    elements.further_information = text(node(criteria).get("narrative")) if isinstance(criteria, dict) else None
    program = _first(achievement, "educationProgramIdentifier", "EducationProgramIdentifier")
    elements.training_id = _training_id(achievement) or (text(program) if program is not None else None)
    _apply_alignments(elements, as_list(achievement.get("alignment")))


def _apply_alignments(elements: Elements, alignments: list) -> None:
    for alignment in alignments:
        if not isinstance(alignment, dict):
            continue
        raw_target = str(alignment.get("targetType") or alignment.get("targetFramework") or "")
        target = re.sub(r"[\s_\-]", "", raw_target.lower().removeprefix("ext:"))
        name = text(alignment.get("targetName")) or text(alignment.get("targetDescription"))
        code = text(alignment.get("targetCode"))
        if target == "eqf" and elements.eqf_level is None:
            elements.eqf_level = eqf_level(code) or eqf_level(name)
        elif target == "nqf" and not elements.nqf_level:
            elements.nqf_level = code or name
        elif target == "qualityassurance" and not elements.quality_assurance:
            elements.quality_assurance = name or code
        elif target in LEARNING_OUTCOME_TARGETS and name and name not in elements.learning_outcomes:
            elements.learning_outcomes.append(name)
        elif TRAINING_ID_HINT.search(raw_target) and code and not elements.training_id:
            elements.training_id = code


def _training_id(achievement: dict) -> str | None:
    for entry in as_list(achievement.get("otherIdentifier")):
        if isinstance(entry, dict) and TRAINING_ID_HINT.search(str(entry.get("identifierType") or "")):
            return text(entry.get("identifier"))
    return None


def _id(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
