"""The patient's self-service link: a signed, dated token of the patient's public id (as the
booking's manage links are signed in scheduling.reminders). It opens the page where the patient
asks for a prescription renewal, writes to the clinic and reads the clinic's answers; it names
no CPR number and is refused after `LINK_MAX_AGE`."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from klinik.patients.models import Patient

SALT = "klinik.correspondence.selfservice"
LINK_MAX_AGE = timedelta(days=90)


class LinkInvalid(Exception):
    """The token is forged, changed or too old."""


def selfservice_token(patient: Patient) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(patient.public_id))


def selfservice_link(patient: Patient) -> str:
    """The absolute link to put in a message to the patient."""
    base = settings.KLINIK_PUBLIC_URL.rstrip("/")
    return base + reverse("selfservice", kwargs={"token": selfservice_token(patient)})


def selfservice_patient(token: str) -> Patient:
    """The patient of a link (not merged away, alive, not restricted). Raises LinkInvalid."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_MAX_AGE)
        public_id = uuid.UUID(value)
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid from exc
    patient = (
        Patient.objects.select_related("unit", "organisation")
        .filter(
            public_id=public_id,
            merged_into__isnull=True,
            deceased_date__isnull=True,
            is_restricted=False,
        )
        .first()
    )
    if patient is None:
        raise LinkInvalid
    return patient
