"""The practitioner's iCalendar feed: a private token URL, no patient names, every fetch in
the access log; making, renewing and stopping the token."""

from __future__ import annotations

import hashlib
import importlib
import re
from datetime import timedelta

import icalendar
import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Resource
from klinik.scheduling.online.feeds import resource_feed_rotate
from klinik.scheduling.tests.factories import at, clinic_create, next_workday, workday_from
from klinik.scheduling.transitions import appointment_set_status


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def clock(clock, day):
    clock.set(at(day, 7))
    return clock


@pytest.fixture
def clinic(world, clock):
    return clinic_create(world.unit_a)


@pytest.fixture
def doctor(world, clinic):
    membership = world.member(Role.DOCTOR)
    Resource.objects.filter(pk=clinic.doctors[0].pk).update(user=membership.user)
    clinic.doctors[0].refresh_from_db()
    return membership


@pytest.fixture
def staff(world, actor_for):
    return actor_for(world.member(Role.SECRETARY))


def _feed(client, token, query=""):
    return client.get(f"/feeds/{token}.ics{query}")


def _events(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_the_feed_holds_the_practitioners_active_appointments_without_names(
    world, clinic, doctor, staff, actor_for, client, clock, day
):
    doctor_1, doctor_2 = clinic.doctors
    token = resource_feed_rotate(actor=actor_for(doctor), resource=doctor_1)

    def book(when, kind=clinic.phone, practitioner=doctor_1, patient=world.patient_a):
        return appointment_book(
            actor=staff,
            patient=patient,
            appointment_type=kind,
            start=when,
            practitioner=practitioner,
        )

    # 20 days back is outside the feed (14 days), 10 days back inside: working days that far
    # back, each booked the day before on that day's clock.
    old_day = workday_from(day - timedelta(days=20), backwards=True)
    recent_day = workday_from(day - timedelta(days=10))
    clock.set(at(old_day, 7) - timedelta(days=1))
    too_old = book(at(old_day, 9))
    clock.set(at(recent_day, 7) - timedelta(days=1))
    recent = book(at(recent_day, 9))
    clock.set(at(day, 7))
    own = book(at(day, 9), kind=clinic.consultation)
    cancelled = book(at(day, 10))
    appointment_set_status(
        actor=staff, appointment=cancelled, status=AppointmentStatus.CANCELLED, reason="Syg"
    )
    someone_else = book(at(day, 9), practitioner=doctor_2)
    too_far = book(at(workday_from(day + timedelta(days=95)), 9))  # the feed holds 90

    response = _feed(client, token)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response)
    uids = {str(e["UID"]) for e in events}
    assert uids == {f"{recent.public_id}@klinik", f"{own.public_id}@klinik"}
    for missing in (too_old, cancelled, someone_else, too_far):
        assert f"{missing.public_id}@klinik" not in uids
    by_uid = {str(e["UID"]): e for e in events}
    mine = by_uid[f"{own.public_id}@klinik"]
    assert str(mine["SUMMARY"]) == clinic.consultation.name
    assert mine.decoded("DTSTART") == at(day, 9)
    assert mine.decoded("DTEND") == at(day, 9, 15)
    assert "Konsultation 1" in str(mine["LOCATION"])
    body = response.content.decode()
    patient = world.patient_a
    for secret in (patient.given_name, patient.family_name, patient.cpr, "A.K."):
        assert secret not in body


def test_each_fetch_is_written_to_the_access_log(world, clinic, doctor, actor_for, client):
    resource = clinic.doctors[0]
    token = resource_feed_rotate(actor=actor_for(doctor), resource=resource)
    for _fetch in range(2):
        assert _feed(client, token).status_code == 200
    entries = AccessLogEntry.objects.filter(object_type="calendar_feed", action="view")
    assert entries.count() == 2
    assert {e.object_id for e in entries} == {str(resource.public_id)}
    assert {e.user_id for e in entries} == {doctor.user_id}
    assert {e.organisation_id for e in entries} == {world.org_a.pk}


def test_initials_only_when_asked_and_never_under_name_protection(
    world, clinic, doctor, staff, actor_for, client, day
):
    resource = clinic.doctors[0]
    token = resource_feed_rotate(actor=actor_for(doctor), resource=resource)
    protected = world.patient_a2
    protected.is_address_protected = True
    protected.save()
    for patient, hour in ((world.patient_a, 9), (protected, 10)):
        appointment_book(
            actor=staff,
            patient=patient,
            appointment_type=clinic.phone,
            start=at(day, hour),
            practitioner=resource,
        )
    plain = {str(e["SUMMARY"]) for e in _events(_feed(client, token))}
    assert plain == {clinic.phone.name}
    with_initials = sorted(str(e["SUMMARY"]) for e in _events(_feed(client, token, "?initials=1")))
    assert with_initials == [clinic.phone.name, f"{clinic.phone.name} (A.K.)"]
    assert AccessLogEntry.objects.filter(object_type="calendar_feed", action="export").count() == 1


