"""Browser fixtures: one headless Chromium per session, a fresh context per test.

The app runs in pytest-django's live server (a thread of this process), so the test database
is shared: on SQLite the in-memory database's connection is handed to the server thread, on
PostgreSQL both sides use the same test database. `live_server` makes every test
transactional, so rows written here are visible to the server and the other way round.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from klinik.demo.clinic import demo_load

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A broken page should fail in seconds. Navigation gets more room: a login hashes a password.
TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (install Debian's chromium package)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"Browser tests cannot run in CI: {message}")
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # ORM calls from a thread with a running loop. The calls here are synchronous anyway.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _no_favicon(route: Route) -> None:
    route.fulfill(status=204)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # An English browser on purpose: clinics' PCs often run English Windows, and Klinik
    # answers in Danish until the user chooses otherwise.
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Europe/Copenhagen"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    # The browser's own favicon request reaches the database through the session middleware,
    # and on SQLite the live server's threads share one connection: keep stray requests off.
    context.route("**/favicon.ico", _no_favicon)
    yield context
    context.close()
    _requests_finish()


def _requests_finish(seconds: float = 5.0) -> None:
    """Let the live server finish the requests the closed browser left in flight (an autosave,
    a poll): the database is flushed after the test, and a request still writing meanwhile
    deadlocks the flush on PostgreSQL."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.02)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The demo clinic with two patients per unit; every demo user's password is klinik-demo."""
    demo_load(patients_per_unit=2, records_per_unit=6)
