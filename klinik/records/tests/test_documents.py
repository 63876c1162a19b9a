"""Documents: content checks, storage outside the web root, the logged door, the served file."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from PIL import Image
from reportlab.pdfgen import canvas

from klinik.audit.choices import Channel
from klinik.audit.models import AccessLogEntry
from klinik.records.access import document_access
from klinik.records.choices import DocumentKind
from klinik.records.documents import uploads
from klinik.records.documents.services import TITLE_FALLBACK, document_upload, title_clean
from klinik.records.documents.storage import document_path
from klinik.records.documents.uploads import AUDIO_KINDS, DOCUMENT_KINDS, sniff
from klinik.records.errors import RecordError
from klinik.records.models import Document
from klinik.records.tests import document_files
from klinik.records.tests.document_files import (
    jpeg_bytes,
    pdf_bytes,
    pdf_with_javascript,
    png_bytes,
    stored_files,
    upload,
    wav_bytes,
)

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


def _upload(rw, name: str, content: bytes, **kwargs):
    return document_upload(
        actor=kwargs.pop("actor", rw.secretary_actor),
        patient=kwargs.pop("patient", rw.patient),
        upload=upload(name, content, kwargs.pop("content_type", "application/pdf")),
        **kwargs,
    )


def _refused(rw, data_dir, name: str, content: bytes, code: str, **kwargs) -> RecordError:
    with pytest.raises(RecordError) as caught:
        _upload(rw, name, content, **kwargs)
    assert caught.value.code == code
    assert caught.value.field == "file"
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []
    return caught.value


# Content checks ----------------------------------------------------------------------------------


def test_pdf_is_stored_outside_the_web_root_under_a_random_name(record_world, data_dir):
    content = pdf_bytes()
    document = _upload(record_world, "Epikrise Alma.pdf", content)
    assert document.kind == DocumentKind.PDF
    assert document.content_type == "application/pdf"
    assert document.title == "Epikrise Alma"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    path = document_path(document)
    org = str(record_world.organisation.public_id)
    assert path.parent == data_dir / "documents" / org
    assert "Epikrise" not in str(path) and "Alma" not in str(path)
    assert path.read_bytes() == content
    assert stored_files(data_dir) == [path]  # no temporary file left behind


def test_png_and_jpeg_are_accepted_as_images(record_world, data_dir):
    png = _upload(record_world, "foto.png", png_bytes(), content_type="image/png")
    jpeg = _upload(record_world, "scan.jpeg", jpeg_bytes(), content_type="image/jpeg")
    assert (png.kind, png.content_type) == (DocumentKind.IMAGE, "image/png")
    assert (jpeg.kind, jpeg.content_type) == (DocumentKind.IMAGE, "image/jpeg")


def test_the_kind_comes_from_the_content_not_the_name(record_world, data_dir):
    document = _upload(record_world, "brev.txt", png_bytes(), content_type="text/plain")
    assert document.content_type == "image/png"


def test_html_named_pdf_is_refused_and_nothing_stored(record_world, data_dir):
    error = _refused(record_world, data_dir, "svar.pdf", HTML, "file_type")
    assert error.message == str(uploads.FILE_NOT_DOCUMENT)


def test_executable_named_pdf_is_refused(record_world, data_dir):
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS"
    _refused(record_world, data_dir, "faktura.pdf", exe, "file_type")


def test_pdf_with_javascript_is_refused(record_world, data_dir):
    content = pdf_with_javascript()
    assert b"/JavaScript" in content
    _refused(record_world, data_dir, "formular.pdf", content, "pdf_active")


def test_javascript_hidden_behind_escaped_names_is_found_by_the_parser(record_world, data_dir):
    """/J#61vaScript and /J#53 are /JavaScript and /JS once decoded."""
    content = (
        pdf_with_javascript()
        .replace(b"/JavaScript", b"/J#61vaScript")
        .replace(b"/JS ", b"/J#53 ")
        .replace(b"/JS(", b"/J#53(")
    )
    assert b"/JavaScript" not in content
    _refused(record_world, data_dir, "formular.pdf", content, "pdf_active")


