"""The waiting-list screen: the list (filters, one access-log entry), adding with a patient
search and wishes (errors at the field, nothing written), done/remove, a free time offered by
hand, and 404 for another organisation's unit or entry with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.choices import WaitlistOfferStatus, WaitlistStatus
from klinik.scheduling.models import WaitlistEntry, WaitlistOffer
from klinik.scheduling.tests.factories import at, next_workday
from klinik.scheduling.waitlist import waitlist_add


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


@pytest.fixture
def frozen(clock, day):
    return clock.set(at(day, 10) - timedelta(days=2))


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


@pytest.fixture
def desk(client, login_as, secretary, frozen):
    login_as(secretary)
    return client


def _url(unit, rest=""):
    return f"/waitlist/{unit.public_id}/{rest}"


def _waiting(actor, clinic, patient, **wishes):
    return waitlist_add(
        actor=actor, patient=patient, appointment_type=clinic.consultation, **wishes
    )


def test_the_nav_leads_to_the_units_list_which_is_logged_once(world, clinic, actor, desk):
    entry = _waiting(actor, clinic, world.patient_a, note="Kun formiddag")
    home = desk.get("/waitlist/")
    assert home.status_code == 302 and home.url == _url(world.unit_a)
    before = AccessLogEntry.objects.filter(object_type="waitlist").count()
    page = desk.get(_url(world.unit_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="nav-waitlist"' in html
    assert f'data-entry="{entry.public_id}"' in html
    assert "Kun formiddag" in html
    assert AccessLogEntry.objects.filter(object_type="waitlist").count() == before + 1


def test_filters_by_type_and_practitioner(world, clinic, actor, desk):
    mine = _waiting(actor, clinic, world.patient_a, practitioner=clinic.doctors[0])
    other = waitlist_add(actor=actor, patient=world.patient_a2, appointment_type=clinic.phone)
    html = desk.get(
        _url(world.unit_a), {"appointment_type": str(clinic.consultation.public_id)}
    ).content.decode()
    assert str(mine.public_id) in html and str(other.public_id) not in html
    html = desk.get(
        _url(world.unit_a), {"practitioner": str(clinic.doctors[1].public_id)}
    ).content.decode()
    assert str(mine.public_id) not in html


def test_adding_finds_the_patient_and_keeps_the_wishes(world, clinic, desk, day):
    response = desk.post(
        _url(world.unit_a, "add/"),
        {
            "patient_query": world.patient_a.cpr,
            "appointment_type": str(clinic.consultation.public_id),
            "practitioner": str(clinic.doctors[1].public_id),
            "earliest": day.strftime("%d.%m.%Y"),
            "weekdays": ["0", "4"],
            "time_of_day": "afternoon",
            "note": "Ring efter kl. 12",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = WaitlistEntry.objects.get()
    assert entry.patient == world.patient_a
    assert (entry.weekdays, entry.time_of_day, entry.earliest) == (0b10001, "afternoon", day)


def test_several_hits_are_offered_to_choose_from(world, clinic, desk):
    twin = PatientFactory(unit=world.unit_a, given_name="Alma", family_name="Tvilling")
    PatientFactory(unit=world.unit_a, given_name="Alma", family_name="Tvilling")
    data = {
        "patient_query": "Alma Tvilling",
        "appointment_type": str(clinic.consultation.public_id),
        "time_of_day": "any",
    }
    page = desk.post(_url(world.unit_a, "add/"), data)
    assert page.status_code == 200
    assert 'name="patient"' in page.content.decode()
    assert not WaitlistEntry.objects.exists()
    done = desk.post(_url(world.unit_a, "add/"), {**data, "patient": str(twin.public_id)})
    assert done.status_code == 302
    assert WaitlistEntry.objects.get().patient == twin


def test_bad_wishes_are_shown_at_the_field_and_nothing_is_written(world, clinic, desk, day):
    page = desk.post(
        _url(world.unit_a, "add/"),
        {
            "patient_query": world.patient_a.cpr,
            "appointment_type": str(clinic.consultation.public_id),
            "earliest": day.strftime("%d.%m.%Y"),
            "latest": (day - timedelta(days=3)).strftime("%d.%m.%Y"),
            "time_of_day": "any",
        },
    )
    assert page.status_code == 422
    assert "errorlist" in page.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_done_and_remove_take_the_entry_off_the_list(world, clinic, actor, desk):
    first = _waiting(actor, clinic, world.patient_a)
    second = _waiting(actor, clinic, world.patient_a2)
    assert desk.post(_url(world.unit_a, f"{first.public_id}/close/"), {"status": "done"})
    desk.post(_url(world.unit_a, f"{second.public_id}/close/"), {"status": "removed"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (WaitlistStatus.BOOKED, WaitlistStatus.REMOVED)
    assert str(first.public_id) not in desk.get(_url(world.unit_a)).content.decode()


def test_a_free_time_offered_by_hand_shows_a_patient_to_call(world, clinic, actor, desk, day):
    entry = _waiting(actor, clinic, world.patient_a)  # no SMS consent in the factory
    response = desk.post(
        _url(world.unit_a, "offer/"),
        {
            "appointment_type": str(clinic.consultation.public_id),
            "practitioner": str(clinic.doctors[0].public_id),
            "date": day.strftime("%d.%m.%Y"),
            "time": "14:00",
        },
    )
    assert response.status_code == 302
    offer = WaitlistOffer.objects.get(entry=entry)
    assert offer.status == WaitlistOfferStatus.CALL
    html = desk.get(_url(world.unit_a)).content.decode()
    assert 'data-offer-state="call"' in html


def test_another_organisation_gets_404_and_nothing_changes(world, clinic, actor, client, login_as):
    entry = _waiting(actor, clinic, world.patient_a)
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    assert client.get(_url(world.unit_a)).status_code == 404
    assert (
        client.post(_url(world.unit_b, f"{entry.public_id}/close/"), {"status": "removed"})
    ).status_code == 404
    assert (
        client.post(_url(world.unit_a, "add/"), {"patient_query": world.patient_a.cpr}).status_code
        == 404
    )
    own = client.get(_url(world.unit_b)).content.decode()
    assert world.patient_a.name not in own
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
    assert WaitlistEntry.objects.count() == 1
