"""Phrases (fraser): the writer's own, the unit's and the organisation's, with merge fields.

Scopes and who manages them (a writer their own, the manager the clinic's), the refusals at
the field with nothing saved (a shortcut taken in its scope, an unknown merge field), two
organisations (404 across them and for another person's own phrase), and the editor's page
carrying the phrases and the merge values the script fills in."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from klinik.core.choices import Role
from klinik.records.choices import PhraseScope
from klinik.records.errors import RecordCode, RecordError
from klinik.records.journal.phrases import (
    MergeValues,
    merge_fields_unknown,
    phrase_delete,
    phrase_merge,
    phrase_of,
    phrase_save,
    phrases_for,
)
from klinik.records.models import Phrase


def da(message: object) -> str:
    with translation.override("da"):
        text = str(message)
    return text.replace("'", "&#x27;").replace('"', "&quot;")


@pytest.fixture
def manager(record_world):
    return record_world.world.member(Role.MANAGER)


# Scopes ------------------------------------------------------------------------------------------


def test_own_phrase_wins_over_the_units_and_the_units_over_the_organisations(record_world, manager):
    rw = record_world
    boss = rw.actor(manager)
    phrase_save(actor=boss, shortcut=".ua", text="Organisationens", scope=PhraseScope.ORGANISATION)
    phrase_save(actor=boss, shortcut=".ua", text="Enhedens", scope=PhraseScope.UNIT)
    phrase_save(actor=boss, shortcut=".ktr", text="Kontrol", scope=PhraseScope.ORGANISATION)
    mine = phrase_save(actor=rw.doctor_actor, shortcut=".ua", text="Min egen")

    assert mine.owner == rw.doctor.user and mine.unit is None
    for_doctor = {p.shortcut: p.text for p in phrases_for(unit=rw.unit, user=rw.doctor.user)}
    assert for_doctor == {".ua": "Min egen", ".ktr": "Kontrol"}
    # Another writer in the unit gets the unit's; the other unit only the organisation's.
    for_secretary = {p.shortcut: p.text for p in phrases_for(unit=rw.unit, user=rw.secretary.user)}
    assert for_secretary == {".ua": "Enhedens", ".ktr": "Kontrol"}
    assert {p.text for p in phrases_for(unit=rw.unit2, user=rw.secretary.user)} == {
        "Organisationens",
        "Kontrol",
    }


def test_a_writer_cannot_make_clinic_phrases_and_a_manager_no_personal_ones(record_world, manager):
    rw = record_world
    count = Phrase.objects.count()
    with pytest.raises(PermissionDenied):
        phrase_save(actor=rw.secretary_actor, shortcut=".x", text="x", scope=PhraseScope.UNIT)
    with pytest.raises(PermissionDenied):
        phrase_save(actor=rw.actor(manager), shortcut=".x", text="x", scope=PhraseScope.PERSONAL)
    clinic = phrase_save(
        actor=rw.actor(manager), shortcut=".x", text="x", scope=PhraseScope.ORGANISATION
    )
    # Nor change or delete one.
    with pytest.raises(PermissionDenied):
        phrase_save(actor=rw.secretary_actor, shortcut=".x", text="y", phrase=clinic)
    with pytest.raises(PermissionDenied):
        phrase_delete(actor=rw.secretary_actor, phrase=clinic)
    clinic.refresh_from_db()
    assert clinic.text == "x"
    assert Phrase.objects.count() == count + 1


def test_another_persons_own_phrase_and_another_organisations_are_not_found(record_world, manager):
    rw = record_world
    mine = phrase_save(actor=rw.doctor_actor, shortcut=".mig", text="Min")
    other_org = phrase_save(actor=rw.other_doctor_actor, shortcut=".b", text="B")
    assert phrase_of(actor=rw.doctor_actor, pk=mine.pk) == mine
    for actor, phrase in (
        (rw.secretary_actor, mine),
        (rw.actor(manager), mine),
        (rw.doctor_actor, other_org),
    ):
        with pytest.raises(Http404):
            phrase_of(actor=actor, pk=phrase.pk)
    with pytest.raises(Http404):
        phrase_delete(actor=rw.secretary_actor, phrase=mine)
    assert Phrase.objects.filter(pk__in=[mine.pk, other_org.pk]).count() == 2


# Bad input ---------------------------------------------------------------------------------------


def test_a_shortcut_taken_in_the_same_scope_is_refused_but_free_in_another(record_world, manager):
    rw = record_world
    phrase_save(actor=rw.doctor_actor, shortcut=".bt", text="Mit blodtryk")
    with pytest.raises(RecordError) as taken:
        phrase_save(actor=rw.doctor_actor, shortcut=".BT", text="Igen")
    assert taken.value.code == RecordCode.SHORTCUT_TAKEN and taken.value.field == "shortcut"
    # The same shortcut is free for someone else's own and for the clinic.
    phrase_save(actor=rw.secretary_actor, shortcut=".bt", text="Sekretærens")
    phrase_save(actor=rw.actor(manager), shortcut=".bt", text="Klinikkens", scope="organisation")
    with pytest.raises(RecordError):
        phrase_save(actor=rw.actor(manager), shortcut=".bt", text="To", scope="organisation")
    assert sorted(Phrase.objects.filter(shortcut=".bt").values_list("text", flat=True)) == [
        "Klinikkens",
        "Mit blodtryk",
        "Sekretærens",
    ]


def test_an_unknown_merge_field_is_refused_and_nothing_is_saved(record_world):
    rw = record_world
    assert merge_fields_unknown("Hej {fornavn}, {Dato} {navn} {navn} {}") == ["{navn}", "{}"]
    count = Phrase.objects.count()
    with pytest.raises(RecordError) as refused:
        phrase_save(actor=rw.doctor_actor, shortcut=".hej", text="Kære {fornavn} {efternavn}")
    assert refused.value.code == RecordCode.MERGE_FIELD_UNKNOWN
    assert refused.value.field == "text"
    assert "{efternavn}" in str(refused.value.message)
    assert Phrase.objects.count() == count


def test_merge_fields_are_filled_in():
    values = MergeValues(first_name="Alma", today=date(2026, 3, 5), clinician="Dorthe Lægesen")
    text = "Kære {fornavn}. Set {DATO} af {behandler}. {ukendt}"
    assert phrase_merge(text, values) == "Kære Alma. Set 05.03.2026 af Dorthe Lægesen. {ukendt}"


# The screen --------------------------------------------------------------------------------------


def test_phrase_screen_adds_edits_and_deletes_with_messages_at_the_field(
    record_world, client, login_as
):
    rw = record_world
    login_as(rw.secretary)
    page = client.get("/journal/phrases/").content.decode()
    assert "{fornavn}" in page and "{dato}" in page and "{behandler}" in page
    # A writer sees only their own scope: the choice is hidden.
    assert 'type="hidden" name="scope" value="personal"' in page
    count = Phrase.objects.count()

    bad = client.post(
        "/journal/phrases/", {"shortcut": ".hej", "text": "Hej {navn}", "scope": "personal"}
    )
    assert bad.status_code == 422
    at_field = re.search(
        r'<label[^>]*for="new-phrase-text".*?</label>(.*?)<textarea', bad.content.decode(), re.S
    )
    assert at_field and "{navn}" in at_field[1]
    assert Phrase.objects.count() == count
    bad = client.post(
        "/journal/phrases/", {"shortcut": ".hej", "text": "Hej", "scope": "organisation"}
    )
    assert bad.status_code == 422  # a scope not offered to a writer
    assert Phrase.objects.count() == count

    ok = client.post(
        "/journal/phrases/", {"shortcut": ".hej", "text": "Hej {fornavn}", "scope": "personal"}
    )
    assert ok.status_code == 302
    phrase = Phrase.objects.get(shortcut=".hej")
    assert phrase.owner == rw.secretary.user
    taken = client.post(
        "/journal/phrases/", {"shortcut": ".hej", "text": "Igen", "scope": "personal"}
    )
    assert taken.status_code == 422
    assert Phrase.objects.filter(shortcut=".hej").count() == 1

    edited = client.post(
        f"/journal/phrases/{phrase.pk}/",
        {"shortcut": ".hej", "text": "Goddag {fornavn}", "scope": "personal"},
    )
    assert edited.status_code == 302
    phrase.refresh_from_db()
    assert phrase.text == "Goddag {fornavn}"

    # Another organisation's doctor: 404, nothing changed; then the owner deletes it.
    client.logout()
    login_as(rw.other_doctor)
    assert client.post(f"/journal/phrases/{phrase.pk}/", {"delete": "1"}).status_code == 404
    assert Phrase.objects.filter(pk=phrase.pk).exists()
    client.logout()
    login_as(rw.secretary)
    assert client.post(f"/journal/phrases/{phrase.pk}/", {"delete": "1"}).status_code == 302
    assert not Phrase.objects.filter(pk=phrase.pk).exists()


def test_the_manager_manages_the_clinics_phrases_on_the_screen(
    record_world, manager, client, login_as
):
    login_as(manager)
    page = client.get("/journal/phrases/").content.decode()
    assert 'value="unit"' in page and 'value="organisation"' in page
    response = client.post(
        "/journal/phrases/",
        {"shortcut": ".tak", "text": "Tak for i dag, {fornavn}.", "scope": "organisation"},
    )
    assert response.status_code == 302
    phrase = Phrase.objects.get(shortcut=".tak")
    assert phrase.unit is None and phrase.owner is None
    # A writer sees it, but cannot change it.
    client.logout()
    login_as(record_world.secretary)
    assert ".tak" in client.get("/journal/phrases/").content.decode()
    assert client.post(f"/journal/phrases/{phrase.pk}/", {"active": "0"}).status_code == 403
    phrase.refresh_from_db()
    assert phrase.is_active


def test_the_editor_carries_the_phrases_and_the_merge_values(record_world, client, login_as):
    rw = record_world
    phrase_save(actor=rw.secretary_actor, shortcut=".hej", text="Hej {fornavn}")
    login_as(rw.secretary)
    body = client.get(f"/patients/{rw.patient.public_id}/record/write/").content.decode()
    phrases = json.loads(re.search(r'id="journal-phrases"[^>]*>(.*?)</script>', body, re.S)[1])
    merge = json.loads(re.search(r'id="journal-merge"[^>]*>(.*?)</script>', body, re.S)[1])
    assert phrases[".hej"] == "Hej {fornavn}" and ".bt" in phrases
    assert merge == {
        "fornavn": rw.patient.given_name,
        "dato": timezone.localdate().strftime("%d.%m.%Y"),
        "behandler": "Sanne Sekretær",
    }
    # The focus starts in the text.
    assert re.search(r'<textarea[^>]*id="editor-text"[^>]*autofocus', body) or re.search(
        r'<textarea[^>]*autofocus[^>]*id="editor-text"', body
    )
