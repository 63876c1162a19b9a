""" "Kopi til egen læge": a signed dictation's transcript to the patient's own GP, automatically
on signing (records.hooks.DICTATION_DONE) or from the dictation screen."""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.core.policy import Actor
from klinik.correspondence.messages.choices import (
    CareCategory,
    CareMessageKind,
    CareMessageStatus,
    Direction,
)
from klinik.correspondence.messages.errors import MessageCode, MessageError
from klinik.correspondence.messages.services.partners import gp_partner, party_of
from klinik.correspondence.messages.services.sending import (
    author_of,
    care_message_send,
    message_event,
)
from klinik.correspondence.models import CareMessage
from klinik.records.choices import DictationStatus
from klinik.records.dictation.services import has_copy_to_gp
from klinik.records.models import Dictation

logger = logging.getLogger(__name__)
COPY_TOPIC = "Kopi til egen læge"


def _is_unsent_copy(message: CareMessage) -> bool:
    return message.status == CareMessageStatus.FAILED and not message.bundle


def dictation_copies_on_signing(actor: Actor, public_ids: list[str]) -> None:
    """records.hooks.DICTATION_DONE: the dictations just signed whose instructions ask for a
    "Kopi til egen læge" go to the patient's own GP. When that cannot be built (no GP in the
    register or the directory), a failed message says why in the work queue; nothing is lost
    and the copy can be sent from the patient's MedCom page once the directory is right."""
    dictations = Dictation.objects.filter(
        public_id__in=public_ids, organisation_id__in=actor.organisation_ids
    ).select_related("patient__unit", "entry")
    for dictation in dictations:
        if not has_copy_to_gp(dictation.instructions):
            continue
        try:
            dictation_copy_to_gp(actor=actor, dictation=dictation)
        except MessageError as exc:
            if exc.code == MessageCode.ALREADY_COPIED:
                continue
            _copy_failed(actor, dictation, exc.message)
        except Exception:
            # The signing has committed: a fault here must not turn it into an error page.
            logger.exception("copy to own GP failed for dictation %s", dictation.public_id)
            _copy_failed(actor, dictation, "internal error while building the copy")


def _copy_failed(actor: Actor, dictation: Dictation, reason: str) -> None:
    patient = dictation.patient
    now = timezone.now()
    with transaction.atomic(durable=True):
        public_id = uuid.uuid4()
        message = CareMessage.objects.create(
            public_id=public_id,
            organisation_id=dictation.organisation_id,
            unit=patient.unit or dictation.unit,
            patient=patient,
            direction=Direction.OUT,
            kind=CareMessageKind.CARE_COMMUNICATION,
            status=CareMessageStatus.FAILED,
            thread=public_id,
            counterpart_name=(patient.gp_name or COPY_TOPIC)[:200],
            counterpart_sor="",
            counterpart_ean="",
            category=CareCategory.OTHER,
            topic=COPY_TOPIC,
            text=dictation.entry.text if dictation.entry else "",
            author=author_of(actor),
            header_id=uuid.uuid4(),
            bundle={},
            created_by=actor.user,
            created_at=now,
            dictation_public_id=dictation.public_id,
            error=reason[:500],
        )
        message_event(message, CareMessageStatus.FAILED, now, reason)


def dictation_copy_to_gp(*, actor: Actor, dictation: Dictation) -> CareMessage:
    """ "Kopi til egen læge": the signed transcript of a dictation (read through its door by the
    caller) as a CareCommunication to the patient's own GP from the register. Once per
    dictation (a database constraint holds it)."""
    entry = dictation.entry
    if dictation.status != DictationStatus.DONE or entry is None:
        raise MessageError(MessageCode.NOT_SIGNED, MessageError.NOT_SIGNED)
    earlier = CareMessage.objects.filter(
        organisation_id=dictation.organisation_id, dictation_public_id=dictation.public_id
    ).first()
    if earlier is not None and not _is_unsent_copy(earlier):
        raise MessageError(MessageCode.ALREADY_COPIED, MessageError.ALREADY_COPIED)
    gp = gp_partner(patient=dictation.patient)
    if earlier is not None:
        # The automatic copy found no GP and was never built: this one replaces it.
        earlier.delete()
    try:
        return care_message_send(
            actor=actor,
            patient=dictation.patient,
            recipient=party_of(gp),
            category=CareCategory.OTHER,
            topic=COPY_TOPIC,
            text=entry.text,
            dictation_public_id=dictation.public_id,
        )
    except IntegrityError as exc:
        raise MessageError(MessageCode.ALREADY_COPIED, MessageError.ALREADY_COPIED) from exc
