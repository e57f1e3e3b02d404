"""Links that are read away from the page that made them: in a mail, a notification, a calendar feed.

One way to build them, so that a link is the same whether a request, a job or a command made it: PUBLIC_URL
(config) joined with the endpoint's path, e.g. ``https://ila.example.be/funding/requests``. Without
PUBLIC_URL (production, misconfigured: warned at start-up) the full URL of the request's host inside a
request, and the path alone outside one."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The full link to ``endpoint``; raises werkzeug's BuildError when the app has no such endpoint."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        return adapter.build(endpoint, values, force_external=True)
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def local_path(link: str | None) -> str | None:
    """The path (and query) of a link made by ``absolute_url``: what a page of the app links to."""
    if not link:
        return link
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else link
