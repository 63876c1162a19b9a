"""A sent letter in the record (issue 15 item 1) and the editor's preview (item 2): sending puts
an immutable "Udgående brev" journal entry and the PDF as a record document in the patient's
record, a refused send puts nothing there (no row, no file); the preview fills the merge fields
and shows the PDF without storing anything."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from klinik.core.choices import Role
from klinik.correspondence.models import Letter
from klinik.records.choices import EntryType
from klinik.records.errors import RecordImmutable
from klinik.records.models import Document, JournalEntry
from klinik.records.tests import document_files
from klinik.scheduling.availability import LOCAL

NOW = datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL)
data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


@pytest.fixture
def outbox(settings, tmp_path):
    settings.DIGITAL_POST_OUTBOX_DIR = str(tmp_path / "dp")
    return tmp_path / "dp"


def _write(client, world) -> Letter:
    response = client.post(
        f"/breve/patient/{world.patient_a.public_id}/",
        {
            "subject": "Svar på henvisning",
            "body": "Kære {patient_first_name}\n\nVi ses.",
            "save": "1",
        },
    )
    assert response.status_code == 302, response.content[:400]
    return Letter.objects.get()


def test_a_sent_letter_is_an_outgoing_letter_entry_with_its_pdf(
    client, login_as, world, outbox, data_dir, now
):
    login_as(world.member(Role.DOCTOR))
    letter = _write(client, world)
    assert not JournalEntry.objects.exists()  # written is not sent
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "digital_post"})
    letter.refresh_from_db()
    assert letter.status == "sent"
    entry = JournalEntry.objects.get(patient=world.patient_a)
    assert letter.entry == entry and entry.entry_type == EntryType.LETTER_OUT
    assert entry.title == "Udgående brev: Svar på henvisning"
    assert entry.text.startswith(f"Kære {world.patient_a.given_name}")
    document = Document.objects.get(patient=world.patient_a)
    assert letter.document == document and document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(bytes(letter.pdf)).hexdigest()
    assert document_files.stored_files(data_dir) != []
    served = client.get(f"/documents/{document.public_id}/content/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == bytes(letter.pdf)
    entry.text = "ændret"
    with pytest.raises(RecordImmutable):
        entry.save()
    page = client.get(f"/breve/{letter.public_id}/").content.decode()
    assert 'id="letter-record"' in page


def test_a_refused_send_puts_nothing_in_the_record(client, login_as, world, data_dir, now):
    login_as(world.member(Role.SECRETARY))
    letter = _write(client, world)
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "email"})  # no e-mail consent
    letter.refresh_from_db()
    assert letter.status == "failed" and letter.entry is None and letter.document is None
    assert not JournalEntry.objects.exists() and not Document.objects.exists()
    assert document_files.stored_files(data_dir) == []
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "print"})
    letter.refresh_from_db()
    assert letter.status == "sent" and letter.entry is not None
    assert JournalEntry.objects.count() == 1 and Document.objects.count() == 1


def test_the_preview_fills_the_merge_fields_and_shows_the_pdf_storing_nothing(
    client, login_as, world, data_dir, now
):
    login_as(world.member(Role.SECRETARY))
    url = f"/breve/patient/{world.patient_a.public_id}/"
    form = {"subject": "Til {patient_first_name}", "body": "Kære {patient_name}\n\nHilsen {unit}"}
    html = client.post(url, {**form, "preview": "1"})
    assert html.status_code == 200
    text = html.content.decode()
    assert f"Kære {world.patient_a.name}" in text and "Hilsen Klinik A" in text
    assert "{patient_name}" not in text.split('id="preview"')[1]
    pdf = client.post(url, {**form, "preview_pdf": "1"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    page = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert f"Til {world.patient_a.given_name}" in page
    assert not Letter.objects.exists() and not JournalEntry.objects.exists()
    bad = client.post(url, {"subject": "Hej", "body": "Kære {navn}", "preview_pdf": "1"})
    assert bad.status_code == 422 and "{navn}" in bad.content.decode()
