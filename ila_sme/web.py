"""The web layer shared by every feature: locale, fragments vs pages, Jinja filters and globals."""

from __future__ import annotations

from flask import current_app, get_flashed_messages, has_request_context, render_template, request, session
from flask_babel import get_locale, ngettext
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ila_sme import permissions
from ila_sme.dates import format_day, format_moment
from ila_sme.forms import IdConverter
from ila_sme.identifiers import format_kbo
from ila_sme.locales import format_number
from ila_sme.money import format_money
from ila_sme.roles import ROLE_LABELS
from ila_sme.tenancy import current_employer_or_none

BABEL_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_BE"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and scheduled jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    employer = current_employer_or_none()
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    if employer is not None and employer.default_language in languages:
        return employer.default_language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def babel_locale() -> str:
    """The reader's locale for numbers ('nl_BE'). Formatting with it costs no parsing: ila_sme/locales.py keeps
    each ``Locale`` once per process, and Flask-Babel keeps the request's choice (``get_locale``) once per request."""
    language = str(get_locale())
    return BABEL_LOCALES.get(language, language)


def wants_fragment() -> bool:
    """An htmx request that swaps a region (a boosted link wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def render(template: str, block: str | None = None, **context) -> str:
    """The whole page, or for an htmx request only ``block`` of it plus out-of-band flashes."""
    if block and wants_fragment():
        html = render_block(template, block, **context)
        if session.get("_flashes"):
            html += render_template("_partials/flashes.html", oob=True)
        return html
    return render_template(template, **context)


def format_quantity(amount, unit) -> str:
    """Days or hours in the user's locale: '3,33 dagen', '100 uur'."""
    number = format_number(amount, "#,##0.##", babel_locale())
    if unit == "days":
        return ngettext("%(amount)s day", "%(amount)s days", 1 if abs(amount) == 1 else 2, amount=number)
    return ngettext("%(amount)s hour", "%(amount)s hours", 1 if abs(amount) == 1 else 2, amount=number)


def format_hours(amount) -> str:
    """Hours with their unit in the reader's language: '30,4 uur', '40 heures', '7.5 hours' never '40.0'."""
    return format_quantity(amount, "hours")


def language() -> str:
    """The reader's language as dates are written ('nl', 'fr', 'en'); numbers use ``babel_locale``."""
    return str(get_locale())


def day_filter(value, fmt: str = "medium") -> str:
    return format_day(value, language(), fmt)


def moment_filter(value, fmt: str = "short") -> str:
    return format_moment(value, language(), fmt)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints: every <int:…> holds an id, or 404
    app.jinja_env.filters["money"] = lambda amount, currency="EUR": format_money(amount, babel_locale(), currency)
    # Every date and moment a page shows goes through ila_sme/dates.py: Brussels time, no ambiguous English
    # short date. Flask-Babel's own filters are pointed there too, so no template can bypass it.
    app.jinja_env.filters["date"] = app.jinja_env.filters["dateformat"] = day_filter
    app.jinja_env.filters["datetime"] = app.jinja_env.filters["datetimeformat"] = moment_filter
    app.jinja_env.globals["moment"] = moment_filter
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["kbo"] = format_kbo
    app.jinja_env.filters["quantity"] = format_quantity
    app.jinja_env.globals.update(permissions.PREDICATES)
    app.jinja_env.globals["get_flashed_messages"] = get_flashed_messages
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)

    @app.context_processor
    def _web_context():
        return {"current_language": str(get_locale()), "languages": app.config["LANGUAGES"]}

    @app.after_request
    def _vary_on_htmx(response):
        response.vary.add("HX-Request")
        return response
