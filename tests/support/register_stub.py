"""A small stand-in for the national register's read API (ledger-api.md), run as its own process by
tests until the development register of a later issue exists.

    python -m tests.support.register_stub --data state.json [--port 0] [--token T]

It prints ``READY <port>`` once listening. The JSON file is read at every request, so a test changes
the register's state by rewriting it: {"trainings": [...], "accounts": {"<person_id>": {...}},
"page_size": 2}. Paging follows ledger-api.md: ``updated_since``, ``cursor``, ``limit``, ``next_cursor``.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def _json(body, status=200, headers=None):
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _error(status, code, message):
    return _json({"error": {"code": code, "message": message}}, status)


def make_app(data_file: Path, token: str):
    @Request.application
    def app(request: Request):
        if request.headers.get("Authorization") != f"Bearer {token}":
            return _error(401, "unauthorized", "missing or wrong token")
        state = json.loads(data_file.read_text())
        if state.get("fail_with"):
            status = int(state["fail_with"])
            return _error(status, "unavailable", "maintenance") if status != 429 else _json(
                {"error": {"code": "rate_limited", "message": "slow down"}}, 429, {"Retry-After": "1"})
        if request.path == "/v1/trainings":
            return _trainings(request, state)
        if request.path.startswith("/v1/persons/") and request.path.endswith("/account"):
            person_id = request.path.split("/")[3]
            account = state.get("accounts", {}).get(person_id)
            if account is None:
                return _error(403, "forbidden", "not employed by the calling employer")
            return _json({"person_id": person_id, "currency": "EUR", **account})
        return _error(404, "not_found", request.path)

    return app


def _trainings(request: Request, state: dict) -> Response:
    since = request.args.get("updated_since")
    rows = sorted(state.get("trainings", []), key=lambda t: (t["updated_at"], t["registry_id"]))
    if since:
        rows = [t for t in rows if t["updated_at"] > since]
    try:
        limit = int(request.args.get("limit", "500"))
        offset = int(base64.urlsafe_b64decode(request.args["cursor"]).decode()) if request.args.get("cursor") else 0
    except ValueError:
        return _error(400, "bad_request", "bad limit or cursor")
    if not 1 <= limit <= 1000:
        return _error(400, "bad_request", "limit must be 1..1000")
    limit = min(limit, int(state.get("page_size", limit)))
    page = rows[offset:offset + limit]
    following = offset + limit
    next_cursor = base64.urlsafe_b64encode(str(following).encode()).decode() if following < len(rows) else None
    return _json({"trainings": page, "next_cursor": next_cursor})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="platform-token")
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, make_app(args.data, args.token))
    print(f"READY {server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
