"""Flask extensions, created unbound and initialised in create_app (SQLite's tuning: ila_sme/sqlite.py)."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData

# Stable constraint names, so that Alembic migrations agree on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# expire_on_commit stays True, chosen, not defaulted: a commit ends what this request knows, so whatever is read
# after it comes from the database (another worker may have changed the row in between; a job that commits per
# employer must not carry stale rows into the next). What it costs is confined: a GET never commits (ila_sme/readonly
# .py), so no page re-reads its objects one by one; a decision, which answers with the rows it has just written and
# locked, commits with commit_keeping_loaded() below instead of reading each back. False everywhere would make every
# post-commit read silently stale.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"expire_on_commit": True})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()
compress = Compress()  # HTML pages and fragments, when the client accepts it (config: COMPRESS_*)
limiter = Limiter(key_func=get_remote_address, default_limits=[])



def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: a view that answers with the rows it just changed
    renders them as written instead of reading each back (the session's default, expire on commit, stays)."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous
