"""The team calendar of training leave and the private iCalendar feeds."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import dates, paging, permissions
from ila_sme.calendar import services
from ila_sme.extensions import db
from ila_sme.people.forms import EmptyForm
from ila_sme.readonly import writes_on_get
from ila_sme.tenancy import current_employer
from ila_sme.urls import absolute_url
from ila_sme.web import render

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _members_only():
    permissions.require(permissions.can_view_calendar(current_user, current_employer()))


@bp.get("")
@login_required
def month():
    employer = current_employer()
    _members_only()
    today = dates.today()
    first = services.parse_month(request.args.get("month"), today)
    grid = services.month_grid(employer, first, today, start=paging.start_arg())
    people = grid.people
    return render("calendar/month.html", "calendar", grid=grid, this_month=services.month_label(today),
                  here=url_for("calendar.month", month=grid.label, **({paging.START_ARG: people.start}
                                                                       if people.start else {})),
                  next_people=people.next_url("calendar.month", month=grid.label),
                  previous_people=people.previous_url("calendar.month", month=grid.label))


@bp.get("/feeds")
@login_required
def feeds():
    employer = current_employer()
    _members_only()
    return render("calendar/feeds.html", feed=services.active_feed(current_user, employer), feed_url=None,
                  action_form=EmptyForm())


@bp.post("/feeds/new")
@login_required
def create_feed():
    employer = current_employer()
    _members_only()
    if not EmptyForm().validate_on_submit():
        abort(400)
    feed, token = services.create_feed(actor=current_user, employer=employer)
    db.session.commit()
    # Shown this once: only the token's hash is kept, so the page is not cached anywhere either.
    response = make_response(render("calendar/feeds.html", feed=feed, action_form=EmptyForm(),
                                    feed_url=absolute_url("calendar.feed", token=token)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["HX-Push-Url"] = url_for("calendar.feeds")  # a reload must not post again
    return response


@bp.post("/feeds/revoke")
@login_required
def revoke_feed():
    employer = current_employer()
    _members_only()
    if EmptyForm().validate_on_submit() and services.revoke_feed(actor=current_user, employer=employer):
        db.session.commit()
        flash(_("Your calendar feed was revoked: calendars subscribed to it get nothing more."), "success")
    return redirect(url_for("calendar.feeds"))


@bp.get("/feed/<token>.ics")
@writes_on_get("calendar apps can only GET: the fetch records when the feed was last read, shown on the feeds page")
def feed(token: str):
    """No sign-in: the secret token is the credential. Unknown and revoked tokens get the same 404."""
    live = services.feed_for_token(token)
    if live is None:  # plain text for calendar apps; the page would echo the token back
        return Response("Not found\n", 404, {"Cache-Control": "no-store"}, mimetype="text/plain")
    body = services.build_ics(live, services.feed_requests(live.user, live.employer))
    services.mark_used(live.feed)
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="training-leave.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
