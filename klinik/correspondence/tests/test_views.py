"""The outbox screen: permission, organisation isolation (a 404 across, nothing leaked or
changed), reads in the access log, filters, resend, a bounded number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.errors import OutboxError
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.services import outbox_message_queue
from klinik.correspondence.tests.helpers import reachable_by
from klinik.patients.tests.factories import PatientFactory

BODY = "Din tid hos Klinik A er booket. Mød fastende."


def _message(patient, **fields):
    message = outbox_message_queue(
        organisation_id=patient.organisation_id,
        unit_id=patient.unit_id,
        patient=patient,
        kind="confirmation",
        subject="Klinik A",
        body=BODY,
        due=timezone.now() + timedelta(hours=1),
    )
    if fields:
        OutboxMessage.objects.filter(pk=message.pk).update(**fields)
        message.refresh_from_db()
    return message


@pytest.fixture
def alma_message(world):
    return _message(reachable_by(world.patient_a, email=True))


@pytest.fixture
def bodil_message(world):
    return _message(reachable_by(world.patient_b, email=True, address="bodil@example.dk"))


@pytest.fixture
def secretary(world, login_as):
    return login_as(world.member(Role.SECRETARY))


def test_the_outbox_lists_the_organisations_messages_and_logs_the_read(
    secretary, alma_message, bodil_message, world
):
    page = secretary.get("/outbox/").content.decode()
    assert world.patient_a.name in page
    assert f'<span class="cpr">{world.patient_a.cpr_display}</span>' in page  # names repeat
    assert "alma@example.dk" in page
    assert world.patient_b.name not in page, "another organisation's message"
    assert BODY not in page, "texts are shown one at a time"
    entry = AccessLogEntry.objects.filter(object_type="outbox").latest("seq")
    assert entry.action == "view"
    assert "1 of 1 messages" in entry.reason


def test_reading_a_message_shows_its_text_and_logs_the_patient(secretary, alma_message, world):
    response = secretary.get(f"/outbox/{alma_message.public_id}/")
    assert response.status_code == 200
    assert BODY in response.content.decode()
    entry = AccessLogEntry.objects.filter(object_type="outbox_message").latest("seq")
    assert (entry.action, entry.patient_id, entry.object_id) == (
        "view",
        world.patient_a.public_id,
        str(alma_message.public_id),
    )


def test_htmx_gets_the_parts(secretary, alma_message):
    table = secretary.get("/outbox/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in table and 'id="outbox"' in table
    text = secretary.get(f"/outbox/{alma_message.public_id}/", HTTP_HX_REQUEST="true")
    assert "<html" not in text.content.decode() and BODY in text.content.decode()


def test_another_organisation_gets_404_and_nothing_changes(
    world, login_as, alma_message, bodil_message
):
    OutboxMessage.objects.filter(pk=alma_message.pk).update(status="failed")
    client = login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    before = AccessLogEntry.objects.filter(patient_id=world.patient_a.public_id).count()

    listing = client.get("/outbox/").content.decode()
    assert world.patient_b.name in listing
    assert world.patient_a.name not in listing and "alma@example.dk" not in listing
    assert client.get(f"/outbox/{alma_message.public_id}/").status_code == 404
    assert client.post(f"/outbox/{alma_message.public_id}/resend/").status_code == 404

    alma_message.refresh_from_db()
    assert (alma_message.status, alma_message.attempts) == ("failed", 0)
    assert AccessLogEntry.objects.filter(patient_id=world.patient_a.public_id).count() == before


def test_the_outbox_needs_the_schedule_view_permission(world, login_as, alma_message):
    client = login_as(world.member(Role.SYSTEM_ADMIN))
    assert client.get("/outbox/").status_code == 403
    assert client.get(f"/outbox/{alma_message.public_id}/").status_code == 403
    assert not AccessLogEntry.objects.filter(object_type__startswith="outbox").exists()


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/outbox/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_filters(secretary, world, alma_message):
    _message(world.patient_a, status="failed", error="SMTPServerDisconnected")
    failed = secretary.get("/outbox/?status=failed").content.decode()
    assert failed.count('data-status="failed"') == 1
    assert 'data-status="queued"' not in failed
    tomorrow = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert 'data-status="' not in secretary.get(f"/outbox/?day={tomorrow}").content.decode()
    assert 'data-status="queued"' in secretary.get("/outbox/?channel=email").content.decode()
    assert 'data-status="' not in secretary.get("/outbox/?channel=sms").content.decode()


def test_staff_resend_a_failed_message(secretary, world, alma_message):
    OutboxMessage.objects.filter(pk=alma_message.pk).update(status="failed", attempts=4)
    page = secretary.get("/outbox/").content.decode()
    assert f"/outbox/{alma_message.public_id}/resend/" in page
    response = secretary.post(f"/outbox/{alma_message.public_id}/resend/", follow=True)
    assert response.status_code == 200
    alma_message.refresh_from_db()
    assert (alma_message.status, alma_message.attempts) == ("queued", 0)
    # Again: refused, with the reason on the page.
    again = secretary.post(f"/outbox/{alma_message.public_id}/resend/", follow=True)
    with translation.override("da"):
        assert escape(str(OutboxError.NOT_FAILED)) in again.content.decode()


def test_viewing_without_booking_shows_no_resend(world, login_as, alma_message):
    OutboxMessage.objects.filter(pk=alma_message.pk).update(status="failed")
    client = login_as(world.member(Role.MANAGER))
    page = client.get("/outbox/").content.decode()
    assert world.patient_a.name in page
    assert "/resend/" not in page
    assert client.post(f"/outbox/{alma_message.public_id}/resend/").status_code == 403


def test_the_list_takes_the_same_queries_for_many_messages(secretary, world):
    _message(reachable_by(world.patient_a, sms=True))
    secretary.get("/outbox/")  # the session's first request does more
    with CaptureQueriesContext(connection) as few:
        secretary.get("/outbox/")
    for _ in range(8):
        _message(PatientFactory(unit=world.unit_a, phone="12345678", consent_sms=True))
    with CaptureQueriesContext(connection) as many:
        page = secretary.get("/outbox/").content.decode()
    assert page.count('data-status="') == 9
    assert len(many) == len(few)
