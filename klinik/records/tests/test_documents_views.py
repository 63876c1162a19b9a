"""The documents tab and the served file: upload with messages at the field, logged views,
the response headers (nosniff, sandbox CSP, Content-Disposition) and byte ranges."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from klinik.audit.models import AccessLogEntry
from klinik.records.documents import uploads
from klinik.records.documents.services import document_upload
from klinik.records.models import Document
from klinik.records.tests import document_files
from klinik.records.tests.document_files import (
    pdf_bytes,
    pdf_with_javascript,
    png_bytes,
    stored_files,
    upload,
    wav_bytes,
)

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


def _tab(rw) -> str:
    return f"/patients/{rw.patient.public_id}/record/documents/"


def _stored(rw, name="brev.pdf", content=None, actor=None):
    return document_upload(
        actor=actor or rw.secretary_actor,
        patient=rw.patient,
        upload=upload(name, content if content is not None else pdf_bytes()),
    )


def _content(document) -> str:
    return f"/documents/{document.public_id}/content/"


def test_the_tab_lists_documents_and_logs_the_read(record_world, data_dir, client, login_as):
    rw = record_world
    document = _stored(rw, "Epikrise.pdf")
    login_as(rw.secretary)
    before = AccessLogEntry.objects.filter(patient_id=rw.patient.public_id).count()
    response = client.get(_tab(rw))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Epikrise" in body
    assert _content(document) in body
    assert 'enctype="multipart/form-data"' in body
    logged = AccessLogEntry.objects.filter(patient_id=rw.patient.public_id).order_by("seq")
    assert logged.count() == before + 1
    assert logged.last().object_type == "documents"
    assert logged.last().user_id == rw.secretary.user_id


def test_upload_through_the_tab(record_world, data_dir, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(
        _tab(rw), {"title": "Røntgensvar", "file": upload("x.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.content_type) == ("Røntgensvar", "image/png")
    assert document.uploaded_by == rw.secretary.user
    assert len(stored_files(data_dir)) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("svar.pdf", b"<html><script>alert(1)</script></html>", uploads.FILE_NOT_DOCUMENT),
        ("formular.pdf", pdf_with_javascript(), uploads.PDF_ACTIVE),
        ("lyd.pdf", wav_bytes(), uploads.FILE_NOT_DOCUMENT),
    ],
)
def test_refused_upload_shows_the_message_at_the_field_and_stores_nothing(
    record_world, data_dir, client, login_as, name, content, message
):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(_tab(rw), {"title": "", "file": upload(name, content)})
    assert response.status_code == 422
    with translation.override("da"):
        expected = str(message)
    html = response.content.decode()
    assert expected.replace("'", "&#x27;") in html or expected in html
    assert re.search(r'<input type="file"[^>]*aria-invalid="true"', html)
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []


def test_oversized_upload_stops_at_the_limit(record_world, data_dir, client, login_as, settings):
    settings.KLINIK_DOCUMENT_MAX_MB = 1
    rw = record_world
    login_as(rw.secretary)
    big = pdf_bytes() + b"%" + b"x" * (2 * 1024 * 1024)
    response = client.post(_tab(rw), {"title": "stor", "file": upload("stor.pdf", big)})
    assert response.status_code == 422
    assert "1 MB" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []


def test_upload_needs_the_csrf_token(record_world, data_dir, client, login_as):
    login_as(record_world.secretary)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(_tab(record_world), {"file": upload("x.pdf", pdf_bytes())})
    assert response.status_code == 403
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []


def test_a_reception_role_cannot_upload(record_world, world, data_dir, client, login_as):
    login_as(world.member("health_service_secretary"))
    response = client.post(_tab(record_world), {"file": upload("x.pdf", pdf_bytes())})
    assert response.status_code == 403
    assert stored_files(data_dir) == []


# The served file ---------------------------------------------------------------------------------


def test_pdf_is_served_inline_with_safe_headers_and_logged(
    record_world, data_dir, client, login_as
):
    rw = record_world
    content = pdf_bytes()
    document = _stored(rw, "Epikrise.pdf", content)
    login_as(rw.doctor)
    before = AccessLogEntry.objects.filter(object_type="document").count()
    response = client.get(_content(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Epikrise.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"].endswith("; sandbox")
    assert response["Cache-Control"] == "private, no-store"
    assert AccessLogEntry.objects.filter(object_type="document").count() == before + 1


def test_images_and_downloads_are_sandboxed(record_world, data_dir, client, login_as):
    rw = record_world
    image = _stored(rw, "foto.png", png_bytes())
    login_as(rw.doctor)
    inline = client.get(_content(image))
    assert inline["Content-Type"] == "image/png"
    assert inline["Content-Security-Policy"].endswith("sandbox")
    download = client.get(_content(image) + "?download=1")
    assert download["Content-Disposition"] == 'attachment; filename="foto.png"'
    assert download["Content-Security-Policy"].endswith("sandbox")


def test_non_ascii_titles_are_encoded_in_the_header(record_world, data_dir, client, login_as):
    rw = record_world
    document = _stored(rw, "Røntgen ø.pdf")
    login_as(rw.doctor)
    response = client.get(_content(document) + "?download=1")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''R%C3%B8ntgen%20%C3%B8.pdf"
    )


def test_another_organisation_gets_404_and_nothing_is_logged(
    record_world, data_dir, client, login_as
):
    rw = record_world
    document = _stored(rw)
    login_as(rw.other_doctor)
    before = AccessLogEntry.objects.count()
    assert client.get(_content(document)).status_code == 404
    assert client.get(f"/patients/{rw.patient.public_id}/record/documents/").status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_another_unit_must_break_the_glass(record_world, data_dir, client, login_as, world):
    rw = record_world
    document = _stored(rw)
    login_as(world.member("secretary", unit=rw.unit2))
    response = client.get(_content(document))
    assert response.status_code == 403
    assert b"%PDF" not in response.content


# Byte ranges (seeking in dictation audio) --------------------------------------------------------


def _audio(record_world):
    content = wav_bytes(seconds=1)
    document = document_upload(
        actor=record_world.doctor_actor,
        patient=record_world.patient,
        upload=upload("diktat.wav", content),
        kinds=uploads.AUDIO_KINDS,
    )
    return document, content


def test_range_request_answers_206_with_the_bytes(record_world, data_dir, client, login_as):
    document, content = _audio(record_world)
    login_as(record_world.secretary)
    before = AccessLogEntry.objects.filter(object_type="document").count()
    response = client.get(_content(document), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(content)}"
    assert response["Content-Length"] == "100"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content) == content[100:200]
    assert AccessLogEntry.objects.filter(object_type="document").count() == before + 1


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=1000-", 1000, None), ("bytes=-500", -500, None), ("bytes=0-999999999", 0, None)],
)
def test_open_and_suffix_ranges(record_world, data_dir, client, login_as, header, start, end):
    document, content = _audio(record_world)
    login_as(record_world.secretary)
    response = client.get(_content(document), HTTP_RANGE=header)
    assert response.status_code == 206
    expected = content[start:end] if end else content[start:]
    assert b"".join(response.streaming_content) == expected
    first = start if start >= 0 else len(content) + start
    assert response["Content-Range"] == f"bytes {first}-{len(content) - 1}/{len(content)}"


def test_unsatisfiable_range_answers_416(record_world, data_dir, client, login_as):
    document, content = _audio(record_world)
    login_as(record_world.secretary)
    response = client.get(_content(document), HTTP_RANGE=f"bytes={len(content)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(content)}"


def test_several_ranges_get_the_whole_file(record_world, data_dir, client, login_as):
    document, content = _audio(record_world)
    login_as(record_world.secretary)
    response = client.get(_content(document), HTTP_RANGE="bytes=0-1,5-6")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
