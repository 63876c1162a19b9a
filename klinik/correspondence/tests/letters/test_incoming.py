"""Incoming letters and scans (issue 15 item 1): registered with their file (checked as record
documents are), matched by the CPR number given or by a secretary's search, waiting in the work
queue until filed in the record as an "Indgående brev" entry with the file as its document; a
refused file leaves nothing; another organisation's letter is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from klinik.core.choices import Role
from klinik.correspondence.models import IncomingLetter
from klinik.records.choices import EntryType
from klinik.records.models import Document, JournalEntry
from klinik.records.tests import document_files

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


@pytest.fixture
def secretary(world, login_as):
    member = world.member(Role.SECRETARY)
    login_as(member)
    return member


def _register(client, **fields):
    data = {
        "file": document_files.upload("brev.pdf", document_files.pdf_bytes()),
        "sender": "Regionshospital Nord",
        "title": "Epikrise",
        "received_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        **fields,
    }
    return client.post("/breve/indgaaende/", data)


def test_a_scan_without_a_known_cpr_waits_is_matched_and_filed(
    client, secretary, world, data_dir, django_capture_on_commit_callbacks
):
    response = _register(client, cpr="0101010000")  # matches nobody
    assert response.status_code == 302, response.content[:500]
    letter = IncomingLetter.objects.get()
    assert letter.status == "unmatched" and letter.patient is None
    assert len(document_files.stored_files(data_dir)) == 1
    queue = client.get("/arbejdsliste/").content.decode()
    assert f"/breve/indgaaende/{letter.public_id}/" in queue
    page = client.get(
        f"/breve/indgaaende/{letter.public_id}/", {"q": world.patient_a.cpr}
    ).content.decode()
    assert str(world.patient_a.public_id) in page
    client.post(
        f"/breve/indgaaende/{letter.public_id}/match/", {"patient": str(world.patient_a.public_id)}
    )
    letter.refresh_from_db()
    assert letter.status == "to_file" and letter.patient == world.patient_a
    file = client.get(f"/breve/indgaaende/{letter.public_id}/fil/")
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    assert "sandbox" in file["Content-Security-Policy"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/breve/indgaaende/{letter.public_id}/journaliser/", {"note": "Set af lægen."})
    letter.refresh_from_db()
    assert letter.status == "filed"
    entry = JournalEntry.objects.get(patient=world.patient_a)
    assert entry.entry_type == EntryType.LETTER_IN and entry.title == "Indgående brev: Epikrise"
    assert "Regionshospital Nord" in entry.text and "Set af lægen." in entry.text
    document = Document.objects.get(patient=world.patient_a)
    assert letter.entry == entry and letter.document == document
    assert document.sha256 == letter.sha256  # the same file, now the record's
    assert len(document_files.stored_files(data_dir)) == 1  # the registration's copy is gone
    queue = client.get("/arbejdsliste/").content.decode()
    assert f"/breve/indgaaende/{letter.public_id}/" not in queue
    again = client.post(f"/breve/indgaaende/{letter.public_id}/journaliser/", {})
    assert again.status_code == 422 and JournalEntry.objects.count() == 1


def test_a_letter_with_a_known_cpr_is_matched_at_once(client, secretary, world, data_dir):
    _register(client, cpr=world.patient_a.cpr)
    letter = IncomingLetter.objects.get()
    assert letter.status == "to_file" and letter.patient == world.patient_a


def test_a_refused_file_is_a_clear_message_and_leaves_nothing(client, secretary, world, data_dir):
    response = _register(client, file=document_files.upload("brev.txt", b"just text"))
    assert response.status_code == 422
    assert "PDF" in response.content.decode()
    active = _register(
        client, file=document_files.upload("brev.pdf", document_files.pdf_with_javascript())
    )
    assert active.status_code == 422
    assert not IncomingLetter.objects.exists()
    assert document_files.stored_files(data_dir) == []


def test_a_future_day_received_is_refused(client, secretary, world, data_dir):
    response = _register(client, received_on="2099-01-01")
    assert response.status_code == 422 and not IncomingLetter.objects.exists()


def test_another_organisations_incoming_letter_is_a_404(
    client, secretary, world, data_dir, login_as
):
    _register(client)
    letter = IncomingLetter.objects.get()
    client.logout()
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    for path in ("", "fil/"):
        assert client.get(f"/breve/indgaaende/{letter.public_id}/{path}").status_code == 404
    response = client.post(
        f"/breve/indgaaende/{letter.public_id}/match/", {"patient": str(world.patient_b.public_id)}
    )
    assert response.status_code == 404
    letter.refresh_from_db()
    assert letter.status == "unmatched"
