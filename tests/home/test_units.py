"""Numbers on the home page carry their unit and the reader's decimal separator: '30,4 uur', '40 heures'."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from tests import factories


@pytest.mark.parametrize(("language", "hours", "shown"), [
    ("nl", "30.4", "30,4 uur per week"), ("fr", "40.0", "40 heures par semaine"), ("en", "38", "38 hours a week"),
])
def test_the_work_regime_shows_hours_with_their_unit(auth, client, language, hours, shown):
    employer = factories.employer("Bakkerij Thuis")
    user = factories.user("home@example.be", roles={employer: ["employee"]})
    user.language = language
    factories.employee(employer, user_id=user.id, hours_per_week=Decimal(hours), employment_pct=Decimal("80"))
    db.session.commit()
    auth.login(user)
    html = re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))
    assert f"80% · {shown}" in html
    assert "30.4" not in html and "40.0" not in html
