"""REST: POST /api/v1/patients/{id}/documents (multipart), GET /api/v1/documents/{id} and
/content, GET /api/v1/dictations, GET /api/v1/dictations/{id}, POST /api/v1/patients/{id}/
dictations."""

from __future__ import annotations

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.dictation.services import dictation_create, dictation_take
from klinik.records.models import Dictation, Document
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


class Api:
    def __init__(self, client, membership, organisation):
        _, token = api_token_create(user=membership.user, organisation=organisation)
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, path: str, data: dict):
        return self.client.post(f"/api/v1{path}", data, **self.auth)  # multipart

    def get(self, path: str, headers: dict | None = None, **params: str):
        return self.client.get(f"/api/v1{path}", params, **self.auth, **(headers or {}))


@pytest.fixture
def api(record_world, client):
    return Api(client, record_world.secretary, record_world.organisation)


@pytest.fixture
def doctor_api(record_world, client):
    return Api(client, record_world.doctor, record_world.organisation)


def _documents(rw) -> str:
    return f"/patients/{rw.patient.public_id}/documents"


def test_upload_read_and_download(api, record_world, data_dir):
    content = pdf_bytes()
    response = api.post(
        _documents(record_world), {"title": "Epikrise", "file": upload("e.pdf", content)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["content_type"], body["size"]) == (
        "pdf",
        "application/pdf",
        len(content),
    )
    assert body["title"] == "Epikrise"
    assert body["patient"] == str(record_world.patient.public_id)
    before = AccessLogEntry.objects.filter(object_type="document", channel="api").count()
    meta = api.get(f"/documents/{body['id']}")
    assert meta.status_code == 200
    assert meta.json()["sha256"] == body["sha256"]
    file = api.get(body["content_url"].removeprefix("/api/v1"), download="true")
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == content
    assert file["Content-Disposition"] == 'attachment; filename="Epikrise.pdf"'
    assert file["X-Content-Type-Options"] == "nosniff"
    assert AccessLogEntry.objects.filter(object_type="document", channel="api").count() == (
        before + 2
    )


def test_range_request_through_the_api(api, record_world, data_dir):
    content = png_bytes((64, 64))
    body = api.post(_documents(record_world), {"file": upload("f.png", content)}).json()
    part = api.get(f"/documents/{body['id']}/content", headers={"HTTP_RANGE": "bytes=0-7"})
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == content[:8]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"<html><script>alert(1)</script></html>", 415, "file_type"),
        (pdf_with_javascript(), 422, "pdf_active"),
        (pdf_bytes()[:100], 422, "pdf_invalid"),
    ],
)
def test_refused_uploads_say_why_and_store_nothing(
    api, record_world, data_dir, content, status, code
):
    response = api.post(_documents(record_world), {"file": upload("x.pdf", content)})
    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, "file")
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []


def test_oversized_upload_answers_413(api, record_world, data_dir, settings):
    settings.KLINIK_DOCUMENT_MAX_MB = 1
    big = pdf_bytes() + b"%" + b"x" * (1024 * 1024)
    response = api.post(_documents(record_world), {"file": upload("x.pdf", big)})
    assert response.status_code == 413
    assert stored_files(data_dir) == []


def test_missing_file_is_a_422(api, record_world, data_dir):
    assert api.post(_documents(record_world), {"title": "x"}).status_code == 422


def test_another_organisation_gets_404(record_world, client, data_dir):
    mine = Api(client, record_world.secretary, record_world.organisation)
    theirs = Api(client, record_world.other_doctor, record_world.other_organisation)
    body = mine.post(_documents(record_world), {"file": upload("x.pdf", pdf_bytes())}).json()
    assert theirs.get(f"/documents/{body['id']}").status_code == 404
    assert theirs.get(f"/documents/{body['id']}/content").status_code == 404
    response = theirs.post(_documents(record_world), {"file": upload("y.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert Document.objects.count() == 1


# Dictations --------------------------------------------------------------------------------------


def _dictations(rw) -> str:
    return f"/patients/{rw.patient.public_id}/dictations"


def test_doctor_dictates_with_audio_and_secretary_lists_the_queue(
    doctor_api, api, record_world, data_dir
):
    response = doctor_api.post(
        _dictations(record_world),
        {"audio": upload("d.wav", wav_bytes(seconds=2)), "priority": "urgent", "text": ""},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["priority"], created["status"], created["duration_seconds"]) == (
        "urgent",
        "waiting",
        2,
    )
    assert created["audio"] is not None
    typed = doctor_api.post(_dictations(record_world), {"text": "Kladde", "priority": "low"})
    assert typed.status_code == 201
    queue = api.get("/dictations")
    assert queue.status_code == 200
    assert [d["id"] for d in queue.json()] == [created["id"], typed.json()["id"]]
    assert "text" not in queue.json()[0]  # the list carries ids, not record text
    one = api.get(f"/dictations/{typed.json()['id']}")
    assert one.json()["text"] == "Kladde"
    audio = api.get(f"/documents/{created['audio']}/content")
    assert audio["Content-Type"] == "audio/wav"


def test_dictations_filters(api, record_world, data_dir):
    rw = record_world
    waiting = dictation_create(actor=rw.doctor_actor, patient=rw.patient, text="a")
    taken = dictation_take(
        actor=rw.secretary_actor,
        dictation=dictation_create(actor=rw.doctor_actor, patient=rw.patient, text="b"),
    )
    Dictation.objects.filter(pk=waiting.pk).update(unit=rw.unit2)
    assert [d["id"] for d in api.get("/dictations").json()] == [str(taken.public_id)]
    in_a2 = api.get("/dictations", unit=str(rw.unit2.public_id)).json()
    assert [d["id"] for d in in_a2] == [str(waiting.public_id)]
    assert len(api.get("/dictations", unit="all").json()) == 2
    progress = api.get("/dictations", unit="all", status=DictationStatus.IN_PROGRESS).json()
    assert [d["id"] for d in progress] == [str(taken.public_id)]
    assert api.get("/dictations", status="bogus").status_code == 422
    assert api.get("/dictations", unit=str(rw.world.unit_b.public_id)).status_code == 422


def test_dictation_refusals(doctor_api, api, record_world, data_dir):
    rw = record_world
    assert api.post(_dictations(rw), {"text": "x"}).status_code == 403  # a secretary
    empty = doctor_api.post(_dictations(rw), {"text": ""})
    assert (empty.status_code, empty.json()["code"]) == (422, "content_required")
    disguised = doctor_api.post(_dictations(rw), {"audio": upload("a.wav", pdf_bytes())})
    assert (disguised.status_code, disguised.json()["field"]) == (415, "audio")
    late = doctor_api.post(
        _dictations(rw),
        {"text": "x", "priority": DictationPriority.NORMAL, "deadline": "2001-01-01T10:00"},
    )
    assert (late.status_code, late.json()["code"]) == (422, "deadline_past")
    assert not Dictation.objects.exists()
    assert stored_files(data_dir) == []
