"""Things that wait, made as the apps make them: dictations, entries to sign, failed
messages. The clock is set by the test (a Thursday morning unless it says otherwise)."""

from __future__ import annotations

from datetime import datetime, timedelta

from klinik.core.policy import Actor
from klinik.correspondence.choices import MessageChannel, MessageKind, MessageStatus
from klinik.correspondence.models import OutboxMessage
from klinik.patients.models import Patient
from klinik.records.choices import DictationPriority
from klinik.records.dictation.services import dictation_create
from klinik.records.models import Dictation, JournalEntry
from klinik.records.tests.factories import entry_write

# Thursday 26 November 2026, 09:30 in Copenhagen.
THURSDAY = datetime.fromisoformat("2026-11-26T09:30:00+01:00")


def dictation_due(
    actor: Actor,
    patient: Patient,
    due: datetime,
    *,
    priority: str = DictationPriority.NORMAL,
    text: str = "Diktat",
) -> Dictation:
    return dictation_create(
        actor=actor, patient=patient, text=text, deadline=due, priority=priority
    )


def entry_to_sign(author: Actor, patient: Patient, responsible: object) -> JournalEntry:
    return entry_write(author, patient, "Til godkendelse", responsible=responsible)


def message_failed(patient: Patient, when: datetime, *, unit: object = None) -> OutboxMessage:
    return OutboxMessage.objects.create(
        organisation_id=patient.organisation_id,
        unit=unit if unit is not None else patient.unit,
        patient=patient,
        kind=MessageKind.REMINDER,
        channel=MessageChannel.SMS,
        recipient="+4512345678",
        body="Husk din tid",
        status=MessageStatus.FAILED,
        scheduled_for=when,
        attempts=3,
        error="gateway refused",
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
