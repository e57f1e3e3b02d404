"""Every page of every demo login fits a phone: at 390 × 844 no page scrolls sideways
(``document.documentElement.scrollWidth <= window.innerWidth``).

The demo is seeded once for the module (``flask demo seed``, the development register answering) and served by
werkzeug in a thread; the pages are the crawl of tests/support/crawl.py (the menu, the home page's links and
their links, one level deep), found with the test client and then opened in Chromium, one browser context per
login, signed in through the real form. Each page is saved as a PNG (the viewport, the way a phone shows it
first) under ``$SCREENSHOT_DIR/<login>/`` for the review of a change (default: pytest's temporary folder,
printed at the end). The test asserts once, with every page that overflows, by how many pixels and which
elements stick out.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser._support import skip_without_chromium
from tests.support.crawl import NAMES, crawl, demo_logins, seeded_demo, signed_in_client

skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402

from ila_sme.demo.data import DEMO_PASSWORD, EMPLOYERS  # noqa: E402

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000

# What overflows, and where it starts: the elements sticking out past the right edge whose parent does not.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = (el) => el.getBoundingClientRect().right > width + 0.5;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const culprits = [...document.body.querySelectorAll('*')]
      .filter((el) => out(el) && el.getClientRects().length && !(el.parentElement && out(el.parentElement)))
      .slice(0, 4).map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`);
  return {scroll: document.documentElement.scrollWidth, inner: width, culprits};
}"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # a line per request would bury the failure's list
        pass


@pytest.fixture(scope="module")
def demo(tmp_path_factory, compiled_catalogs):
    """The seeded demo, served on a free port: (app, base URL)."""
    with seeded_demo(tmp_path_factory.mktemp("demo")) as app:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    folder = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else \
        tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page, url: str, login) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", login.email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("#main button[type=submit]").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.locator("body > header")).to_contain_text(NAMES[login.email])
    employer = next(spec["name"] for spec in EMPLOYERS if spec["key"] == login.employer_key)
    switch = page.locator("#employer-switch")
    if switch.count():  # Koen serves two employers: the crawl visits each
        if not switch.is_visible():  # on a phone the toolbar is folded behind the menu button, as a person sees it
            page.locator("label.menu-button").click()
        switch.locator("select").select_option(label=employer)
        switch.locator("button[type=submit]").click()
        expect(switch.locator("select option:checked")).to_have_text(employer)


def _file_name(index: int, url: str) -> str:
    return f"{index:03d}-{re.sub(r'[^A-Za-z0-9]+', '-', url).strip('-') or 'home'}.png"


@pytest.mark.slow  # about 220 pages: 3 min on the loaded 2-core machine
def test_no_page_of_any_role_scrolls_sideways_on_a_phone(demo, browser, screenshot_dir):
    app, url = demo
    overflowing, visited = [], 0
    for login in demo_logins():
        pages = crawl(app, signed_in_client(app, login), login).ok
        context = browser.new_context(viewport=PHONE, locale="nl-BE")
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            _sign_in(page, url, login)
            folder = screenshot_dir / login.label
            folder.mkdir(exist_ok=True)
            for index, found in enumerate(pages):
                page.goto(url + found.url, wait_until="load")
                measured = page.evaluate(OVERFLOW)
                page.screenshot(path=folder / _file_name(index, found.url))
                visited += 1
                wider = measured["scroll"] - measured["inner"]
                if wider > 0:
                    overflowing.append(f"  {login.label:16} {found.url}: {measured['scroll']} px wide (+{wider}): "
                                       + ", ".join(measured["culprits"]))
        finally:
            context.close()
    print(f"\n{visited} pages at 390 px; screenshots in {screenshot_dir}")
    assert visited > 100, f"the crawl found only {visited} pages"
    assert not overflowing, (f"{len(overflowing)} of {visited} pages are wider than the 390 px phone "
                             f"(screenshots in {screenshot_dir}):\n" + "\n".join(overflowing))
