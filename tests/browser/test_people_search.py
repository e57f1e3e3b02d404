"""The people search updates the results table through htmx, without a page load."""

from __future__ import annotations

import re

from tests.browser._support import skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402


def _is_search_request(response) -> bool:
    request = response.request
    # Posted: what is typed (a national number too) is never in a URL, the history or an access log.
    return (request.method == "POST" and response.url.endswith("/people") and "?" not in response.url
            and request.headers.get("hx-request") == "true")


def test_manager_searches_people_without_page_load(page, live_server, sign_in):
    sign_in(page, "manager")
    page.goto(f"{live_server.url}/people")
    results = page.locator("#people-results")
    for name in live_server.staff:
        expect(results).to_contain_text(name)

    page.evaluate("window.__samePage = true")  # lost on any full page load
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    with page.expect_response(_is_search_request) as search:
        page.get_by_role("searchbox").press_sequentially("peet", delay=30)
    response = search.value
    assert response.ok
    assert "<html" not in response.text(), "the search answered a whole page, not the results fragment"

    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Piet Peeters")
    expect(results).not_to_contain_text("Jan Janssens")
    expect(results).not_to_contain_text("Sofie Smet")
    expect(page).to_have_url(re.compile(r"/people$"))  # nothing typed goes into the address
    assert page.evaluate("window.__samePage === true")
    assert loads == []
    expect(page.locator("main h1")).to_have_count(1)  # the rest of the page is untouched

    # A search for nobody says so.
    with page.expect_response(_is_search_request):
        page.get_by_role("searchbox").fill("zzz")
    expect(results.locator("tbody tr")).to_have_count(0)
    expect(results).to_contain_text("zzz")
    assert page.evaluate("window.__samePage === true")
