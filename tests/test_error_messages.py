"""The 500 page says "nothing was saved" only when it knows: not after the request committed something."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.factory import create_app
from tests.conftest import settings

NOTHING_SAVED = "Something went wrong on our side. Nothing was saved; please try again."
MAYBE_SAVED = ("Something went wrong on our side. Your change may have been saved: "
               "reload the page and check before trying again.")


@pytest.fixture
def live_app(app):
    """The app as in production (its own handler for unexpected errors), on the test's database."""
    live = create_app(settings(TESTING=False, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False,
                               SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))

    def commit_then_fail():
        record("test.committed")
        db.session.commit()
        raise RuntimeError("after the commit")

    def fail_before_any_commit():
        record("test.never_committed")
        raise RuntimeError("before any commit")

    live.add_url_rule("/commit-then-fail", "commit_then_fail", commit_then_fail, methods=["POST"])
    live.add_url_rule("/fail", "fail", fail_before_any_commit, methods=["POST"])
    yield live
    with live.app_context():
        db.session.remove()
        db.engine.dispose()


def _count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_after_a_commit_the_page_does_not_claim_nothing_was_saved(live_app, headers):
    response = live_app.test_client().post("/commit-then-fail", headers={"Accept-Language": "en", **headers})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert MAYBE_SAVED in html and "Nothing was saved" not in html
    assert _count("test.committed") == 1  # it was indeed saved


def test_without_a_commit_the_page_says_nothing_was_saved(live_app):
    client = live_app.test_client()
    client.post("/commit-then-fail", headers={"Accept-Language": "en"})  # an earlier request's commit is not this one's
    response = client.post("/fail", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert NOTHING_SAVED in response.get_data(as_text=True)
    assert _count("test.never_committed") == 0
