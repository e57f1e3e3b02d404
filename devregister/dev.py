"""Dev-only endpoints: what happens at the register outside any employer's system, for demos and tests.

Not part of ledger-api.md. Each needs ``Authorization: Bearer <dev token>`` (``--dev-token``, default
``demo-dev-token``); without a dev token they answer 404. National numbers travel in bodies, never in paths.

``POST /_dev/portal-booking`` ``{"employer_id", "person_id", "amount", "period", "kind"?, "registry_id"?}``
    a person of that employer books at the register's web portal: 201 and the entry (reference ``PORTAL-…``).
``POST /_dev/amend`` ``{"entry_id", "amount"}``
    the register's staff correct a booked amount: 200 and the entry as it now reads.
``POST /_dev/forget`` ``{"employer_id"}``
    remove every entry and idempotency record of that employer (its people and token stay):
    200 ``{"employer_id", "removed": <entries>}``.

Each is one transaction: a refused request changes nothing.
"""

from __future__ import annotations

import hmac

from werkzeug.routing import Rule

from .contract import KINDS, PERIOD, Refused, amount, entry_shape, to_cents, valid_insz, valid_kbo
from .store import Store

DEFAULT_TOKEN = "demo-dev-token"  # noqa: S105 - a development token, public on purpose

RULES = [
    Rule("/_dev/portal-booking", endpoint="dev_portal_booking", methods=["POST"]),
    Rule("/_dev/amend", endpoint="dev_amend", methods=["POST"]),
    Rule("/_dev/forget", endpoint="dev_forget", methods=["POST"]),
]


def authorise(dev_token: str | None, authorization: str) -> None:
    """Refuse unless ``authorization`` is ``Bearer <dev_token>``; 404 when the dev endpoints are off."""
    if dev_token is None:
        raise Refused(404, "not_found", "The dev endpoints are off (start the register with --dev-token).")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), dev_token.encode()):
        raise Refused(401, "unauthorized", "The dev token is required.")


def _employer(store: Store, body: dict) -> str:
    employer_id = body.get("employer_id")
    if not valid_kbo(employer_id):
        raise Refused(422, "invalid_request", "employer_id must be a valid 10-digit enterprise number.")
    if not store.read("SELECT 1 FROM employers WHERE employer_id = ?", (employer_id,)):
        raise Refused(422, "unknown_employer", "The register knows no such employer.")
    return employer_id


def portal_booking(store: Store, body: dict) -> tuple[int, dict]:
    employer_id = _employer(store, body)
    cents = to_cents(amount(body.get("amount")))
    period, kind, registry_id = body.get("period"), body.get("kind", "top-up"), body.get("registry_id")
    if not isinstance(period, str) or not PERIOD.match(period):
        raise Refused(422, "invalid_request", "period is YYYY-MM.")
    if kind not in KINDS:
        raise Refused(422, "invalid_request", "kind is 'top-up' or 'course-fee'.")
    person_id = body.get("person_id")
    db = store._connection()
    if not valid_insz(person_id) or not store.employed(db, employer_id, person_id):
        raise Refused(422, "not_employed", "The person is not employed by this employer.")
    if kind == "course-fee" or registry_id is not None:
        if not isinstance(registry_id, str) or not store.training_exists(db, registry_id):
            raise Refused(422, "unknown_training", "A course fee needs the registry_id of a known training.")
    entry = store.portal_book(employer_id=employer_id, person_id=person_id, amount_cents=cents,
                              period=period, kind=kind, registry_id=registry_id)
    return 201, entry


def amend(store: Store, body: dict) -> tuple[int, dict]:
    entry_id = body.get("entry_id")
    cents = to_cents(amount(body.get("amount")))
    found = store.entry(store._connection(), entry_id) if isinstance(entry_id, str) else None
    if found is None:
        raise Refused(404, "not_found", "No such entry.")
    if found["reverses"] is not None:
        raise Refused(422, "not_amendable", "A reversal cannot be amended.")
    store.amend_amount(entry_id, cents)
    return 200, entry_shape(store.entry(store._connection(), entry_id))


def forget(store: Store, body: dict) -> tuple[int, dict]:
    employer_id = _employer(store, body)
    return 200, {"employer_id": employer_id, "removed": store.forget_entries(employer_id)}


ENDPOINTS = {"dev_portal_booking": portal_booking, "dev_amend": amend, "dev_forget": forget}
