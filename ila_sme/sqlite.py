"""SQLite as a real embedded database: the default install holds when people use it at the same time.

Taken from what Rails 7.1+/8 and Django 5.1 do for SQLite in production (immediate transactions, a
busy timeout, WAL with ``synchronous=NORMAL``, a sensible cache), and fitted to SQLAlchemy, where every
use of the session begins a transaction (Rails' and Django's reads outside a transaction take no lock):

- **A transaction that may write takes the write lock when it begins** (``BEGIN IMMEDIATE``): a web request
  with an unsafe method (POST, PUT, PATCH, DELETE), a GET view allowed to write by design (marked
  ``@writes_on_get``: ``readonly.request_may_write``), and every transaction outside a request (CLI commands,
  scheduler jobs). Another writer then waits for the lock in ``BEGIN`` under the busy timeout, instead of
  failing later with "database is locked": in WAL mode a deferred transaction that has read and then wants
  to write while another one committed meanwhile fails at once (``SQLITE_BUSY_SNAPSHOT``), whatever the
  timeout.
- **A read begins deferred** (``BEGIN``): GET, HEAD and OPTIONS requests never write, and under WAL their
  reads run at the same time as the writer, on a snapshot.
- **Busy timeout** ``SQLITE_BUSY_TIMEOUT_SECONDS`` (30 s): a writer waits that long for the lock (the sqlite3
  module releases the GIL while it waits). ``SQLITE_BEGIN_OUTSIDE_REQUEST`` (``IMMEDIATE``) is how a
  transaction outside a request begins; the test configuration reads deferred there, because the tests'
  own session reads while the processes they start (scheduler, CLI, servers) write.
- **PRAGMAs on every connection**: foreign keys on, WAL, ``synchronous=NORMAL`` (durable through a crash of
  the app; in WAL only a power cut can lose the last commits), a 16 MiB page cache, 128 MiB memory-mapped
  reads, the WAL file trimmed to 64 MiB after checkpoints.

The sqlite3 driver's own transaction handling is switched off (it sends no BEGIN before a SAVEPOINT, so
releasing one would commit the whole transaction); ``_begin`` starts each transaction instead, as
SQLAlchemy's documentation recommends. A transaction that writes must not wait on the network: the
register is asked with no transaction open (see reconciliation/engine.py and funding/submit.py).
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ila_sme.extensions import db
from ila_sme.readonly import request_may_write

IMMEDIATE, DEFERRED = "IMMEDIATE", "DEFERRED"
DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0
PRAGMAS = (
    ("foreign_keys", "ON"),
    ("journal_mode", "WAL"),
    ("synchronous", "NORMAL"),
    ("cache_size", "-16000"),  # KiB: 16 MiB per connection
    ("mmap_size", str(128 * 1024 * 1024)),
    ("journal_size_limit", str(64 * 1024 * 1024)),
)


def begin_mode(app: Flask | None = None) -> str:
    """IMMEDIATE when the transaction about to begin may write, DEFERRED when it only reads."""
    if has_request_context():
        return IMMEDIATE if request_may_write() else DEFERRED
    app = app or current_app
    return DEFERRED if app.config.get("SQLITE_BEGIN_OUTSIDE_REQUEST", IMMEDIATE).upper() == DEFERRED else IMMEDIATE


def configure_connection(dbapi_connection, busy_timeout_seconds: float) -> None:
    """The PRAGMAs of one new sqlite3 connection, and the driver's own BEGIN switched off."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")  # before the first lock
        for name, value in PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
    finally:
        cursor.close()


def init_app(app: Flask) -> None:
    """Listen on the app's SQLite engines (after ``db.init_app``): the PRAGMAs and the begin mode."""
    timeout = float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS") or DEFAULT_BUSY_TIMEOUT_SECONDS)
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            _listen(engine, app, timeout)


def _listen(engine: Engine, app: Flask, timeout: float) -> None:
    def on_connect(dbapi_connection, _connection_record) -> None:
        configure_connection(dbapi_connection, timeout)

    def on_begin(connection) -> None:
        mode = begin_mode(app)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == IMMEDIATE else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
