"""The development register: ../shared/ledger-api.md as a small werkzeug WSGI app over its own SQLite store.

It stands in for the national learning-account register on a developer's machine and in tests. It
shares nothing with the main app (no import, no database); ``dev.py`` adds the dev-only ``/_dev/…``
endpoints for what happens at the register outside any employer's system.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import dev
from .contract import (
    KINDS,
    OPEN_MONTHS,
    PERIOD,
    Refused,
    amount,
    entry_shape,
    scrub,
    to_cents,
    utc,
    valid_insz,
    valid_kbo,
)
from .faults import Faults
from .seed import seed as run_seed
from .store import Store

URLS = Map([
    Rule("/healthz", endpoint="health", methods=["GET"]),
    Rule("/v1/contributions", endpoint="book", methods=["POST"]),
    Rule("/v1/contributions/<entry_id>/reversal", endpoint="reverse", methods=["POST"]),
    Rule("/v1/employers/<employer_id>/entries", endpoint="entries", methods=["GET"]),
    Rule("/v1/persons/<person_id>/account", endpoint="account", methods=["GET"]),
    Rule("/v1/trainings", endpoint="trainings", methods=["GET"]),
    *dev.RULES,
])


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _error(status: int, code: str, message: str, headers: dict | None = None, **extra) -> Response:
    return _json({"error": {"code": code, "message": message}, **extra}, status, headers)


class _Dropped(ConnectionError):
    """Raised after shutting the socket: werkzeug then logs a dropped connection and writes nothing."""


class DevRegister:
    """``today``: the register's clock for the open periods (pinned by ``--today``); ``dev_token``: the bearer
    token of the ``/_dev/…`` endpoints (None: they answer 404)."""

    def __init__(self, store: Store, faults: Faults | None = None, today: Callable[[], date] | None = None,
                 dev_token: str | None = None):
        self.store = store
        self.faults = faults or Faults()
        self.today = today or (lambda: datetime.now(UTC).date())
        self.dev_token = dev_token or None
        self._secret = store.secret()

    # WSGI ---------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = URLS.bind_to_environ(environ)
        try:
            endpoint, arguments = adapter.match()
        except HTTPException as error:
            return _error(error.code or 404, "not_found" if error.code == 404 else "method_not_allowed",
                          error.description or "no such resource")(environ, start_response)
        if endpoint == "health":
            return _json({"status": "ok"})(environ, start_response)
        if endpoint in dev.ENDPOINTS:  # what happens at the register itself: no faults
            try:
                dev.authorise(self.dev_token, request.headers.get("Authorization", ""))
                status, body = dev.ENDPOINTS[endpoint](self.store, self.body(request))
                response = _json(body, status)
            except Refused as refused:
                response = _error(refused.status, refused.code, refused.message, **refused.extra)
            return response(environ, start_response)
        draw = self.faults.draw()
        if self.faults.latency:
            time.sleep(self.faults.latency)
        if draw.refuse:  # answered before doing anything
            retry = {"Retry-After": str(max(1, round(self.faults.retry_after)))}
            if draw.refuse == 429:
                return _error(429, "rate_limited", "Too many requests; retry later.", retry)(environ, start_response)
            return _error(503, "unavailable", "The register is in maintenance; retry later.",
                          retry)(environ, start_response)
        try:
            response = getattr(self, endpoint)(request, **arguments)
        except Refused as refused:
            response = _error(refused.status, refused.code, refused.message, **refused.extra)
        if draw.late == "drop" and endpoint in ("book", "reverse") and response.status_code == 201:
            self._drop(environ)
        if draw.late == "slow":
            time.sleep(self.faults.slow_seconds)  # after the commit: the client has given up by now
        return response(environ, start_response)

    @staticmethod
    def _drop(environ) -> None:
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise _Dropped("dropped after commit (fault injection)")

    # Auth and input -----------------------------------------------------------------------------

    def _caller(self, request: Request) -> tuple[str, str | None]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        caller = self.store.caller(token.strip()) if scheme.lower() == "bearer" else None
        if caller is None:
            raise Refused(401, "unauthorized", "A valid bearer token is required.")
        return caller

    def _employer(self, request: Request) -> str:
        kind, employer_id = self._caller(request)
        if kind != "employer":
            raise Refused(403, "forbidden", "This token cannot act for an employer.")
        return employer_id

    @staticmethod
    def _idempotency_key(request: Request) -> str:
        key = request.headers.get("Idempotency-Key")
        if key is None or key == "":
            raise Refused(400, "missing_idempotency_key", "The Idempotency-Key header is required.")
        if len(key) > 64:
            raise Refused(400, "invalid_idempotency_key", "The Idempotency-Key is 1 to 64 characters.")
        return key

    @staticmethod
    def body(request: Request) -> dict:
        try:
            body = json.loads(request.get_data(as_text=True) or "null", parse_float=_no_float)
        except _FloatInJson as error:
            raise Refused(422, "invalid_amount", "Money is a decimal string such as \"150.00\", never a number.") \
                from error
        except ValueError as error:
            raise Refused(400, "invalid_request", "The body is not valid JSON.") from error
        if not isinstance(body, dict):
            raise Refused(400, "invalid_request", "The body must be a JSON object.")
        return body

    @staticmethod
    def _fingerprint(path: str, body: dict) -> str:
        canonical = json.dumps({"path": path, "body": body}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @staticmethod
    def _limit(request: Request) -> int:
        raw = request.args.get("limit", "500")
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            raise Refused(400, "invalid_request", "limit is a whole number from 1 to 1000.")
        return int(raw)

    def _cursor(self, payload: dict) -> str:
        raw = json.dumps(payload, separators=(",", ":")).encode()
        signature = hmac.new(self._secret, raw, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(raw + signature).decode().rstrip("=")

    def _uncursor(self, cursor: str, scope: dict) -> dict:
        try:
            data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            raw, signature = data[:-12], data[-12:]
            if not hmac.compare_digest(signature, hmac.new(self._secret, raw, hashlib.sha256).digest()[:12]):
                raise ValueError("bad signature")
            payload = json.loads(raw)
        except ValueError as error:
            raise Refused(400, "invalid_cursor", "The cursor is not one this register gave out.") from error
        if any(payload.get(name) != value for name, value in scope.items()):
            raise Refused(400, "invalid_cursor", "The cursor belongs to another query.")
        return payload

    # Book a contribution ------------------------------------------------------------------------

    def book(self, request: Request) -> Response:
        employer_id = self._employer(request)
        key = self._idempotency_key(request)
        body = self.body(request)
        if not valid_kbo(body.get("employer_id")):
            raise Refused(422, "invalid_request", "employer_id must be a valid 10-digit enterprise number.")
        if body["employer_id"] != employer_id:
            raise Refused(403, "forbidden", "This token cannot book for another employer.")
        reference = body.get("reference")
        if not isinstance(reference, str) or not 1 <= len(reference) <= 64:
            raise Refused(422, "invalid_request", "reference is required (1 to 64 characters).")

        def write(db) -> dict:
            existing = self.store.entry_by_reference(db, employer_id, reference)
            if existing is not None:
                raise Refused(409, "duplicate_reference", "This reference is already booked for this employer.",
                              entry_id=existing["entry_id"])
            fields = self._validate(db, employer_id, body)
            return self.store.insert_entry(db, employer_id=employer_id, reference=reference, **fields)

        status, answer = self.store.idempotent(employer_id, key, self._fingerprint("book", body), write)
        return _json(answer, status)

    def _validate(self, db, employer_id: str, body: dict) -> dict:
        kind = body.get("kind")
        if kind not in KINDS:
            raise Refused(422, "invalid_request", "kind is 'top-up' or 'course-fee'.")
        if body.get("currency") != "EUR":
            raise Refused(422, "invalid_request", "currency must be 'EUR'.")
        value = amount(body.get("amount"))
        period = body.get("period")
        match = PERIOD.match(period) if isinstance(period, str) else None
        if match is None:
            raise Refused(422, "invalid_request", "period is YYYY-MM.")
        year, month = int(match.group(1)), int(match.group(2))
        today = self.today()
        age = (today.year * 12 + today.month) - (year * 12 + month)
        if age < 0 or age > OPEN_MONTHS:
            raise Refused(422, "closed_period", "The period is in the future or older than 13 months.")
        person_id = body.get("person_id")
        if not valid_insz(person_id) or not self.store.person_exists(db, person_id):
            raise Refused(422, "unknown_person", "The register knows no such person.")
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        if not self.store.employed(db, employer_id, person_id, first, last):
            raise Refused(422, "not_employed", "The person is not employed by this employer in that period.")
        registry_id = body.get("registry_id")
        if kind == "course-fee" or registry_id is not None:
            if not isinstance(registry_id, str) or not self.store.training_exists(db, registry_id):
                raise Refused(422, "unknown_training", "A course fee needs the registry_id of a known training.")
        return {"person_id": person_id, "amount_cents": to_cents(value), "currency": "EUR", "period": period,
                "kind": kind, "registry_id": registry_id}

    # Reverse a contribution ---------------------------------------------------------------------

    def reverse(self, request: Request, entry_id: str) -> Response:
        employer_id = self._employer(request)
        key = self._idempotency_key(request)
        body = self.body(request)
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise Refused(422, "invalid_request", "A reason is required.")

        def write(db) -> dict:
            original = self.store.entry(db, entry_id)
            if original is None:
                raise Refused(404, "not_found", "No such entry.")
            if original["employer_id"] != employer_id:
                raise Refused(403, "forbidden", "This entry belongs to another employer.")
            if original["reverses"] is not None:
                raise Refused(422, "not_reversible", "A reversal cannot be reversed.")
            if original["status"] == "reversed":
                raise Refused(409, "already_reversed", "This entry is already reversed.")
            db.execute("UPDATE entries SET status = 'reversed' WHERE entry_id = ?", (entry_id,))
            entry = self.store.insert_entry(
                db, employer_id=employer_id, person_id=original["person_id"], amount_cents=-original["amount_cents"],
                currency=original["currency"], period=original["period"], reference=original["reference"],
                kind=original["kind"], registry_id=original["registry_id"], reverses=entry_id, reason=reason)
            return {**entry, "reason": reason}

        status, answer = self.store.idempotent(employer_id, key, self._fingerprint(f"reverse:{entry_id}", body), write)
        return _json(answer, status)

    # Reads --------------------------------------------------------------------------------------

    def entries(self, request: Request, employer_id: str) -> Response:
        caller = self._employer(request)
        if not valid_kbo(employer_id):
            raise Refused(400, "invalid_request", "employer_id must be a valid 10-digit enterprise number.")
        if caller != employer_id:
            raise Refused(403, "forbidden", "This token cannot read another employer's entries.")
        period = request.args.get("period") or None
        if period is not None and not PERIOD.match(period):
            raise Refused(400, "invalid_request", "period is YYYY-MM.")
        limit = self._limit(request)
        after = 0
        if request.args.get("cursor"):
            after = int(self._uncursor(request.args["cursor"], {"e": employer_id, "p": period})["after"])
        rows = self.store.entries(employer_id, period, after, limit + 1)
        page = rows[:limit]
        next_cursor = self._cursor({"e": employer_id, "p": period, "after": page[-1]["seq"]}) \
            if len(rows) > limit else None
        return _json({"entries": [entry_shape(row) for row in page], "next_cursor": next_cursor})

    def account(self, request: Request, person_id: str) -> Response:
        employer_id = self._employer(request)
        if not valid_insz(person_id):
            raise Refused(400, "invalid_request", "person_id must be a valid 11-digit national number.")
        if not self.store.employed(self.store._connection(), employer_id, person_id):
            raise Refused(403, "forbidden", "This person is not employed by the calling employer.")
        return _json(self.store.account(person_id))

    def trainings(self, request: Request) -> Response:
        self._caller(request)  # public data: any token of the register (employer or platform)
        since = request.args.get("updated_since") or None
        if since is not None:
            since = utc(since)
        limit = self._limit(request)
        after = None
        if request.args.get("cursor"):
            payload = self._uncursor(request.args["cursor"], {"s": since})
            after = (payload["u"], payload["r"])
        rows = self.store.trainings(since, after, limit + 1)
        page = rows[:limit]
        next_cursor = self._cursor({"s": since, "u": page[-1]["updated_at"], "r": page[-1]["registry_id"]}) \
            if len(rows) > limit else None
        return _json({"trainings": page, "next_cursor": next_cursor})


class _FloatInJson(ValueError):
    pass


def _no_float(text: str):
    raise _FloatInJson(text)


class _ScrubbingRequestHandler(WSGIRequestHandler):
    """The contract puts person ids (national numbers) in paths: the access log never shows them."""

    def log_request(self, code="-", size="-"):
        self.log("info", '"%s" %s %s', scrub(self.requestline), code, size)


def serve(*, host: str, port: int, db_path: str, faults: Faults, seed: bool, today: date | None = None,
          dev_token: str | None = None, out=None) -> None:
    """Open (and seed) the store, then serve until interrupted. Prints the URL it listens on."""
    out = out or sys.stdout
    store = Store(db_path)
    if seed:
        counts = run_seed(store, today)
        print("Seeded: " + ", ".join(f"{count} {name}" for name, count in counts.items()), file=out, flush=True)
    clock = (lambda: today) if today else None
    server = make_server(host, port, DevRegister(store, faults, clock, dev_token), threaded=True,
                         request_handler=_ScrubbingRequestHandler)
    print(f"Development register listening on http://{host}:{server.server_port} "
          f"(db: {db_path}; faults: {faults.describe()}; today: {today or 'the clock'}; "
          f"dev endpoints: {'on' if dev_token else 'off'})", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (``python -m devregister`` turns it into this)
        pass
    finally:
        server.server_close()
        store.close()
