"""Configuration from environment variables, with a test configuration beside it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Read once at start-up. Every setting can come from the environment."""

    ENV_NAME = os.environ.get("ILA_ENV", "development")  # development | production
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default set in create_app
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite (ila_sme/sqlite.py): how long a writer waits for the write lock, and how a transaction outside a
    # web request (CLI, scheduler jobs) begins: IMMEDIATE takes the write lock at once, DEFERRED at the first write.
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "30"))
    SQLITE_BEGIN_OUTSIDE_REQUEST = os.environ.get("SQLITE_BEGIN_OUTSIDE_REQUEST", "IMMEDIATE")
    LEDGER_URL = os.environ.get("LEDGER_URL", "http://127.0.0.1:5055")
    LEDGER_TOKEN = os.environ.get("LEDGER_TOKEN")  # the platform's token: reads the training registry
    LEDGER_TIMEOUT = float(os.environ.get("LEDGER_TIMEOUT", "10"))
    # The time budget of one employer's reconciliation (submit + read); the rest waits for the next run.
    RECONCILE_BUDGET_SECONDS = float(os.environ.get("RECONCILE_BUDGET_SECONDS", "600"))
    RECONCILE_SHARD = os.environ.get("RECONCILE_SHARD") or None  # "K/N": the nightly job's share of the employers

    # The scheduler process (``flask --app app scheduler run``): its clock, how often it looks for queued
    # reconciliations (and a standby scheduler for the lease), how long its lease lasts without a heartbeat.
    SCHEDULER_TIMEZONE = os.environ.get("SCHEDULER_TIMEZONE", "Europe/Brussels")
    SCHEDULER_POLL_SECONDS = float(os.environ.get("SCHEDULER_POLL_SECONDS", "5"))
    SCHEDULER_LEASE_SECONDS = float(os.environ.get("SCHEDULER_LEASE_SECONDS", "60"))
    SCHEDULER_HEARTBEAT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", "15"))
    SCHEDULER_MISFIRE_GRACE_SECONDS = int(os.environ.get("SCHEDULER_MISFIRE_GRACE_SECONDS", "3600"))
    # A leave or co-funding request waiting longer than this many days reminds those who may decide it.
    REMINDER_AFTER_DAYS = int(os.environ.get("REMINDER_AFTER_DAYS", "3"))
    # Where people reach the app (scheme, host, and path prefix if any): every link in a mail, a notification
    # or a calendar feed starts with it, whoever builds it (a request, a scheduler job, a command). Unset:
    # http://127.0.0.1:5000 outside production; in production a warning at start-up (``public_url``).
    PUBLIC_URL = os.environ.get("PUBLIC_URL")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: write mail to the outbox folder
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool(os.environ.get("MAIL_USE_TLS"), True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "ILA-SME <no-reply@ila-sme.localhost>")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX")  # default: <instance>/outbox
    # The outbox table (ila_sme/mail): the scheduler sends it every MAIL_OUTBOX_POLL_SECONDS; a failed attempt
    # is tried again after MAIL_RETRY_BASE_SECONDS, doubled each time (at most MAIL_RETRY_MAX_SECONDS), until
    # MAIL_MAX_ATTEMPTS; a sender's claim on a message lasts MAIL_CLAIM_SECONDS. MAIL_SEND_AFTER_RESPONSE (off
    # unless set, ``make run`` starts the scheduler) lets the web worker that queued mail send it once its response
    # is out: a worker busy with SMTP serves nobody meanwhile, so a decision's mail always leaves by the outbox.
    MAIL_OUTBOX_POLL_SECONDS = float(os.environ.get("MAIL_OUTBOX_POLL_SECONDS", "30"))
    MAIL_RETRY_BASE_SECONDS = float(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60"))
    MAIL_RETRY_MAX_SECONDS = float(os.environ.get("MAIL_RETRY_MAX_SECONDS", str(6 * 3600)))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_CLAIM_SECONDS = float(os.environ.get("MAIL_CLAIM_SECONDS", "300"))
    MAIL_SEND_AFTER_RESPONSE = _bool(os.environ.get("MAIL_SEND_AFTER_RESPONSE"), False)

    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "nl")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("BABEL_DEFAULT_TIMEZONE", "Europe/Brussels")
    LANGUAGES = ("nl", "fr", "en")

    # Shared by every worker when it is Redis (redis://host:6379/0); memory:// counts per process.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Failed sign-ins (accounts/throttle.py): one account from one address (tight), one address for any
    # account, and one account from every address (slow: distributed guessing).
    LOGIN_LIMIT_PER_PAIR = os.environ.get("LOGIN_LIMIT_PER_PAIR", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "50 per hour")
    # How many reverse proxies in front of the app set X-Forwarded-For (0: none, the header is ignored).
    # Behind a proxy without it, every client has the proxy's address and shares its sign-in limits.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", str(7 * 24 * 3600)))
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    CSV_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # Static files (ila_sme/static_files.py): where their fingerprinted and compressed copies are written
    # (generated at start; default <instance>/static-build). HTML is compressed by Flask-Compress when the
    # client accepts it; streamed responses (exports) and downloads are left alone.
    STATIC_BUILD_FOLDER = os.environ.get("STATIC_BUILD_FOLDER")
    COMPRESS_MIMETYPES = ["text/html"]
    COMPRESS_ALGORITHM = ["zstd", "br", "gzip"]
    COMPRESS_STREAMS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # None: Secure unless ENV_NAME is development or testing (decided in create_app, after overrides).
    SESSION_COOKIE_SECURE = (
        _bool(os.environ["SESSION_COOKIE_SECURE"]) if "SESSION_COOKIE_SECURE" in os.environ else None
    )
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session



class TestConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    RATELIMIT_ENABLED = True
    PASSWORD_HASH_FAST = True  # argon2 with low cost: tests sign in hundreds of times
    SCHEDULER_TIMEZONE = "Europe/Brussels"  # the tests of the schedules assume it, whatever the environment says
    REMINDER_AFTER_DAYS = 3
    # The tests' own session (factories, assertions) reads while the processes they start write; those
    # processes (scheduler, CLI, servers) and every request still begin as in production.
    SQLITE_BEGIN_OUTSIDE_REQUEST = "DEFERRED"
    MAIL_SEND_AFTER_RESPONSE = False  # as by default; the ``outbox`` fixture sends what is committed
    PUBLIC_URL = "http://localhost"  # the test client's own host: a link in a mail opens in the tests


def secure_cookies(app) -> None:
    """Cookies are Secure outside development and tests, unless SESSION_COOKIE_SECURE says otherwise."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config.get("ENV_NAME") not in ("development", "testing")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"


def public_url(app) -> None:
    """PUBLIC_URL without its trailing slash; outside production it defaults to the development server.
    In production an unset PUBLIC_URL is warned about: mail made by a request then links to the host the
    request came to, and mail made by a job or a command holds the path alone."""
    value = (app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not value and app.config.get("ENV_NAME") != "production":
        value = DEVELOPMENT_PUBLIC_URL
    if not value:
        app.logger.warning("PUBLIC_URL is not set: the links in mail sent by scheduled jobs will not be absolute.")
    app.config["PUBLIC_URL"] = value or None


def ensure_secret_key(app) -> None:
    """Use SECRET_KEY from the environment; outside production, make and keep one."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError("SECRET_KEY must be set in production (ILA_ENV=production).")
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.exists():
        app.config["SECRET_KEY"] = key_file.read_text().strip()
        return
    key = secrets.token_hex(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    app.config["SECRET_KEY"] = key
