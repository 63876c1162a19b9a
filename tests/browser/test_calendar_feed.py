"""The practitioner's calendar feed: the private address is shown once, right after it is
made (only its hash is stored), and a new address stops the old one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_the_feed_address_is_shown_once_and_a_new_one_stops_the_old(page: Page) -> None:
    log_in(page, "laege")
    page.goto("/feeds/")
    row = page.locator("tbody tr").first
    row.get_by_role("button", name="Opret kalenderabonnement").click()

    address = row.get_by_role("textbox", name="Abonnementsadresse")
    expect(address).to_be_visible()
    expect(row).to_contain_text("Kopiér adressen nu: den vises kun denne ene gang.")
    url = address.input_value()
    assert url.endswith(".ics")
    feed = page.request.get(url)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")

    # Shown once: on the next visit the feed is active, its address is not on the page.
    page.reload()
    expect(row.get_by_role("textbox")).to_have_count(0)
    expect(row).to_contain_text("Kalenderabonnementet er aktivt.")
    assert url not in page.content()

    row.get_by_role("button", name="Ny adresse").click()
    new_url = row.get_by_role("textbox", name="Abonnementsadresse").input_value()
    assert new_url != url
    assert page.request.get(url).status == 404
    assert page.request.get(new_url).status == 200
