import json
import logging
import sys

from klinik.core.choices import Role
from klinik.core.logging import JsonFormatter, RedactPersonalDataFilter


def test_healthz_reports_the_database(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_logs_are_json_and_never_carry_cpr_numbers_or_query_strings():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: /x/?q=%s for %s",
        ("Hansen", "010203-1234 og 0102031234 a@b.dk"),
        None,
    )
    assert RedactPersonalDataFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert "0102031234" not in line["message"]
    assert "010203-1234" not in line["message"]
    assert "Hansen" not in line["message"]
    assert "a@b.dk" not in line["message"]
    assert line["level"] == "WARNING"


def test_error_pages_do_not_echo_the_path(db, client):
    response = client.get("/findes-ikke/0102031234/")
    assert response.status_code == 404
    assert "0102031234" not in response.content.decode()


def test_ui_is_danish_whatever_the_browser_says_until_english_is_chosen(db, client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Brugernavn" in page.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302
    assert "Username" in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "da", "next": "/login/"})
    assert "Brugernavn" in client.get("/login/").content.decode()


def test_preferred_language_follows_the_user_at_login(world, client):
    from klinik.core.choices import Role
    from klinik.core.tests.factories import TEST_PASSWORD

    membership = world.member(Role.SECRETARY)
    membership.user.preferred_language = "en"
    membership.user.save()
    client.post("/login/", {"username": membership.user.username, "password": TEST_PASSWORD})
    assert "Dashboard" in client.get("/dashboard/").content.decode()


def test_a_refusal_is_logged_as_one_line_not_a_traceback(world, client, caplog):
    """A 403 is the policy answering as meant (issue 10): one line naming the exception."""
    from conftest import login
    from klinik.core.policy import Perm, permissions_for

    role = next(
        r for r in Role if Perm.PATIENT_VIEW not in permissions_for(r, community_scope=False)
    )
    login(client, world.member(role))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(f"/patients/{world.patient_a.public_id}/")
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "Traceback" not in line
    entry = json.loads(line)
    assert entry["status"] == 403
    assert entry["error"] == "PermissionDenied"
    assert entry["message"].startswith("Forbidden (Permission denied)")


def test_a_server_error_keeps_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (), None
        )
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert "Traceback" in json.loads(JsonFormatter().format(record))["exception"]
