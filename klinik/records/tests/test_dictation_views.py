"""The dictation screens: dictating (upload, typed), the queue with its order and turnaround,
taking, the work screen with the player, autosave, sending for signing, cancelling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.records.choices import DictationPriority, DictationStatus, EntryType
from klinik.records.dictation.services import dictation_create, dictation_take
from klinik.records.models import Dictation, Document, JournalEntry
from klinik.records.tests import document_files
from klinik.records.tests.document_files import pdf_bytes, stored_files, upload, wav_bytes

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


def _new_url(rw) -> str:
    return f"/patients/{rw.patient.public_id}/record/dictations/new/"


def _dictate(rw, text="Kladde", **kwargs) -> Dictation:
    return dictation_create(actor=rw.doctor_actor, patient=rw.patient, text=text, **kwargs)


# Dictating ---------------------------------------------------------------------------------------


def test_doctor_uploads_a_dictation(record_world, data_dir, client, login_as):
    rw = record_world
    login_as(rw.doctor)
    page = client.get(_new_url(rw))
    assert page.status_code == 200
    assert "records_dictation.js" in page.content.decode()
    assert "blob:" in page["Content-Security-Policy"]  # the recording's preview
    response = client.post(
        _new_url(rw),
        {
            "priority": DictationPriority.URGENT,
            "instructions": "Haster: henvisning",
            "text": "",
            "audio": upload("optagelse.wav", wav_bytes(seconds=2), "audio/wav"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{rw.patient.public_id}/record/documents/"
    dictation = Dictation.objects.get()
    assert (dictation.priority, dictation.duration_seconds) == (DictationPriority.URGENT, 2)
    assert dictation.audio.content_type == "audio/wav"
    assert dictation.instructions == "Haster: henvisning"


def test_disguised_audio_is_refused_at_the_field(record_world, data_dir, client, login_as):
    rw = record_world
    login_as(rw.doctor)
    response = client.post(
        _new_url(rw),
        {"priority": "normal", "text": "", "audio": upload("lyd.mp3", pdf_bytes(), "audio/mpeg")},
    )
    assert response.status_code == 422
    assert re.search(r'<input type="file"[^>]*aria-invalid="true"', response.content.decode())
    assert not Dictation.objects.exists()
    assert stored_files(data_dir) == []


def test_oversized_audio_stops_at_the_limit(record_world, data_dir, client, login_as, settings):
    settings.KLINIK_AUDIO_MAX_MB = 1
    rw = record_world
    login_as(rw.doctor)
    big = wav_bytes(seconds=70)  # ~1.1 MB
    response = client.post(
        _new_url(rw), {"priority": "normal", "text": "", "audio": upload("lang.wav", big)}
    )
    assert response.status_code == 422
    assert "1 MB" in response.content.decode()
    assert not Dictation.objects.exists()
    assert stored_files(data_dir) == []


def test_a_secretary_cannot_open_the_dictation_form(record_world, data_dir, client, login_as):
    login_as(record_world.secretary)
    assert client.get(_new_url(record_world)).status_code == 403


def test_the_documents_tab_lists_the_patients_dictations(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = _dictate(rw)
    login_as(rw.doctor)
    body = client.get(f"/patients/{rw.patient.public_id}/record/documents/").content.decode()
    assert f"/dictation/{dictation.public_id}/" in body
    assert _new_url(rw) in body


# The queue ---------------------------------------------------------------------------------------


def test_queue_shows_urgent_first_and_marks_overdue(record_world, data_dir, client, login_as):
    rw = record_world
    now = timezone.now()
    low = _dictate(rw, priority=DictationPriority.LOW)
    urgent = _dictate(rw, priority=DictationPriority.URGENT)
    late = _dictate(rw, priority=DictationPriority.NORMAL)
    Dictation.objects.filter(pk=late.pk).update(deadline=now - timedelta(hours=2))
    login_as(rw.secretary)
    response = client.get("/dictation/")
    assert response.status_code == 200
    html = response.content.decode()
    order = re.findall(r'id="dictation-([0-9a-f-]{36})"', html)
    assert order == [str(urgent.public_id), str(late.public_id), str(low.public_id)]
    assert re.search(rf'id="dictation-{late.public_id}" class="[^"]*overdue', html)
    assert not re.search(rf'id="dictation-{low.public_id}" class="[^"]*overdue', html)
    assert rw.patient.name in html
    assert f'<span class="cpr">{rw.patient.cpr_display}</span>' in html  # names repeat


def test_queue_filters(record_world, data_dir, client, login_as):
    rw = record_world
    mine = _dictate(rw)
    colleague = dictation_create(actor=rw.doctor2_actor, patient=rw.patient, text="Andet")
    login_as(rw.doctor)
    html = client.get("/dictation/", {"author": "me"}).content.decode()
    assert str(mine.public_id) in html and str(colleague.public_id) not in html
    html = client.get("/dictation/", {"status": DictationStatus.DONE}).content.decode()
    assert str(mine.public_id) not in html
    html = client.get("/dictation/", {"unit": "all", "author": str(rw.doctor2.user.public_id)})
    assert str(colleague.public_id) in html.content.decode()


def test_queue_is_for_record_writers(record_world, world, data_dir, client, login_as):
    login_as(world.member("health_service_secretary"))
    assert client.get("/dictation/").status_code == 403


# Taking and the work screen ----------------------------------------------------------------------


def test_take_then_work_screen_with_player(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = _dictate(rw, audio=upload("d.wav", wav_bytes(seconds=1)))
    login_as(rw.secretary)
    response = client.post(f"/dictation/{dictation.public_id}/take/")
    assert response.status_code == 302
    assert response["Location"] == f"/dictation/{dictation.public_id}/"
    before = AccessLogEntry.objects.filter(object_type="dictation").count()
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/documents/{dictation.audio.public_id}/content/"' in html
    assert 'id="dictation-speed"' in html
    assert 'id="dictation-text"' in html
    assert "records_dictation.js" in html
    assert AccessLogEntry.objects.filter(object_type="dictation").count() == before + 1


def test_a_second_secretary_is_told_it_is_taken(record_world, world, data_dir, client, login_as):
    rw = record_world
    dictation = _dictate(rw)
    dictation_take(actor=rw.secretary_actor, dictation=dictation)
    login_as(world.member("secretary", unit=rw.unit))
    response = client.post(f"/dictation/{dictation.public_id}/take/", follow=True)
    assert response.redirect_chain[-1][0] == "/dictation/"
    assert "msg-error" in response.content.decode()
    assert Dictation.objects.get(pk=dictation.pk).taken_by == rw.secretary.user


def test_autosave_and_send_for_signing(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = dictation_take(actor=rw.secretary_actor, dictation=_dictate(rw))
    login_as(rw.secretary)
    saved = client.post(
        f"/dictation/{dictation.public_id}/text/", {"text": "Halv"}, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200
    assert "status-saved" in saved.content.decode()
    assert Dictation.objects.get(pk=dictation.pk).text == "Halv"
    response = client.post(f"/dictation/{dictation.public_id}/send/", {"text": "Hele notatet"})
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert (entry.entry_type, entry.text, entry.responsible) == (
        EntryType.DICTATION,
        "Hele notatet",
        rw.doctor.user,
    )
    assert entry.needs_signature
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.FOR_SIGNING
    # The doctor finds it among the entries to approve.
    client.logout()
    login_as(rw.doctor)
    to_sign = client.get("/journal/to-sign/").content.decode()
    assert f'id="to-sign-{entry.public_id}"' in to_sign
    assert f'<span class="cpr">{rw.patient.cpr_display}</span>' in to_sign


def test_empty_transcript_is_shown_at_the_field(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = dictation_take(actor=rw.secretary_actor, dictation=_dictate(rw))
    login_as(rw.secretary)
    response = client.post(f"/dictation/{dictation.public_id}/send/", {"text": "   "})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_autosave_by_someone_else_is_refused(record_world, world, data_dir, client, login_as):
    rw = record_world
    dictation = dictation_take(actor=rw.secretary_actor, dictation=_dictate(rw))
    login_as(world.member("secretary", unit=rw.unit))
    response = client.post(
        f"/dictation/{dictation.public_id}/text/", {"text": "overskrevet"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "status-error" in response.content.decode()
    assert Dictation.objects.get(pk=dictation.pk).text == "Kladde"


def test_release_and_cancel(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = dictation_take(actor=rw.secretary_actor, dictation=_dictate(rw))
    login_as(rw.secretary)
    response = client.post(f"/dictation/{dictation.public_id}/release/", {"text": "Lidt"})
    assert response.status_code == 302
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.WAITING
    client.logout()
    login_as(rw.doctor)
    refused = client.post(f"/dictation/{dictation.public_id}/cancel/", {"reason": ""})
    assert refused.status_code == 422
    response = client.post(f"/dictation/{dictation.public_id}/cancel/", {"reason": "Dublet"})
    assert response.status_code == 302
    cancelled = Dictation.objects.get(pk=dictation.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (DictationStatus.CANCELLED, "Dublet")


def test_another_organisation_gets_404(record_world, data_dir, client, login_as):
    rw = record_world
    dictation = _dictate(rw)
    login_as(rw.other_doctor)
    for path in ("", "take/", "text/", "send/", "release/", "cancel/"):
        method = client.get if path == "" else client.post
        assert method(f"/dictation/{dictation.public_id}/{path}").status_code == 404, path
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.WAITING
    assert not Document.objects.exists()


@pytest.mark.parametrize("role", ["secretary", "doctor"])
def test_navigation_shows_the_waiting_count(record_world, data_dir, client, login_as, role):
    rw = record_world
    _dictate(rw)
    _dictate(rw)
    login_as(getattr(rw, role))
    html = client.get("/dashboard/").content.decode()
    assert re.search(r'href="/dictation/"[^>]*>[^<]*<span class="badge"[^>]*>2</span>', html)
    assert 'id="widget-dictation_queue"' in html
