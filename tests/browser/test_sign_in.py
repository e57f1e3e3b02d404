"""Sign-in failures must be visible in the browser, not only to the test client."""

from __future__ import annotations

import pytest

from tests.browser._support import skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402

LOGIN_ERROR_BUG = (
    "known app bug: the login form is hx-boosted and a failed sign-in answers 401; htmx 2 does not swap 4xx "
    "responses by default, so the error message never appears (ila_sme/accounts/views.py login)"
)


def test_wrong_password_shows_an_error(page, live_server):
    """xfails (only at the last step) while the bug is there; a plain regression test once it is fixed."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(live_server.users["employee"].email)
    page.get_by_label("Password").fill("not the password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.locator("main form button[type=submit]").click()
    assert answer.value.status == 401
    try:
        expect(page.locator("main .field-error")).to_have_text("E-mail or password is incorrect.", timeout=2_000)
    except AssertionError:
        pytest.xfail(LOGIN_ERROR_BUG)
