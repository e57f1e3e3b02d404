"""An admin invites a new employee; she follows the link in the mail and signs in."""

from __future__ import annotations

import re

from tests.browser._support import menu, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402

NEW_NAME = "Nora Nieuw"
NEW_EMAIL = "nora@example.be"
NEW_PASSWORD = "nora kiest een wachtwoord"


def _invitation_link(live_server) -> str:
    mail = live_server.mail_to(NEW_EMAIL)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(live_server.url) + r"/invitations/[\w.-]+", body)
    assert match, f"no invitation link to {live_server.url} in the mail:\n{body}"
    return match.group(0)


def test_admin_invites_and_new_user_accepts(page, new_context, live_server, sign_in):
    sign_in(page, "admin")
    page.goto(f"{live_server.url}/people/invite")
    form = page.locator("main form")
    form.get_by_label("Name").fill(NEW_NAME)
    form.get_by_label("E-mail").fill(NEW_EMAIL)
    form.get_by_label("Role").select_option("employee")
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/people")
    expect(page.locator("#flashes .flash-success")).to_have_text(f"An invitation was sent to {NEW_EMAIL}.")
    expect(page.locator("main")).to_contain_text(NEW_EMAIL)  # under "Open invitations"

    link = _invitation_link(live_server)

    # The invitee: another browser, no cookies.
    nora = new_context().new_page()
    nora.goto(link)
    expect(nora.locator("main")).to_contain_text(NEW_EMAIL)
    invite_form = nora.locator("main form")
    expect(invite_form.get_by_label("Your name")).to_have_value(NEW_NAME)
    invite_form.get_by_label("Your name").fill(NEW_NAME)
    invite_form.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    invite_form.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    invite_form.locator("button[type=submit]").click()

    expect(nora).to_have_url(f"{live_server.url}/")
    expect(nora.locator("main h1")).to_contain_text(NEW_NAME)
    expect(nora.locator("header .user-name")).to_have_text(NEW_NAME)
    expect(nora.locator("main")).to_contain_text(live_server.employer_name)

    # The link works once.
    used = nora.context.new_page()
    response = used.goto(link)
    assert response is not None and response.status == 410
    used.close()

    # Sign out, and in again with the password she chose.
    menu(nora)  # on a phone the sign-out button is folded behind the menu button with the rest of the toolbar
    nora.locator('header form[action="/logout"] button[type=submit]').click()
    expect(nora).to_have_url(f"{live_server.url}/login")
    expect(nora.locator("header .user-name")).to_have_count(0)
    sign_in(nora, email=NEW_EMAIL, password=NEW_PASSWORD)
    expect(nora.locator("main h1")).to_contain_text(NEW_NAME)
    expect(nora.locator("header .user-name")).to_have_text(NEW_NAME)
