"""Links that are read away from the page that made them: in a mail, a notification, a calendar feed.

One way to build them, so that a link is the same whether a request, a job or a command made it: the full
URL when Flask can build one (inside a request, or with SERVER_NAME set); outside a request without
SERVER_NAME (the scheduler, the CLI, the demo seed) the path alone, which still works inside the app."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The link to ``endpoint``; raises werkzeug's BuildError when the app has no such endpoint."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)
