"""Telling the patient: a renewal decided, a message answered. Written to the outbox (the
channel the patient's consent allows, SMS held over quiet hours) in the caller's transaction;
the text is the unit's own template for the kind (setup) or the default (texts.py)."""

from __future__ import annotations

from django.utils import timezone, translation

from klinik.core.models import Unit
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.selfservice.links import selfservice_link
from klinik.correspondence.services import outbox_message_queue
from klinik.correspondence.texts import DEFAULTS, template_for
from klinik.patients.models import Patient
from klinik.scheduling.reminders import patient_language, render


def patient_notice_queue(*, patient: Patient, unit_id: int | None, kind: str) -> OutboxMessage:
    """Queue a notice of `kind` (MessageKind) to the patient; {link} is their self-service
    link, {unit} the unit's name."""
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    context = {
        "unit": unit.name if unit else patient.organisation.name,
        "link": selfservice_link(patient),
        "when": "",
        "previous_when": "",
        "type": "",
        "preparation": "",
    }
    template = template_for(
        organisation_id=patient.organisation_id,
        unit_id=unit_id,
        appointment_type_id=None,
        kind=kind,
    )
    default_subject, default_body = DEFAULTS[kind]
    with translation.override(patient_language(patient.language)):
        subject = template.subject if template is not None and template.subject else default_subject
        body = template.body if template is not None else default_body
        subject, body = render(str(subject), context), render(str(body), context)
    return outbox_message_queue(
        organisation_id=patient.organisation_id,
        unit_id=unit_id,
        patient=patient,
        kind=kind,
        subject=subject,
        body=body,
        due=timezone.now(),
    )
