"""Every role signs in, switches the interface to Dutch and sees its own home page."""

from __future__ import annotations

import re

import pytest

from tests.browser._support import TRANSLATIONS, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402

NL_CATALOG = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.po"

# Which home sections and nav links each role gets (templates/home/index.html, templates/base.html).
SECTIONS = {
    "employee": {"employee-home"},
    "manager": {"manager-home"},
    "accountant": {"accountant-home"},
    "admin": {"manager-home"},
}
ALL_SECTIONS = {"employee-home", "manager-home", "accountant-home"}
SEES_PEOPLE = {"manager", "admin"}
SEES_AUDIT = {"admin"}


def _switch_to_dutch(page) -> None:
    page.locator("#language-switch").get_by_role("button", name="NL", exact=True).click()
    # The button of the current language is marked pressed once the new page is in.
    expect(page.locator('#language-switch button[value="nl"]')).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("role", ["employee", "manager", "accountant", "admin"])
def test_role_signs_in_and_reads_home_in_dutch(page, live_server, sign_in, compiled_catalogs, role):
    user = live_server.users[role]
    sign_in(page, role)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text(f"Welcome, {user.name}")

    _switch_to_dutch(page)
    expect(page).to_have_url(f"{live_server.url}/")
    # The choice is kept (session and profile): a full load of the page is Dutch from the top.
    # (The in-place htmx swap leaves <html lang> behind: see test_language_switch_updates_html_lang.)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    header_nav = page.locator("header nav")
    people_link = header_nav.locator('a[href="/people"]')
    audit_link = header_nav.locator('a[href="/audit"]')
    expect(people_link).to_have_count(1 if role in SEES_PEOPLE else 0)
    expect(audit_link).to_have_count(1 if role in SEES_AUDIT else 0)
    for section in ALL_SECTIONS:
        expect(page.locator(f'section[aria-labelledby="{section}"]')).to_have_count(
            1 if section in SECTIONS[role] else 0
        )
    expect(page.locator("main")).to_contain_text(live_server.employer_name)

    # Dutch text needs ila_sme/translations/nl/LC_MESSAGES/messages.po (compiled by the session fixture).
    assert "nl" in compiled_catalogs, f"{NL_CATALOG} does not exist (yet): no Dutch translation to check"
    expect(page.locator("main h1")).to_have_text(f"Welkom, {user.name}")
    if role in SEES_PEOPLE:
        expect(people_link).to_have_text("Personeel")
        expect(header_nav.get_by_role("link", name="Personeel", exact=True)).to_be_visible()
    else:
        expect(header_nav.get_by_role("link", name="Personeel", exact=True)).to_have_count(0)


HTML_LANG_BUG = (
    "known app bug: the language form is hx-boosted and htmx swaps only <body>, so <html lang> keeps the "
    "old language until a full page load (templates/base.html, #language-switch)"
)


def test_language_switch_updates_html_lang(page, live_server, sign_in):
    """xfails (only at the last step) while the bug is there; a plain regression test once it is fixed."""
    sign_in(page, "employee")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _switch_to_dutch(page)
    try:
        expect(page.locator("html")).to_have_attribute("lang", "nl", timeout=2_000)
    except AssertionError:
        pytest.xfail(HTML_LANG_BUG)


def test_language_switch_before_sign_in(page, live_server):
    """Anonymous visitors can switch too; the login page then is Dutch, and so is <html lang> after a load."""
    page.goto(f"{live_server.url}/login")
    _switch_to_dutch(page)
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/login")))
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