def test_an_unknown_rotated_or_stopped_token_opens_nothing(
    world, clinic, doctor, actor_for, client
):
    resource = clinic.doctors[0]
    assert client.get("/feeds/.ics").status_code == 404
    assert client.get(f"/feeds/{'x' * 43}.ics").status_code == 404
    old = resource_feed_rotate(actor=actor_for(doctor), resource=resource)
    login = client.get(f"/feeds/{old}.ics")
    assert login.status_code == 200
    new = resource_feed_rotate(actor=actor_for(doctor), resource=resource)
    assert client.get(f"/feeds/{old}.ics").status_code == 404
    assert _feed(client, new).status_code == 200
    # The stored hash is no key: presented as a token, it opens nothing.
    resource.refresh_from_db()
    assert client.get(f"/feeds/{resource.feed_token}.ics").status_code == 404
    # An empty token (no feed) never matches.
    Resource.objects.filter(pk=clinic.doctors[1].pk).update(feed_token="")
    assert client.get("/feeds/.ics").status_code == 404


def test_the_practitioner_makes_renews_and_stops_their_own_feed(
    world, clinic, doctor, client, login_as
):
    resource = clinic.doctors[0]
    login_as(doctor)
    page = client.get("/feeds/").content.decode()
    assert resource.name in page
    assert clinic.doctors[1].name not in page  # not theirs, and they are no manager
    assert client.post(f"/feeds/{resource.public_id}/rotate/").status_code == 302
    # The address is shown once, right after it is made: only its hash is stored.
    page = client.get("/feeds/").content.decode()
    token = re.search(r"/feeds/([A-Za-z0-9_-]{43})\.ics", page)[1]
    resource.refresh_from_db()
    assert resource.feed_token == hashlib.sha256(token.encode()).hexdigest()
    assert token not in resource.feed_token
    assert _feed(client, token).status_code == 200
    again = client.get("/feeds/").content.decode()
    assert token not in again
    assert "Kalenderabonnementet er aktivt" in again
    assert AccessLogEntry.objects.filter(
        object_type="calendar_feed", action="token_create", object_id=str(resource.public_id)
    ).exists()
    # Someone else's practitioner: not found, nothing changed.
    other = clinic.doctors[1]
    assert client.post(f"/feeds/{other.public_id}/rotate/").status_code == 404
    other.refresh_from_db()
    assert other.feed_token == ""
    assert client.post(f"/feeds/{resource.public_id}/revoke/").status_code == 302
    resource.refresh_from_db()
    assert resource.feed_token == ""


def test_a_manager_manages_the_organisations_feeds_and_no_other(world, clinic, client, login_as):
    other_org = clinic_create(world.unit_b)
    login_as(world.member(Role.MANAGER))
    page = client.get("/feeds/").content.decode()
    assert all(str(d.public_id) in page for d in clinic.doctors)
    assert str(other_org.doctors[0].public_id) not in page
    assert client.post(f"/feeds/{clinic.doctors[1].public_id}/rotate/").status_code == 302
    assert client.post(f"/feeds/{other_org.doctors[0].public_id}/rotate/").status_code == 404
    other_org.doctors[0].refresh_from_db()
    assert other_org.doctors[0].feed_token == ""


def test_the_migration_hashes_tokens_stored_in_clear(world, clinic, client):
    from django.apps import apps

    resource = clinic.doctors[0]
    clear = "k" * 43
    Resource.objects.filter(pk=resource.pk).update(feed_token=clear)
    migration = importlib.import_module("klinik.scheduling.migrations.0007_hash_feed_tokens")
    migration.hash_tokens(apps, None)
    resource.refresh_from_db()
    assert resource.feed_token == hashlib.sha256(clear.encode()).hexdigest()
    # The address the practitioner subscribed to keeps working; run twice, nothing changes.
    assert _feed(client, clear).status_code == 200
    migration.hash_tokens(apps, None)
    resource.refresh_from_db()
    assert resource.feed_token == hashlib.sha256(clear.encode()).hexdigest()
