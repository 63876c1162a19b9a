"""The waiting list: a freed time is offered by SMS to the first matching patients (the
unit's number), the first to accept books it and the others are told it is taken; offers
expire; patients without SMS consent are to be called; wishes are respected."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.tests.helpers import desk_at, reachable_by, run_due_tasks
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.choices import (
    AppointmentStatus,
    TimeOfDay,
    WaitlistOfferStatus,
    WaitlistOpeningStatus,
    WaitlistStatus,
)
from klinik.scheduling.errors import WaitlistCode, WaitlistError
from klinik.scheduling.models import Appointment, UnitSchedule, WaitlistOffer
from klinik.scheduling.online.services import online_booking_actor
from klinik.scheduling.tests.factories import at, next_workday
from klinik.scheduling.waitlist import (
    access_waitlist_entry,
    entry_matches,
    waitlist_add,
    waitlist_entries,
    waitlist_offer_accept,
    waitlist_opening_offer,
    waitlist_reoffer,
    weekdays_mask,
)

LINK = re.compile(r"/venteliste/([\w-]+)/")


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


@pytest.fixture
def frozen(clock, day):
    """Two days before, at ten in the morning: SMS go at once (no quiet hours)."""
    return clock.set(at(day, 10) - timedelta(days=2))


@pytest.fixture
def desk(world, actor_for, frozen):
    actor = actor_for(world.member(Role.SECRETARY))
    return desk_at(world.unit_a, actor)


def _waiting(desk, name, *, sms=True, **wishes):
    patient = PatientFactory(unit=desk.clinic.unit, given_name=name)
    reachable_by(patient, sms=sms)
    return waitlist_add(
        actor=desk.actor, patient=patient, appointment_type=desk.clinic.consultation, **wishes
    )


def _offers_sent():
    return list(OutboxMessage.objects.filter(kind="waitlist_offer").order_by("id"))


def _token(message):
    return LINK.search(message.body).group(1)


def _token_of(entry):
    message = OutboxMessage.objects.get(kind="waitlist_offer", patient=entry.patient)
    return _token(message)


@pytest.fixture
def cancelled(world, desk, day):
    """Alma's 9 o'clock with the first doctor, cancelled: the time is free."""
    appointment = desk.book(world.patient_a, at(day, 9))
    return appointment


def test_a_cancellation_offers_the_time_by_sms_to_the_first_matching_patients(
    world, desk, day, cancelled
):
    first = _waiting(desk, "Første")
    _waiting(desk, "Eftermiddag", time_of_day=TimeOfDay.AFTERNOON)  # 9 o'clock does not fit
    second = _waiting(desk, "Anden")
    third = _waiting(desk, "Tredje")
    fourth = _waiting(desk, "Fjerde")  # beyond the unit's three

    desk.cancel(cancelled)
    run_due_tasks()

    offers = list(WaitlistOffer.objects.select_related("entry").order_by("id"))
    assert [o.entry for o in offers] == [first, second, third]
    assert {o.status for o in offers} == {WaitlistOfferStatus.SENT}
    sent = _offers_sent()
    assert [m.patient_id for m in sent] == [e.patient_id for e in (first, second, third)]
    assert {m.status for m in sent} == {"sent"}  # through the local SMS backend
    assert all(m.channel == "sms" and LINK.search(m.body) for m in sent)
    assert not WaitlistOffer.objects.filter(entry=fourth).exists()
    # Only the hash of the token is kept.
    assert not WaitlistOffer.objects.filter(token_hash=_token(sent[0])).exists()


def test_the_first_to_accept_gets_the_time_and_the_others_are_told_it_is_taken(
    world, desk, day, cancelled
):
    first, second, third = (_waiting(desk, n) for n in ("Første", "Anden", "Tredje"))
    desk.cancel(cancelled)
    run_due_tasks()
    tokens = {e.pk: _token_of(e) for e in (first, second, third)}

    public = online_booking_actor(desk.clinic.unit)
    booked = waitlist_offer_accept(actor=public, token=tokens[second.pk])
    assert booked.patient == second.patient
    assert booked.start == at(day, 9)
    assert booked.status == AppointmentStatus.BOOKED

    with pytest.raises(WaitlistError) as refused:
        waitlist_offer_accept(actor=public, token=tokens[first.pk])
    assert refused.value.code == WaitlistCode.UNAVAILABLE
    assert refused.value.http_status == 409

    states = dict(WaitlistOffer.objects.values_list("entry_id", "status"))
    assert states == {
        first.pk: WaitlistOfferStatus.TAKEN,
        second.pk: WaitlistOfferStatus.ACCEPTED,
        third.pk: WaitlistOfferStatus.TAKEN,
    }
    second.refresh_from_db()
    assert second.status == WaitlistStatus.BOOKED
    first.refresh_from_db()
    assert first.status == WaitlistStatus.WAITING  # still on the list for the next time
    taken = OutboxMessage.objects.filter(kind="waitlist_taken").order_by("id")
    assert [m.patient_id for m in taken] == [first.patient_id, third.patient_id]
    assert Appointment.objects.filter(start=at(day, 9), status="booked").count() == 1


def test_an_offer_expires_after_the_units_hours(world, desk, day, cancelled, clock):
    UnitSchedule.objects.filter(unit=desk.clinic.unit).update(waitlist_offer_hours=1)
    entry = _waiting(desk, "Sen")
    desk.cancel(cancelled)
    run_due_tasks()
    token = _token_of(entry)
    offer = WaitlistOffer.objects.get(entry=entry)
    assert offer.expires_at == offer.sent_at + timedelta(hours=1)

    clock.set(offer.expires_at + timedelta(seconds=1))
    with pytest.raises(WaitlistError) as refused:
        waitlist_offer_accept(actor=online_booking_actor(desk.clinic.unit), token=token)
    assert refused.value.code == WaitlistCode.UNAVAILABLE
    assert not Appointment.objects.filter(patient=entry.patient).exists()
    offer.refresh_from_db()
    assert offer.opening.status == WaitlistOpeningStatus.OPEN


def test_a_time_whose_offers_ran_out_goes_to_the_next_on_the_list(
    world, desk, day, cancelled, clock
):
    UnitSchedule.objects.filter(unit=desk.clinic.unit).update(
        waitlist_offer_hours=1, waitlist_offer_count=1
    )
    first, second, third = (_waiting(desk, n) for n in ("Første", "Anden", "Tredje"))
    desk.cancel(cancelled)
    run_due_tasks()
    offer = WaitlistOffer.objects.get()
    assert offer.entry == first
    assert waitlist_reoffer() == 0  # the offer still waits for its answer

    clock.set(offer.expires_at + timedelta(minutes=1))
    assert waitlist_reoffer() == 1
    again = WaitlistOffer.objects.exclude(pk=offer.pk).get()
    assert (again.entry, again.status) == (second, WaitlistOfferStatus.SENT)
    assert again.opening_id == offer.opening_id
    assert [m.patient_id for m in _offers_sent()] == [first.patient_id, second.patient_id]
    token = _token_of(second)

    # The secretary books the time by hand meanwhile: it is not offered a third time.
    clock.set(again.expires_at + timedelta(minutes=1))
    desk.book(world.patient_a, at(day, 9))
    assert waitlist_reoffer() == 0
    assert not WaitlistOffer.objects.filter(entry=third).exists()
    with pytest.raises(WaitlistError):
        waitlist_offer_accept(actor=online_booking_actor(desk.clinic.unit), token=token)


def test_the_offering_again_is_a_chain_of_periodic_tasks(world, desk):
    from django_tasks_db.models import DBTaskResult

    from klinik.scheduling.tasks import waitlist_reoffer_run, waitlist_reoffer_schedule

    assert waitlist_reoffer_schedule() is True
    assert waitlist_reoffer_schedule() is False  # one waiting is enough
    queued = DBTaskResult.objects.get(task_path=waitlist_reoffer_run.module_path)
    assert queued.run_after > timezone.now()


def test_patients_without_sms_consent_are_to_be_called(world, desk, day, cancelled):
    quiet = _waiting(desk, "Ringes", sms=False)
    desk.cancel(cancelled)
    run_due_tasks()
    offer = WaitlistOffer.objects.get(entry=quiet)
    assert offer.status == WaitlistOfferStatus.CALL
    assert offer.token_hash == ""
    assert not OutboxMessage.objects.filter(patient=quiet.patient).exists()


def test_accepting_a_time_booked_meanwhile_changes_nothing(world, desk, day, cancelled):
    entry = _waiting(desk, "For sent")
    desk.cancel(cancelled)
    run_due_tasks()
    token = _token_of(entry)
    desk.book(world.patient_a, at(day, 9))  # the secretary gave the time back to Alma

    with pytest.raises(WaitlistError) as refused:
        waitlist_offer_accept(actor=online_booking_actor(desk.clinic.unit), token=token)
    assert refused.value.code == WaitlistCode.UNAVAILABLE
    offer = WaitlistOffer.objects.get(entry=entry)
    assert offer.status == WaitlistOfferStatus.SENT
    assert not Appointment.objects.filter(patient=entry.patient).exists()


def test_a_moved_appointment_offers_its_old_time(world, desk, day):
    appointment = desk.book(world.patient_a, at(day, 9))
    entry = _waiting(desk, "Flyt")
    desk.move(appointment, at(day, 11))
    offer = WaitlistOffer.objects.select_related("opening").get(entry=entry)
    assert offer.opening.start == at(day, 9)


def test_a_made_up_token_is_refused(world, desk):
    with pytest.raises(WaitlistError) as refused:
        waitlist_offer_accept(actor=online_booking_actor(desk.clinic.unit), token="nope")
    assert refused.value.code == WaitlistCode.NOT_FOUND


def test_wishes_weekdays_time_of_day_and_dates(world, desk, day):
    entry = _waiting(
        desk,
        "Ønsker",
        weekdays=weekdays_mask([day.weekday()]),
        time_of_day=TimeOfDay.MORNING,
        earliest=day,
        latest=day,
    )
    assert entry_matches(entry, at(day, 9), None)
    assert not entry_matches(entry, at(day, 13), None)
    assert not entry_matches(entry, at(day + timedelta(days=7), 9), None)
    other_weekday = (day.weekday() + 1) % 7
    entry.weekdays = weekdays_mask([other_weekday])
    assert not entry_matches(entry, at(day, 9), None)
    entry.weekdays, entry.practitioner_id = 0, desk.clinic.doctors[0].pk
    assert entry_matches(entry, at(day, 9), desk.clinic.doctors[0].pk)
    assert not entry_matches(entry, at(day, 9), desk.clinic.doctors[1].pk)


def test_adding_refuses_latest_before_earliest(world, desk, day):
    with pytest.raises(WaitlistError) as refused:
        _waiting(desk, "Bagvendt", earliest=day, latest=day - timedelta(days=1))
    assert refused.value.field == "latest"


def test_a_time_offered_by_hand_reaches_the_list(world, desk, day):
    entry = _waiting(desk, "Manuel")
    opening = waitlist_opening_offer(
        actor=desk.actor,
        appointment_type=desk.clinic.consultation,
        start=at(day, 14),
        practitioner=desk.clinic.doctors[1],
    )
    assert opening is not None
    assert WaitlistOffer.objects.get(entry=entry).opening == opening
    # Nobody left who fits: nothing is opened.
    again = waitlist_opening_offer(
        actor=desk.actor, appointment_type=desk.clinic.consultation, start=at(day, 15)
    )
    assert again is None


def test_the_list_logs_once_and_other_organisations_get_404(world, desk, actor_for):
    entry = _waiting(desk, "Listet")
    before = AccessLogEntry.objects.count()
    rows = waitlist_entries(actor=desk.actor, unit=desk.clinic.unit)
    assert rows == [entry]
    assert AccessLogEntry.objects.count() == before + 1

    stranger = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    with pytest.raises(Http404):
        access_waitlist_entry(actor=stranger, unit=world.unit_b, public_id=entry.public_id)
    assert waitlist_entries(actor=stranger, unit=world.unit_b) == []


# The public page ------------------------------------------------------------------------------


def test_the_link_page_shows_the_time_and_accepts_it(world, desk, day, cancelled, client):
    first, second = _waiting(desk, "Første"), _waiting(desk, "Anden")
    desk.cancel(cancelled)
    run_due_tasks()
    page = client.get(f"/venteliste/{_token_of(first)}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="waitlist-accept"' in html
    assert first.patient.name not in html  # the time, not the person

    accepted = client.post(f"/venteliste/{_token_of(first)}/")
    assert accepted.status_code == 200
    assert 'id="waitlist-booked"' in accepted.content.decode()
    late = client.post(f"/venteliste/{_token_of(second)}/")
    assert late.status_code == 409
    assert str(WaitlistError.UNAVAILABLE) in late.content.decode()
    assert not Appointment.objects.filter(patient=second.patient).exists()


def test_a_made_up_link_gets_the_public_not_found(client, world):
    response = client.get("/venteliste/not-a-real-token/")
    assert response.status_code == 404
    assert client.post("/venteliste/not-a-real-token/").status_code == 404


def test_accepting_is_rate_limited(world, desk, day, cancelled, client, settings):
    from klinik.scheduling.online import services

    entry = _waiting(desk, "Mange")
    desk.cancel(cancelled)
    run_due_tasks()
    token = _token_of(entry)
    limit = services.RATE_LIMITS["waitlist"]
    for _ in range(limit):
        client.post(f"/venteliste/{token}/")
    assert client.post(f"/venteliste/{token}/").status_code == 429
