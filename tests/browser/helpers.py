"""Steps shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from klinik.demo.clinic import DEMO_PASSWORD

# A PDF is rendered by the server (WeasyPrint loads its fonts on a process's first document):
# its download gets more room than the five seconds of a click.
PDF_TIMEOUT_MS = 15_000


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form and wait for the dashboard."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    # app.js is deferred: keyboard shortcuts and auto-submitting selects work after load.
    page.wait_for_load_state("load")


def log_out(page: Page) -> None:
    page.locator("nav.usermenu form[action='/logout/'] button").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
