"""What the record's REST endpoint modules share (records_coding, records_observations,
records_documents): the patient and the contact an endpoint works on, through records.access
(checked and logged), and how people are named."""

from __future__ import annotations

import uuid

from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import User
from klinik.core.policy import Perm
from klinik.patients.models import Patient
from klinik.records.access import access_record, contact_for_write
from klinik.records.clinical.services import CONTACT_OTHER_PATIENT
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import Contact

LIST_LIMIT = 500


def patient_of(
    request: ApiRequest, patient_id: uuid.UUID, *, perm: Perm, object_type: str
) -> Patient:
    return access_record(
        actor=request.auth,
        patient_public_id=patient_id,
        channel=Channel.API,
        perm=perm,
        object_type=object_type,
    )


def contact_of(
    request: ApiRequest, patient: Patient | None, contact_id: uuid.UUID | None
) -> Contact | None:
    if contact_id is None:
        return None
    contact = contact_for_write(actor=request.auth, public_id=contact_id)
    if patient is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code=RecordCode.CONTACT_PATIENT, field="contact")
    return contact


def person_name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()
