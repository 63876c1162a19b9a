"""Reads of the documents tab. Callers pass a patient they got through records.access (which
checks and logs); one stored document is read through records.access.document_access."""

from __future__ import annotations

from klinik.patients.models import Patient
from klinik.records.models import Document


def documents_of_patient(*, patient: Patient, limit: int = 500) -> list[Document]:
    """The patient's documents, newest first (call after access_record)."""
    return list(
        Document.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")[:limit]
    )
