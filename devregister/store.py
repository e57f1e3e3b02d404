"""The development register's own SQLite store (stdlib sqlite3, WAL mode).

Nothing here touches the main app's database. Money is kept in integer cents and crosses the
wire as a decimal string with two decimals. Every booking is one ``BEGIN IMMEDIATE`` transaction:
the idempotency record, the duplicate-reference check and the entry are written together or not
at all, and two concurrent requests with the same key cannot both book.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from .contract import Refused, money, to_cents

__all__ = ["Refused", "Store", "money", "to_cents"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS employers (
    employer_id TEXT PRIMARY KEY, name TEXT NOT NULL, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS platform_tokens (token TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY, public_credit_cents INTEGER NOT NULL, spent_cents INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS employments (
    employer_id TEXT NOT NULL REFERENCES employers, person_id TEXT NOT NULL REFERENCES persons,
    start_date TEXT NOT NULL, end_date TEXT, PRIMARY KEY (employer_id, person_id, start_date));
CREATE TABLE IF NOT EXISTS trainings (
    registry_id TEXT PRIMARY KEY, updated_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS trainings_by_update ON trainings (updated_at, registry_id);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL UNIQUE, employer_id TEXT NOT NULL,
    person_id TEXT NOT NULL, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL, period TEXT NOT NULL,
    reference TEXT NOT NULL, kind TEXT NOT NULL, registry_id TEXT, status TEXT NOT NULL, reverses TEXT,
    reason TEXT, booked_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS entries_reference ON entries (employer_id, reference) WHERE reverses IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS entries_reversal ON entries (reverses) WHERE reverses IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_by_employer ON entries (employer_id, period, seq);
CREATE INDEX IF NOT EXISTS entries_by_person ON entries (person_id);
CREATE TABLE IF NOT EXISTS idempotency (
    employer_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (employer_id, key));
"""


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)

    # Connections: one per thread, autocommit mode, explicit transactions -----------------------

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` … ``COMMIT``: one writer at a time; rolled back on any exception."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self._connection().execute(sql, params).fetchall()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # Meta, tokens, people ------------------------------------------------------------------------

    def secret(self) -> bytes:
        """The key that signs cursors; kept in the store so cursors survive a restart."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE name = 'cursor_secret'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                db.execute("INSERT INTO meta (name, value) VALUES ('cursor_secret', ?)", (value,))
                return bytes.fromhex(value)
            return bytes.fromhex(row["value"])

    def caller(self, token: str) -> tuple[str, str | None] | None:
        """('employer', employer_id) or ('platform', None) for a known token, else None."""
        if not token:
            return None
        row = self.read("SELECT employer_id FROM employers WHERE token = ?", (token,))
        if row:
            return "employer", row[0]["employer_id"]
        if self.read("SELECT 1 FROM platform_tokens WHERE token = ?", (token,)):
            return "platform", None
        return None

    def add_employer(self, employer_id: str, name: str, token: str) -> bool:
        with self.transaction() as db:
            return db.execute("INSERT OR IGNORE INTO employers (employer_id, name, token) VALUES (?, ?, ?)",
                              (employer_id, name, token)).rowcount == 1

    def add_platform_token(self, token: str, name: str = "platform") -> bool:
        with self.transaction() as db:
            return db.execute("INSERT OR IGNORE INTO platform_tokens (token, name) VALUES (?, ?)",
                              (token, name)).rowcount == 1

    def add_person(self, person_id: str, public_credit: Decimal, spent: Decimal = Decimal("0")) -> bool:
        with self.transaction() as db:
            return db.execute(
                "INSERT OR IGNORE INTO persons (person_id, public_credit_cents, spent_cents, updated_at) "
                "VALUES (?, ?, ?, ?)", (person_id, to_cents(public_credit), to_cents(spent), now_rfc3339()),
            ).rowcount == 1

    def add_employment(self, employer_id: str, person_id: str, start: date, end: date | None = None) -> bool:
        with self.transaction() as db:
            return db.execute(
                "INSERT OR IGNORE INTO employments (employer_id, person_id, start_date, end_date) VALUES (?, ?, ?, ?)",
                (employer_id, person_id, start.isoformat(), end.isoformat() if end else None),
            ).rowcount == 1

    def add_trainings(self, trainings: list[dict]) -> int:
        with self.transaction() as db:
            return sum(db.execute("INSERT OR IGNORE INTO trainings (registry_id, updated_at, data) VALUES (?, ?, ?)",
                                  (t["registry_id"], t["updated_at"], json.dumps(t))).rowcount for t in trainings)

    def counts(self) -> dict[str, int]:
        tables = ("employers", "platform_tokens", "persons", "employments", "trainings", "entries", "idempotency")
        return {table: self.read(f"SELECT count(*) FROM {table}")[0][0] for table in tables}  # noqa: S608

    def person_exists(self, db, person_id: str) -> bool:
        return db.execute("SELECT 1 FROM persons WHERE person_id = ?", (person_id,)).fetchone() is not None

    def employed(self, db, employer_id: str, person_id: str, first: date | None = None,
                 last: date | None = None) -> bool:
        """Employed at some day between ``first`` and ``last`` (at any time when both are None)."""
        sql = "SELECT 1 FROM employments WHERE employer_id = ? AND person_id = ?"
        params: list = [employer_id, person_id]
        if first is not None and last is not None:
            sql += " AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)"
            params += [last.isoformat(), first.isoformat()]
        return db.execute(sql, params).fetchone() is not None

    def training_exists(self, db, registry_id: str) -> bool:
        return db.execute("SELECT 1 FROM trainings WHERE registry_id = ?", (registry_id,)).fetchone() is not None

    # Idempotent writes -------------------------------------------------------------------------

    def idempotent(self, employer_id: str, key: str, fingerprint: str, write) -> tuple[int, dict]:
        """Run ``write(db) -> body`` once per (employer, key), in one transaction.

        A replay with the same fingerprint gets (200, the first body); another fingerprint is a 409.
        ``write`` raises ``Refused`` to answer an error: then nothing is written, not even the key.
        """
        with self.transaction() as db:
            row = db.execute("SELECT fingerprint, body FROM idempotency WHERE employer_id = ? AND key = ?",
                             (employer_id, key)).fetchone()
            if row is not None:
                if row["fingerprint"] != fingerprint:
                    raise Refused(409, "idempotency_conflict",
                                  "This Idempotency-Key was used before with another request.")
                return 200, json.loads(row["body"])
            body = write(db)
            db.execute("INSERT INTO idempotency (employer_id, key, fingerprint, body, created_at) "
                       "VALUES (?, ?, ?, ?, ?)", (employer_id, key, fingerprint, json.dumps(body), now_rfc3339()))
            return 201, body

    def insert_entry(self, db, *, employer_id: str, person_id: str, amount_cents: int, currency: str, period: str,
                     reference: str, kind: str, registry_id: str | None, reverses: str | None = None,
                     reason: str | None = None) -> dict:
        entry = {
            "entry_id": "L-" + secrets.token_hex(8).upper(), "employer_id": employer_id, "person_id": person_id,
            "amount": money(amount_cents), "currency": currency, "period": period, "reference": reference,
            "kind": kind, "registry_id": registry_id, "status": "booked", "reverses": reverses,
            "booked_at": now_rfc3339(),
        }
        db.execute(
            "INSERT INTO entries (entry_id, employer_id, person_id, amount_cents, currency, period, reference, kind, "
            "registry_id, status, reverses, reason, booked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
            (entry["entry_id"], employer_id, person_id, amount_cents, currency, period, reference, kind, registry_id,
             reverses, reason, entry["booked_at"]))
        return entry

    def entry_by_reference(self, db, employer_id: str, reference: str):
        return db.execute("SELECT * FROM entries WHERE employer_id = ? AND reference = ? AND reverses IS NULL",
                          (employer_id, reference)).fetchone()

    def entry(self, db, entry_id: str):
        return db.execute("SELECT * FROM entries WHERE entry_id = ?", (entry_id,)).fetchone()

    # The register's own portal and staff (what happens there, outside any employer's system) ----

    def add_entry(self, *, employer_id: str, person_id: str, amount_cents: int, period: str, reference: str,
                  kind: str = "top-up", registry_id: str | None = None) -> dict:
        """An entry written straight into the store (tests' worlds), without the API's checks."""
        with self.transaction() as db:
            return self.insert_entry(db, employer_id=employer_id, person_id=person_id, amount_cents=amount_cents,
                                     currency="EUR", period=period, reference=reference, kind=kind,
                                     registry_id=registry_id)

    def portal_book(self, *, employer_id: str, person_id: str, amount_cents: int, period: str,
                    kind: str = "top-up", reference: str | None = None, registry_id: str | None = None) -> dict:
        """An entry booked through the register's web portal by a person of that employer."""
        return self.add_entry(employer_id=employer_id, person_id=person_id, amount_cents=amount_cents, period=period,
                              reference=reference or "PORTAL-" + secrets.token_hex(5).upper(), kind=kind,
                              registry_id=registry_id)

    def entry_ids(self, employer_id: str) -> set[str]:
        """The ids of every entry of this employer (bookings, reversals, portal entries)."""
        return {row["entry_id"] for row in self.read("SELECT entry_id FROM entries WHERE employer_id = ?",
                                                     (employer_id,))}

    def forget_entries(self, employer_id: str) -> int:
        """Remove every entry and idempotency record of this employer, in one transaction (the demo seed's reset
        of its own employers, through ``POST /_dev/forget``); the employer, its people and token stay. Returns
        the number of entries removed."""
        with self.transaction() as db:
            db.execute("DELETE FROM idempotency WHERE employer_id = ?", (employer_id,))
            return db.execute("DELETE FROM entries WHERE employer_id = ?", (employer_id,)).rowcount

    def amend_amount(self, entry_id: str, amount_cents: int) -> bool:
        """A correction by the register's staff: the entry's amount there is what counts. False: no such entry."""
        with self.transaction() as db:
            return db.execute("UPDATE entries SET amount_cents = ? WHERE entry_id = ?",
                              (amount_cents, entry_id)).rowcount == 1

    # Reads -------------------------------------------------------------------------------------

    def entries(self, employer_id: str, period: str | None, after_seq: int, limit: int) -> list[sqlite3.Row]:
        sql = "SELECT * FROM entries WHERE employer_id = ? AND seq > ?"
        params: list = [employer_id, after_seq]
        if period:
            sql += " AND period = ?"
            params.append(period)
        return self.read(sql + " ORDER BY seq LIMIT ?", [*params, limit])

    def account(self, person_id: str) -> dict | None:
        person = self.read("SELECT * FROM persons WHERE person_id = ?", (person_id,))
        if not person:
            return None
        sums = self.read("SELECT coalesce(sum(amount_cents), 0) AS total, max(booked_at) AS last FROM entries "
                         "WHERE person_id = ?", (person_id,))[0]
        credit, spent, contributions = person[0]["public_credit_cents"], person[0]["spent_cents"], sums["total"]
        return {
            "person_id": person_id, "balance": money(credit + contributions - spent), "public_credit": money(credit),
            "employer_contributions": money(contributions), "spent": money(spent), "currency": "EUR",
            "updated_at": max(filter(None, (person[0]["updated_at"], sums["last"]))),
        }

    def trainings(self, since: str | None, after: tuple[str, str] | None, limit: int) -> list[dict]:
        sql, params = "SELECT data FROM trainings WHERE 1 = 1", []
        if since:
            sql += " AND updated_at >= ?"
            params.append(since)
        if after:
            sql += " AND (updated_at > ? OR (updated_at = ? AND registry_id > ?))"
            params += [after[0], after[0], after[1]]
        rows = self.read(sql + " ORDER BY updated_at, registry_id LIMIT ?", [*params, limit])
        return [json.loads(row["data"]) for row in rows]
