"""The 500 handler never crashes, even when the error left the session unusable (issue 11: a mail sent in an
after-commit hook raised, the handler's rollback raised again, and so did the error page's own queries)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from ila_sme.config import TestConfig
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.factory import create_app
from tests import factories

MESSAGE = "Something went wrong on our side."


@pytest.fixture
def live_app(tmp_path):
    """The app as in production: its own error handlers, not the test's exceptions."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False,
                  SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'errors.sqlite3'}",
                  MAIL_OUTBOX=str(tmp_path / "outbox"))
    app = create_app(config)

    def commit_then_fail_after_commit():
        """What the old ``send_after_commit`` did: the change commits, then a hook raises."""
        db.session.add(Employer(name="Bakkerij Na Commit", enterprise_number="0403170701"))

        def fail(session):
            event.remove(db.session, "after_commit", fail)
            raise ValueError("Header values may not contain linefeed or carriage return characters")

        event.listen(db.session, "after_commit", fail)
        db.session.commit()
        return "not reached"

    app.add_url_rule("/boom", "boom", commit_then_fail_after_commit, methods=["POST"])
    with app.app_context():
        db.create_all()
        employer = factories.employer("Bakkerij Fout", default_language="en")
        factories.user("ada@example.be", roles={employer: "admin"}, name="Ada Admin")
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_an_error_raised_after_the_commit_gets_the_error_page_not_a_crash(live_app, headers):
    client = live_app.test_client()
    signed_in = client.post("/login", data={"email": "ada@example.be", "password": factories.PASSWORD})
    assert signed_in.status_code == 302  # signed in: the page's layout asks the database for the badges

    response = client.post("/boom", headers=headers)  # the old handler raised InvalidRequestError here
    assert response.status_code == 500
    assert MESSAGE in response.get_data(as_text=True)

    with live_app.app_context():  # the change committed before the hook failed, and the app goes on
        assert db.session.scalar(select(func.count()).select_from(Employer)
                                 .where(Employer.name == "Bakkerij Na Commit")) == 1
    assert client.get("/").status_code == 200
