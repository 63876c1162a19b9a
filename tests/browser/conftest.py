"""Browser fixtures: one headless Chromium per session, a fresh context per test.

The app runs in pytest-django's live server (a thread of this process), so the test database
is shared: on SQLite the in-memory database's connection is handed to the server thread, on
PostgreSQL both sides use the same test database. `live_server` makes every test
transactional, so rows written here are visible to the server and the other way round.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
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
    """The demo clinic with two patients per unit; every demo user's password is klinik-demo.

    Loaded once per test process and copied back for each later test (the flush after each
    test empties the database): loading it takes seconds, copying it back a fraction of one."""
    if _DEMO_SNAPSHOT:
        _demo_restore()
        return
    demo_load(patients_per_unit=2, records_per_unit=6)
    _demo_snapshot()


# The loaded demo of this test process: a SQLite database in memory, or on PostgreSQL the names
# of the tables copied into the schema below.
_DEMO_SNAPSHOT: dict[str, Any] = {}
_SNAPSHOT_SCHEMA = "klinik_demo_snapshot"


def _demo_snapshot() -> None:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        _DEMO_SNAPSHOT["sqlite"] = copy
        return
    tables = [t for t in connection.introspection.django_table_names() if t != "django_migrations"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {_SNAPSHOT_SCHEMA}")
        kept = []
        for table in map(connection.ops.quote_name, tables):
            # The names are the models' own tables, not input.
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608
            if cursor.fetchone()[0]:
                cursor.execute(f"CREATE TABLE {_SNAPSHOT_SCHEMA}.{table} AS TABLE {table}")
                kept.append(table)
    _DEMO_SNAPSHOT["tables"] = kept
    _DEMO_SNAPSHOT["models"] = [
        model
        for model in apps.get_models(include_auto_created=True)
        if connection.ops.quote_name(model._meta.db_table) in kept
    ]
    _DEMO_SNAPSHOT["all"] = list(map(connection.ops.quote_name, tables))


def _demo_restore() -> None:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        _DEMO_SNAPSHOT["sqlite"].backup(connection.connection)
        return
    # Foreign keys are deferred (Django makes them DEFERRABLE INITIALLY DEFERRED), so the tables
    # can be emptied and filled in any order inside one transaction; then the id sequences of the
    # filled tables move past their rows. The flush left the tables empty but for what its
    # post_migrate handlers loaded again (catalogues): those rows make way for the snapshot's.
    tables: list[str] = _DEMO_SNAPSHOT["tables"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {table})"  # noqa: S608
                for i, table in enumerate(_DEMO_SNAPSHOT["all"])
            )
        )
        for (i,) in cursor.fetchall():
            cursor.execute(f"DELETE FROM {_DEMO_SNAPSHOT['all'][i]}")  # noqa: S608
        for table in tables:
            cursor.execute(f"INSERT INTO {table} TABLE {_SNAPSHOT_SCHEMA}.{table}")
        resets = connection.ops.sequence_reset_sql(no_style(), _DEMO_SNAPSHOT["models"])
        cursor.execute("SELECT " + ", ".join(f"({r.removesuffix(';')})" for r in resets))
