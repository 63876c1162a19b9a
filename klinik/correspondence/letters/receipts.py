"""Digital Post's receipts for sent letters: delivered makes a letter "kvitteret"; not
delivered makes it failed with the reason, so it waits in the work queue to be sent another
way (print). Run by the outbox's periodic sweep (tasks.sweep_outbox)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from klinik.correspondence.channels.digital_post import digital_post_backend
from klinik.correspondence.letters.choices import LetterChannel, LetterStatus
from klinik.correspondence.models import Letter, LetterEvent

NOT_DELIVERED = "Digital Post could not deliver the letter"


def letter_receipts_collect() -> int:
    """Apply the receipts the Digital Post backend has; returns how many matched a letter."""
    matched = 0
    for receipt in digital_post_backend().receipts():
        now = timezone.now()
        with transaction.atomic(durable=True):
            letter = (
                Letter.objects.select_for_update()
                .filter(
                    channel=LetterChannel.DIGITAL_POST,
                    provider_reference=receipt.reference,
                    status=LetterStatus.SENT,
                )
                .first()
            )
            if letter is None:
                continue
            if receipt.is_delivered:
                letter.status = LetterStatus.ACKNOWLEDGED
                note = receipt.note
            else:
                letter.status = LetterStatus.FAILED
                note = f"{NOT_DELIVERED}: {receipt.note}" if receipt.note else NOT_DELIVERED
                letter.error = note[:500]
            letter.save(update_fields=["status", "error"])
            LetterEvent.objects.create(
                organisation_id=letter.organisation_id,
                letter=letter,
                status=letter.status,
                channel=LetterChannel.DIGITAL_POST,
                at=now,
                note=note[:500],
            )
            matched += 1
    return matched
