"""Writes to the patient register."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient


def patient_register(
    *,
    actor: Actor,
    cpr: str,
    given_name: str,
    family_name: str,
    birth_date: date,
    unit: Unit | None = None,
    channel: Channel = Channel.UI,
) -> Patient:
    require(actor, Perm.PATIENT_EDIT)
    organisation = actor.organisation
    if organisation is None:
        raise ValueError("A patient is registered in an organisation")
    with transaction.atomic(durable=True):
        patient = Patient.objects.create(
            organisation=organisation,
            unit=unit if unit is not None else actor.unit,
            cpr=cpr,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
        )
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="patient",
            object_id=patient.public_id,
            patient_id=patient.public_id,
        )
    return patient
