"""Reads of the MedCom messages. A list naming patients takes the actor and logs one entry
(ADR 0015); one patient's messages are read after the patient door logged the read."""

from __future__ import annotations

from django.db.models import QuerySet

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.messages.choices import CareMessageKind, CareMessageStatus
from klinik.correspondence.models import CareMessage, CareMessageEvent, Partner
from klinik.patients.models import Patient
from klinik.records.choices import DictationStatus
from klinik.records.models import Dictation


def patient_care_messages(*, patient: Patient) -> list[CareMessage]:
    """The patient's correspondence messages (acknowledgements are shown on their message)."""
    return list(
        CareMessage.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            kind=CareMessageKind.CARE_COMMUNICATION,
        ).order_by("-created_at", "-id")
    )


def care_thread(*, actor: Actor, message: CareMessage) -> list[CareMessage]:
    """The messages of `message`'s thread (read through its door), oldest first, with the
    acknowledgements."""
    return list(
        CareMessage.objects.filter(
            organisation_id=message.organisation_id,
            organisation_id__in=actor.organisation_ids,
            thread=message.thread,
        ).order_by("created_at", "id")
    )


def care_message_events(*, actor: Actor, message: CareMessage) -> QuerySet[CareMessageEvent]:
    return CareMessageEvent.objects.filter(
        message=message, organisation_id__in=actor.organisation_ids
    ).order_by("at", "id")


def care_message_list(
    *, actor: Actor, incoming_only: bool = False, limit: int = 100, channel: Channel = Channel.UI
) -> list[CareMessage]:
    """The organisation's newest correspondence messages (the MedCom inbox/outbox screen);
    one access-log entry for the list."""
    require(actor, Perm.RECORD_READ)
    rows = CareMessage.objects.filter(
        organisation_id__in=actor.organisation_ids, kind=CareMessageKind.CARE_COMMUNICATION
    )
    if incoming_only:
        rows = rows.filter(direction="in")
    found = list(rows.select_related("patient").order_by("-created_at", "-id")[:limit])
    patient_list_log(actor, "care_message_list", len(found), channel)
    return found


def unmatched_count(*, actor: Actor) -> int:
    return CareMessage.objects.filter(
        organisation_id__in=actor.organisation_ids, status=CareMessageStatus.UNMATCHED
    ).count()


def partner_list(*, actor: Actor) -> QuerySet[Partner]:
    require(actor, Perm.PATIENT_VIEW)
    return Partner.objects.filter(organisation_id__in=actor.organisation_ids).order_by(
        "-is_active", "kind", "name"
    )


def signed_dictations(*, patient: Patient) -> list[tuple[Dictation, CareMessage | None]]:
    """The patient's signed dictations, newest first, each with its copy to the GP when one
    was made (read after the patient door logged the read)."""
    dictations = list(
        Dictation.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            status=DictationStatus.DONE,
            entry__isnull=False,
        )
        .select_related("entry", "author")
        .order_by("-completed_at", "-id")[:20]
    )
    copies = {
        m.dictation_public_id: m
        for m in CareMessage.objects.filter(
            organisation_id=patient.organisation_id,
            dictation_public_id__in=[d.public_id for d in dictations],
        ).defer("bundle")
    }
    return [(d, copies.get(d.public_id)) for d in dictations]
