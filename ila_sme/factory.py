"""The composition root: ``create_app`` builds the app from the core and every feature.

This is the one module that imports every feature (their models for the schema, their views for the
blueprints, their command groups, and the modules whose signal receivers connect on import); nothing imports
it but the entry points (``app.py``, the tests, the scripts). ``tests/test_architecture.py`` keeps it so.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from ila_sme import errors, extensions, readonly, security, sqlite, static_files, tenancy, web
from ila_sme.accounts import models as _accounts_models  # noqa: F401 - every model: the schema is whole
from ila_sme.accounts.cli import users_cli
from ila_sme.accounts.views import bp as accounts_bp
from ila_sme.approvals.views import bp as approvals_bp
from ila_sme.audit import models as _audit_models  # noqa: F401
from ila_sme.audit.views import bp as audit_bp
from ila_sme.calendar import models as _calendar_models  # noqa: F401
from ila_sme.calendar.views import bp as calendar_bp
from ila_sme.config import Config, ensure_secret_key, public_url, secure_cookies
from ila_sme.credentials import models as _credentials_models  # noqa: F401
from ila_sme.credentials.cli import credentials_cli
from ila_sme.credentials.views import bp as credentials_bp
from ila_sme.demo.cli import demo_cli
from ila_sme.employers import models as _employers_models  # noqa: F401
from ila_sme.employers.views import bp as employers_bp
from ila_sme.funding import budget_views as _funding_budget_views  # noqa: F401 - routes on funding's blueprint
from ila_sme.funding import leave_request_part as _funding_leave_part  # noqa: F401 - on the leave request page
from ila_sme.funding import models as _funding_models  # noqa: F401
from ila_sme.funding import views as _funding_views  # noqa: F401 - routes on funding's blueprint
from ila_sme.funding.blueprint import bp as funding_bp
from ila_sme.funding.cli import contributions_cli
from ila_sme.home.views import bp as home_bp
from ila_sme.learning_accounts import models as _learning_accounts_models  # noqa: F401
from ila_sme.learning_accounts.cli import learning_accounts_cli
from ila_sme.learning_accounts.views import bp as learning_accounts_bp
from ila_sme.leave import assessment_views as _leave_assessment_views  # noqa: F401 - routes on leave's blueprint
from ila_sme.leave import assessments as _leave_assessments  # noqa: F401
from ila_sme.leave import entitlements as _leave_entitlements  # noqa: F401 - recomputes after a change (receivers)
from ila_sme.leave import jobs as _leave_jobs  # noqa: F401 - allocates a new employee's period (a receiver)
from ila_sme.leave import models as _leave_models  # noqa: F401
from ila_sme.leave.cli import leave_cli
from ila_sme.leave.views import bp as leave_bp
from ila_sme.mail import hooks as mail_hooks
from ila_sme.mail import models as _mail_models  # noqa: F401
from ila_sme.mail.cli import mail_cli
from ila_sme.notifications import models as _notifications_models  # noqa: F401
from ila_sme.notifications.views import bp as notifications_bp
from ila_sme.people import history as _people_history  # noqa: F401
from ila_sme.people import models as _people_models  # noqa: F401
from ila_sme.people.views import bp as people_bp
from ila_sme.reconciliation import models as _reconciliation_models  # noqa: F401
from ila_sme.reconciliation.cli import reconcile_command
from ila_sme.reconciliation.views import bp as reconciliation_bp
from ila_sme.refunds import models as _refunds_models  # noqa: F401
from ila_sme.refunds.views import bp as refunds_bp
from ila_sme.register.cli import ledger_cli
from ila_sme.scheduler import models as _scheduler_models  # noqa: F401
from ila_sme.scheduler.cli import scheduler_cli
from ila_sme.scheduler.views import bp as scheduler_bp
from ila_sme.schemes import models as _schemes_models  # noqa: F401
from ila_sme.schemes import services as _schemes_services  # noqa: F401 - a new employer's default leave types
from ila_sme.schemes.cli import schemes_cli
from ila_sme.schemes.views import bp as schemes_bp
from ila_sme.statements import models as _statements_models  # noqa: F401
from ila_sme.statements.cli import export_cli, periods_cli
from ila_sme.statements.views import bp as statements_bp
from ila_sme.trainings import models as _trainings_models  # noqa: F401
from ila_sme.trainings import sync_models as _registry_sync_models  # noqa: F401
from ila_sme.trainings.cli import registry_cli
from ila_sme.trainings.views import bp as trainings_bp
from ila_sme.worktime import models as _worktime_models  # noqa: F401
from ila_sme.worktime.views import bp as worktime_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (accounts_bp, home_bp, people_bp, employers_bp, audit_bp, leave_bp, approvals_bp, calendar_bp,
              notifications_bp, schemes_bp, trainings_bp, refunds_bp, funding_bp, learning_accounts_bp,
              reconciliation_bp, scheduler_bp, credentials_bp, statements_bp, worktime_bp)
COMMANDS = (users_cli, demo_cli, leave_cli, schemes_cli, learning_accounts_cli, registry_cli, ledger_cli,
            contributions_cli, reconcile_command, scheduler_cli, credentials_cli, export_cli, periods_cli, mail_cli)


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(
        "ila_sme",
        instance_path=os.environ.get("ILA_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _configure(app, config)
    extensions.db.init_app(app)
    sqlite.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PROJECT_ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.htmx.init_app(app)
    extensions.limiter.init_app(app)
    extensions.babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    extensions.compress.init_app(app)
    readonly.init_app(app)
    mail_hooks.init_app(app)
    tenancy.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    return app


def _configure(app: Flask, config) -> None:
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'ila_sme.sqlite3'}"
    if not app.config.get("MAIL_OUTBOX"):
        app.config["MAIL_OUTBOX"] = str(Path(app.instance_path) / "outbox")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    ensure_secret_key(app)
    secure_cookies(app)
    public_url(app)