def test_pdf_mentioning_javascript_in_its_text_or_image_data_is_accepted(record_world, data_dir):
    """Only the parsed objects count: the words in a page's text, or the same bytes by
    chance in a scan's image data, are not scripts."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pageCompression=0)
    page.drawString(72, 760, "Vedr. /JavaScript og /JS /Launch i formularer")
    page.save()
    content = out.getvalue()
    assert b"/JavaScript" in content and b"/Launch" in content
    document = _upload(record_world, "brev.pdf", content)
    assert document.content_type == "application/pdf"


def test_damaged_pdf_is_refused(record_world, data_dir):
    _refused(record_world, data_dir, "brud.pdf", pdf_bytes()[:200], "pdf_invalid")


def test_truncated_png_is_refused(record_world, data_dir):
    _refused(record_world, data_dir, "foto.png", png_bytes()[:60], "image_invalid")


def test_decompression_bomb_is_refused(record_world, data_dir, monkeypatch):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # a few KB on disk, 144 megapixels
    _refused(record_world, data_dir, "bombe.png", out.getvalue(), "image_too_large")


def test_oversized_file_is_refused_and_nothing_stored(record_world, data_dir, settings):
    settings.KLINIK_DOCUMENT_MAX_MB = 1
    content = pdf_bytes() + b"%" + b"x" * (1024 * 1024)
    error = _refused(record_world, data_dir, "stor.pdf", content, "file_too_large")
    assert "1 MB" in error.message


def test_empty_file_is_refused(record_world, data_dir):
    _refused(record_world, data_dir, "tom.pdf", b"", "file_empty")


def test_audio_is_not_a_document_and_documents_are_not_audio(record_world, data_dir):
    _refused(record_world, data_dir, "lyd.wav", wav_bytes(), "file_type")
    with pytest.raises(RecordError) as caught:
        uploads.upload_check(upload=upload("x.wav", pdf_bytes()), kinds=AUDIO_KINDS, field="a")
    assert (caught.value.code, caught.value.field) == ("file_type", "a")


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "audio/webm"),
    ],
)
def test_sniffing_recognises_the_stored_kinds(head, content_type):
    sniffed = sniff(head)
    assert sniffed is not None
    assert sniffed.content_type == content_type


@pytest.mark.parametrize(
    "head",
    [HTML, b"MZ\x90\x00", b"PK\x03\x04", b"GIF89a", b"\x1a\x45\xdf\xa3 matroska", b"OggS theora"],
)
def test_sniffing_refuses_everything_else(head):
    assert sniff(head) is None


def test_wav_duration_is_read_from_the_file():
    checked = uploads.upload_check(
        upload=upload("d.wav", wav_bytes(seconds=3)), kinds=AUDIO_KINDS, field="audio"
    )
    assert (checked.content_type, checked.duration_seconds) == ("audio/wav", 3)


def test_titles_are_cleaned():
    assert title_clean("", "C:\\Users\\x\\Svar fra\tlab.pdf") == "Svar fra lab"
    assert title_clean("  Røntgen\x00 thorax \u202e ", "x.pdf") == "Røntgen thorax"
    assert title_clean("", "") == str(TITLE_FALLBACK)
    assert len(title_clean("a" * 500)) == 200


# Transactions ------------------------------------------------------------------------------------


def test_a_failed_transaction_removes_the_written_file(record_world, data_dir, monkeypatch):
    """The row insert fails after the file is written: the file goes too."""

    def fail(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Document.objects, "create", fail)
    with pytest.raises(IntegrityError):
        _upload(record_world, "brev.pdf", pdf_bytes())
    assert stored_files(data_dir) == []
    assert not Document.objects.exists()


def test_a_role_without_record_write_cannot_upload(record_world, world, data_dir):
    receptionist = record_world.actor(world.member("health_service_secretary"))
    with pytest.raises(PermissionDenied):
        _upload(record_world, "brev.pdf", pdf_bytes(), actor=receptionist)
    assert stored_files(data_dir) == []


# The door ----------------------------------------------------------------------------------------


def test_reading_a_document_is_logged(record_world, data_dir):
    document = _upload(record_world, "brev.pdf", pdf_bytes())
    before = AccessLogEntry.objects.filter(object_type="document").count()
    found = document_access(
        actor=record_world.doctor_actor, public_id=document.public_id, channel=Channel.API
    )
    assert found == document
    entry = AccessLogEntry.objects.filter(object_type="document").latest("seq")
    assert AccessLogEntry.objects.filter(object_type="document").count() == before + 1
    assert entry.patient_id == record_world.patient.public_id
    assert entry.user_id == record_world.doctor.user_id
    assert entry.channel == Channel.API


def test_another_organisation_gets_404(record_world, data_dir):
    document = _upload(record_world, "brev.pdf", pdf_bytes())
    before = AccessLogEntry.objects.count()
    with pytest.raises(Http404):
        document_access(
            actor=record_world.other_doctor_actor,
            public_id=document.public_id,
            channel=Channel.UI,
        )
    with pytest.raises(Http404):
        document_access(actor=record_world.other_doctor_actor, public_id="x", channel=Channel.UI)
    assert AccessLogEntry.objects.count() == before


def test_document_kinds_are_the_ones_offered():
    assert {DocumentKind.PDF, DocumentKind.IMAGE} == DOCUMENT_KINDS


def test_compressed_wav_is_accepted_by_its_chunks_and_truncated_wav_refused():
    content = bytearray(wav_bytes(seconds=1))
    content[20:22] = (2).to_bytes(2, "little")  # format tag 2: Microsoft ADPCM
    checked = uploads.upload_check(
        upload=upload("adpcm.wav", bytes(content)), kinds=AUDIO_KINDS, field="audio"
    )
    assert (checked.content_type, checked.duration_seconds) == ("audio/wav", None)
    with pytest.raises(RecordError) as caught:
        uploads.upload_check(
            upload=upload("brud.wav", bytes(content[:40])), kinds=AUDIO_KINDS, field="audio"
        )
    assert caught.value.code == "audio_invalid"
