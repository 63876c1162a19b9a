"""Batch letters: one template to the patient of each of a set of appointments (all booked on
a cancelled day, or the ones chosen) in one action. Each is an ordinary letter — written,
sent by the chosen channel, filed in the record — with its own status: one that fails is
failed and in the work queue, the others go on."""

from __future__ import annotations

import logging
from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.letters.choices import LetterChannel
from klinik.correspondence.letters.services import (
    LetterCode,
    LetterError,
    letter_send,
    letter_write,
)
from klinik.correspondence.models import LetterBatch, LetterTemplate
from klinik.scheduling.models import Appointment

logger = logging.getLogger(__name__)
BATCH_MAX = 300


class BatchCode(StrEnum):
    NONE_CHOSEN = "none_chosen"
    TOO_MANY = "too_many"


class BatchError(DomainError):
    NONE_CHOSEN = _("Choose at least one appointment.")
    TOO_MANY = _("At most %(max)s letters in one batch.")

    def __init__(self, code: BatchCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


def letter_batch_send(
    *,
    actor: Actor,
    template: LetterTemplate,
    appointments: list[Appointment],
    channel: str,
    title: str,
    unit: Unit | None = None,
) -> LetterBatch:
    """Write the template's letter to the patient of each appointment (the `appointment`
    merge field names it) and send each by `channel`. The batch is stored first, so every
    letter written is found from it, whatever happens to the next one."""
    require(actor, Perm.RECORD_WRITE)
    organisation = actor.organisation
    if organisation is None or template.organisation_id != organisation.pk:
        raise LetterError(LetterCode.TEMPLATE_NOT_YOURS, LetterError.TEMPLATE_NOT_YOURS, "template")
    if channel not in LetterChannel.values:
        raise LetterError(
            LetterCode.BAD_CHANNEL, LetterError.BAD_CHANNEL % {"value": channel}, "channel"
        )
    appointments = [a for a in appointments if a.organisation_id == organisation.pk]
    if not appointments:
        raise BatchError(BatchCode.NONE_CHOSEN, BatchError.NONE_CHOSEN, "appointments")
    if len(appointments) > BATCH_MAX:
        raise BatchError(
            BatchCode.TOO_MANY, BatchError.TOO_MANY % {"max": BATCH_MAX}, "appointments"
        )
    with transaction.atomic(durable=True):
        batch = LetterBatch.objects.create(
            organisation=organisation,
            unit=unit or actor.unit,
            template=template,
            title=title.strip()[:200] or template.title,
            channel=channel,
            created_by=actor.user,
            created_at=timezone.now(),
        )
    for appointment in appointments:
        try:
            letter = letter_write(
                actor=actor,
                patient=appointment.patient,
                subject=template.subject,
                body=template.body,
                template=template,
                appointment=appointment,
                batch=batch,
            )
            letter_send(actor=actor, letter=letter, channel=channel)
        except DomainError:
            # This patient's letter stays ready (or is not written); the batch page shows it.
            logger.warning("batch %s: a letter could not be sent", batch.public_id)
    return batch
