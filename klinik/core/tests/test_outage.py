"""While the database cannot be reached: a calm 503, HTML for pages and JSON for the API
(issue 10). In process, with the database failing on cue at each place a request can meet
it; test_outage_server.py takes a real PostgreSQL away from a real server."""

from __future__ import annotations

import json
import logging
import sqlite3

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.db import database_unavailable
from klinik.core.logging import JsonFormatter


def _error(cause: Exception) -> OperationalError:
    """Django's error for a driver's, as its wrapper raises it."""
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


def _raise(*_: object, **__: object) -> None:
    raise _error(REFUSED)


@pytest.fixture
def api(world):
    _, token = api_token_create(user=world.member(Role.SECRETARY).user, organisation=world.org_a)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def quiet_client() -> Client:
    """Answers as a browser gets them, instead of raising the server's errors in the test."""
    return Client(raise_request_exception=False)


def test_unreachable_database_at_the_start_gives_pages_a_danish_503(db, client, monkeypatch):
    monkeypatch.setattr("klinik.core.outage.database_connect", _raise)
    response = client.get("/login/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "Klinik kan ikke nå databasen lige nu" in body
    assert 'lang="da"' in body
    assert response["Retry-After"] == "15"
    assert response["Cache-Control"] == "no-store"


def test_unreachable_database_at_the_start_gives_the_api_a_json_503(world, client, monkeypatch):
    monkeypatch.setattr("klinik.core.outage.database_connect", _raise)
    response = client.get(f"/api/v1/patients/{world.patient_a.public_id}")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Klinik kan ikke nå databasen lige nu. Prøv igen om lidt.",
        "code": "database_unavailable",
    }
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("Klinik cannot reach its database")


def test_an_outage_in_a_view_is_a_503_for_pages_and_the_api(world, api, quiet_client, monkeypatch):
    from conftest import login

    monkeypatch.setattr("klinik.api.patients.access_patient", _raise)
    response = quiet_client.get(f"/api/v1/patients/{world.patient_a.public_id}", **api)
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"

    login(quiet_client, world.member(Role.SECRETARY))
    monkeypatch.setattr("klinik.desk.views.access_patient", _raise)
    page = quiet_client.get(f"/patients/{world.patient_a.public_id}/")
    assert page.status_code == 503
    assert "Klinik kan ikke nå databasen lige nu" in page.content.decode()


def test_an_outage_in_a_later_middleware_is_a_503_too(world, quiet_client, monkeypatch):
    """Saving the session or resolving the actor happen after the outage middleware: the 500
    handler recognises the outage."""
    from conftest import login

    login(quiet_client, world.member(Role.SECRETARY))
    monkeypatch.setattr("klinik.core.middleware.user_memberships", _raise)
    response = quiet_client.get("/dashboard/")
    assert response.status_code == 503
    assert "Klinik kan ikke nå databasen lige nu" in response.content.decode()


def test_other_errors_stay_500(world, quiet_client, api, monkeypatch):
    def broken(**_: object) -> None:
        raise _error(sqlite3.OperationalError("no such column: x"))

    monkeypatch.setattr("klinik.api.patients.access_patient", broken)
    response = quiet_client.get(f"/api/v1/patients/{world.patient_a.public_id}", **api)
    assert response.status_code == 500


@pytest.mark.parametrize(
    ("cause", "unavailable"),
    [
        (REFUSED, True),
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.TooManyConnections("too many clients"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: x"), False),
    ],
)
def test_which_errors_mean_the_database_is_unavailable(cause, unavailable):
    assert database_unavailable(_error(cause)) is unavailable


def test_a_503_is_logged_as_one_line_without_a_traceback(db, client, monkeypatch, caplog):
    monkeypatch.setattr("klinik.core.outage.database_connect", _raise)
    with caplog.at_level(logging.INFO):
        client.get("/login/")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    outage = [json.loads(line) for line in lines if "Database unavailable" in line]
    assert len(outage) == 1
    assert outage[0]["status"] == 503
    assert "Connection refused" in outage[0]["message"]
    assert "exception" not in outage[0]
    assert not any("Service Unavailable" in line for line in lines)  # not logged twice
