"""Shared by the browser tests: where Chromium is, and how to skip when it is not there.

The skip lives in each test module (a module-level ``pytest.skip`` in a conftest that pytest loads
as an initial conftest, e.g. ``pytest tests/browser``, aborts the whole run instead of skipping).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ila_sme.factory import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "ila_sme" / "translations"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    path = Path(CHROMIUM_PATH)
    return path.is_file() and os.access(path, os.X_OK)


def skip_without_chromium() -> None:
    """Call at module level in every browser test module."""
    if not chromium_available():
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}: browser tests skipped", allow_module_level=True)


def sign_in(page, server, role: str) -> None:
    """Sign in through the real form as the seeded user of ``role`` and wait for the home page."""
    from playwright.sync_api import expect

    user = server.users[role]
    page.goto(f"{server.url}/login")
    page.fill("#email", user.email)
    page.fill("#password", user.password)
    page.locator("#main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(user.name)


def fill_training_leave(page, server, training_title: str) -> None:
    """Open the leave form and ask 3 days × 8 h of Flemish training leave for a registry training."""
    import re

    page.goto(f"{server.url}/leave/new")
    page.select_option("#leave_type_id", label="Training · Flemish training leave (VOV)")
    page.fill("#q", "Boekhouden")
    page.get_by_role("radio", name=re.compile(training_title)).check()
    page.fill("#start_date", "2026-03-03")
    page.fill("#end_date", "2026-03-05")
    page.fill("#hours_per_day", "8")


def menu(page):
    """The main menu, unfolded first on a phone (where it hides behind the Menu button)."""
    button = page.locator("label.menu-button")
    if button.is_visible() and not page.locator("#menu-toggle").is_checked():
        button.click()
    return page.locator("nav")
