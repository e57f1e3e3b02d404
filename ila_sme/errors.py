"""Error pages: a full page for browsers, a short fragment for htmx requests."""

from __future__ import annotations

from flask import g, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from ila_sme.extensions import db
from ila_sme.web import wants_fragment


def _messages():
    return {
        400: _("The request could not be understood."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist, or you have no access to it."),
        401: _("Please sign in first."),
        405: _("This action is not available here."),
        410: _("This link is no longer valid."),
        413: _("The file is too large."),
        429: _("Too many attempts. Wait a few minutes and try again."),
        500: _("Something went wrong on our side. Nothing was saved; please try again."),
    }


def _note_commit(session) -> None:
    if has_request_context():
        g.ila_committed = True


def _server_error_message() -> str:
    """Say "nothing was saved" only when this request committed nothing before it failed."""
    if g.get("ila_committed"):
        return _("Something went wrong on our side. Your change may have been saved: "
                 "reload the page and check before trying again.")
    return _messages()[500]


def _reset_session() -> None:
    """Roll back; a session an error left unusable (e.g. one raised in an after-commit hook) is dropped."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the error handler must never raise
        db.session.remove()


def _bare_page(code: int, message: str) -> str:
    """The error page without the layout (whose context needs the database): what is left when that fails."""
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{code}</title></head>"
            f"<body><main><h1>{escape(message)}</h1><p><a href=\"/\">/</a></p></main></body></html>")


def init_app(app) -> None:
    if not event.contains(Session, "after_commit", _note_commit):
        event.listen(Session, "after_commit", _note_commit)

    def _render(code: int, message: str):
        try:
            if wants_fragment():  # only the message, out of band; the swapped region stays as it was
                return render_template("errors/fragment.html", message=message), code, {"HX-Reswap": "none"}
            return render_template("errors/page.html", code=code, message=message), code
        except Exception:  # noqa: BLE001 - the page itself failed (e.g. the database): the bare page, never a crash
            app.logger.exception("the error page could not be rendered; answering with the bare page")
            _reset_session()
            return _bare_page(code, message), code, {"Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return _render(400, _("Your session expired or the form was sent twice. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error):
        code = error.code or 500
        if code >= 500:
            return _render(code, _server_error_message())
        return _render(code, _messages().get(code, _messages()[400]))

    if app.testing:
        return  # tests see the real exception

    @app.errorhandler(Exception)
    def _unexpected(error):
        _reset_session()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, _server_error_message())
