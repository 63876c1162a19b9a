"""Batch letters (issue 15 item 1): everyone booked on a day gets a letter from one template in
one action, each a letter of its own with its own status (one without e-mail consent fails
visibly, the other is sent); another organisation's appointment is never written to; nothing
chosen is a clear message."""

from __future__ import annotations

import pytest

from klinik.core.choices import Role
from klinik.correspondence.letters.choices import LetterKind
from klinik.correspondence.models import Letter, LetterBatch, LetterTemplate
from klinik.correspondence.tests.helpers import reachable_by
from klinik.patients.tests.factories import PatientFactory
from klinik.records.models import JournalEntry
from klinik.records.tests import document_files
from klinik.scheduling.tests.factories import at, next_workday

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


@pytest.fixture
def template(world):
    return LetterTemplate.objects.create(
        organisation=world.org_a,
        unit=world.unit_a,
        kind=LetterKind.FREE,
        title="Aflysning",
        subject="Din tid er aflyst",
        body="Kære {patient_first_name}\n\nDin tid {appointment} er desværre aflyst.",
    )


def test_everyone_booked_on_a_day_gets_their_own_letter(
    client, login_as, world, desk, template, clock, data_dir
):
    day = next_workday(days_ahead=3)
    clock.set(at(day, 7))
    other = PatientFactory(unit=world.unit_a, given_name="Otto")
    first = desk.book(reachable_by(world.patient_a, email=True), at(day, 9))
    second = desk.book(other, at(day, 10))
    desk.cancel(second)
    desk.book(other, at(next_workday(days_ahead=4), 9))  # another day: not offered
    login_as(world.member(Role.SECRETARY))
    query = {"unit": str(world.unit_a.public_id), "day": day.isoformat()}
    page = client.get("/breve/batch/", query).content.decode()
    assert str(first.public_id) in page and str(second.public_id) in page
    assert page.count('name="appointments"') == 2
    foreign = desk_b_appointment(world)
    response = client.post(
        "/breve/batch/",
        {
            **query,
            "appointments": [str(first.public_id), str(second.public_id), str(foreign)],
            "template": str(template.public_id),
            "channel": "email",
            "title": "Aflyst dag",
        },
    )
    assert response.status_code == 302, response.content[:500]
    batch = LetterBatch.objects.get()
    letters = {letter.patient_id: letter for letter in Letter.objects.filter(batch=batch)}
    assert set(letters) == {world.patient_a.pk, other.pk}
    assert letters[world.patient_a.pk].status == "sent"
    assert letters[other.pk].status == "failed"  # no e-mail consent: failed, in the queue
    assert "kl. 09.00" in letters[world.patient_a.pk].body
    assert "kl. 10.00" in letters[other.pk].body
    assert JournalEntry.objects.filter(patient=world.patient_a).count() == 1
    assert not JournalEntry.objects.filter(patient=other).exists()
    shown = client.get(f"/breve/batch/{batch.public_id}/").content.decode()
    assert "Otto" in shown and "Sendt: 1" in shown and "Fejlet: 1" in shown
    worklist = client.get("/arbejdsliste/").content.decode()
    assert f"/breve/{letters[other.pk].public_id}/" in worklist


def desk_b_appointment(world):
    from klinik.scheduling.models import Appointment

    return (
        Appointment.objects.filter(organisation=world.org_b)
        .values_list("public_id", flat=True)
        .first()
        or "00000000-0000-0000-0000-000000000000"
    )


def test_nothing_chosen_is_a_clear_message_and_no_batch(client, login_as, world, template):
    login_as(world.member(Role.SECRETARY))
    response = client.post(
        "/breve/batch/",
        {
            "unit": str(world.unit_a.public_id),
            "day": "2026-11-27",
            "template": str(template.public_id),
            "channel": "print",
        },
    )
    assert response.status_code == 422
    assert "Vælg mindst én aftale." in response.content.decode()
    assert not LetterBatch.objects.exists()


def test_another_organisations_batch_is_a_404(client, login_as, world, template, actor_for):
    from klinik.correspondence.letters.batch.services import BatchError, letter_batch_send

    actor = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(BatchError):
        letter_batch_send(
            actor=actor, template=template, appointments=[], channel="print", title="x"
        )
    batch = LetterBatch.objects.create(
        organisation=world.org_a,
        template=template,
        title="x",
        channel="print",
        created_by=actor.user,
        created_at="2026-11-26T10:00:00+01:00",
    )
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    assert client.get(f"/breve/batch/{batch.public_id}/").status_code == 404
