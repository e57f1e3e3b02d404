"""Is the credential the uploader's, and is it one they already hold? Pure checks for the import service.

The learner matches when any identifier the credential carries matches the person: an e-mail address (in
clear, or hashed with its salt as Open Badges do), the national number (digits compared), or the name
(accents, case, spacing and order ignored). It is the wrong learner when the credential carries such
identifiers and none matches. A credential that names its learner only by a DID or URL cannot be compared:
``check_learner`` returns False (not confirmed) and the caller decides.

A duplicate is the same issuer and credential id (so the same credential as JSON and as a VC-JWT is one),
or, for a credential without an id, the same document. A copy held already that could not be trusted
(invalid or unverified) is no reason to refuse the genuine one: a verified upload replaces it
(``check_may_replace``).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext as _

from ila_sme.credentials.elements import Elements
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.formats import Parsed
from ila_sme.credentials.models import VerificationState

# States of a held copy that a verified upload of the same credential replaces.
REPLACEABLE = frozenset({VerificationState.INVALID, VerificationState.UNVERIFIED})


def _name_key(name: str | None) -> tuple[str, ...]:
    if not name:
        return ()
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return tuple(sorted(re.findall(r"\w+", plain.casefold())))


def check_learner(elements: Elements, *, person_name: str | None = None, emails: Iterable[str] = (),
                  national_id: str | None = None) -> bool:
    """True if the credential names this person; False if it cannot tell; raises CredentialError
    (``wrong_learner``) if it names someone else. The national number is never part of the message."""
    learner = elements.learner
    emails = [email for email in emails if email]
    comparisons: list[bool] = []
    if learner.emails or learner.hashed_emails:
        comparisons.append(any(learner.matches_email(email) for email in emails))
    if learner.national_id and national_id:
        comparisons.append(learner.matches_national_id(national_id))
    if learner.name and person_name:
        comparisons.append(_name_key(learner.name) == _name_key(person_name))
    if any(comparisons):
        return True
    if not comparisons:
        return False
    if learner.name and person_name:
        message = _("This credential was issued to %(name)s, not to %(person)s.", name=learner.name, person=person_name)
    elif learner.name:
        message = _("This credential was issued to %(name)s, not to you.", name=learner.name)
    elif person_name:
        message = _("This credential was issued to someone else, not to %(person)s.", person=person_name)
    else:
        message = _("This credential was issued to someone else, not to you.")
    raise CredentialError("wrong_learner", message)


def fingerprint(parsed: Parsed) -> str:
    """A stable SHA-256 hex key of "this credential", the same for its JSON and VC-JWT forms."""
    elements = parsed.elements
    if elements.credential_id:
        basis = f"id\n{elements.issuer_id or ''}\n{elements.credential_id}"
    else:
        document = {name: value for name, value in parsed.document.items() if name != "proof"}
        basis = "doc\n" + json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def check_not_duplicate(parsed: Parsed, held: Iterable[str]) -> str:
    """The credential's fingerprint; CredentialError (``duplicate``) if it is among ``held``."""
    key = fingerprint(parsed)
    if key in set(held):
        raise _duplicate(parsed)
    return key


def check_may_replace(parsed: Parsed, held_state: str, new_state: str | None = None) -> None:
    """CredentialError (``duplicate``) unless the held copy (in ``held_state``) may give way to this one: it
    was invalid or unverified, and this one is verified (``new_state``; None: not verified yet, so only
    the held copy is judged, before the cost of verifying)."""
    if held_state not in REPLACEABLE or new_state not in (None, VerificationState.VERIFIED):
        raise _duplicate(parsed)


def _duplicate(parsed: Parsed) -> CredentialError:
    title = parsed.elements.title
    message = (_("You already hold this credential (%(title)s).", title=title) if title
               else _("You already hold this credential."))
    return CredentialError("duplicate", message)
