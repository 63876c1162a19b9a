"""A bearer-token client for the API tests, and the world they share: organisation A with a
clinic, an appointment, a journal entry, a document and a dictation around its patient, and a
doctor of organisation B (tenancy, not the role, must be what refuses B)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.test import Client

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.models import Membership
from klinik.records.dictation.services import dictation_create
from klinik.records.documents.services import document_upload
from klinik.records.models import Dictation, Document, JournalEntry
from klinik.records.tests.document_files import pdf_bytes, upload
from klinik.records.tests.factories import RecordWorld, entry_write, record_world_create
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import Clinic, at, clinic_create, next_workday

MISSING = "00000000-0000-4000-8000-000000000000"


class ApiClient:
    """Requests with `Authorization: Bearer` for one membership's organisation."""

    def __init__(self, client: Client, membership: Membership) -> None:
        organisation = membership.organisation
        _, token = api_token_create(user=membership.user, organisation=organisation)
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self.auth)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", **self.auth
        )

    def patch(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.patch(
            f"/api/v1{path}", data, content_type="application/json", **self.auth
        )

    def post_form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, **self.auth)  # multipart

    def send(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        if method == "GET":
            return self.get(path, **(data or {}))
        if method == "PATCH":
            return self.patch(path, data or {})
        if method == "POST_FORM":
            return self.post_form(path, data or {})
        return self.post(path, data)


@dataclass
class ApiWorld:
    rw: RecordWorld
    clinic: Clinic
    clinic_b: Clinic
    day: Any
    appointment: Appointment
    entry: JournalEntry
    document: Document
    dictation: Dictation
    doctor_b: Membership


def api_world_create(world: object) -> ApiWorld:
    rw = record_world_create(world)
    clinic = clinic_create(rw.unit)
    clinic_b = clinic_create(world.unit_b)  # type: ignore[attr-defined]
    day = next_workday()
    appointment = appointment_book(
        actor=rw.secretary_actor,
        patient=rw.patient,
        appointment_type=clinic.consultation,
        start=at(day, 10),
    )
    entry = entry_write(rw.doctor_actor, rw.patient, "Kontrol. Velbefindende.")
    document = document_upload(
        actor=rw.doctor_actor, patient=rw.patient, upload=upload("brev.pdf", pdf_bytes())
    )
    dictation = dictation_create(actor=rw.doctor_actor, patient=rw.patient, text="Diktat om Alma")
    return ApiWorld(
        rw=rw,
        clinic=clinic,
        clinic_b=clinic_b,
        day=day,
        appointment=appointment,
        entry=entry,
        document=document,
        dictation=dictation,
        doctor_b=rw.other_doctor,
    )


_VARYING = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def same_answer(foreign: Any, missing: Any) -> None:
    """Another organisation's object is answered exactly as a missing one (ids aside)."""
    assert foreign.status_code == missing.status_code, (foreign.content, missing.content)
    assert foreign.status_code in {403, 404, 422}, foreign.content
    assert _VARYING.sub(b"", foreign.content) == _VARYING.sub(b"", missing.content)


def new_id() -> str:
    return str(uuid.uuid4())


__all__ = ["MISSING", "ApiClient", "ApiWorld", "Role", "api_world_create", "same_answer"]
