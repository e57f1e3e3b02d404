"""Today's date for views and jobs. Services never call this: they take ``today`` as an argument.

``TODAY`` in the configuration pins it (the demo and the browser tests use a fixed date).
"""

from __future__ import annotations

from datetime import date

from flask import current_app


def today() -> date:
    pinned = current_app.config.get("TODAY")
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned))
    return date.today()
