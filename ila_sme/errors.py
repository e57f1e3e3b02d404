"""Error pages: a full page for browsers, a short fragment for htmx requests."""

from __future__ import annotations

from flask import g, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
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


def init_app(app) -> None:
    if not event.contains(Session, "after_commit", _note_commit):
        event.listen(Session, "after_commit", _note_commit)

    def _render(code: int, message: str):
        if wants_fragment():  # only the message, out of band; the swapped region stays as it was
            return render_template("errors/fragment.html", message=message), code, {"HX-Reswap": "none"}
        return render_template("errors/page.html", code=code, message=message), code

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
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, _server_error_message())
