"""Writes of the MedCom messages: send a CareCommunication (new, to the own GP, a reply),
receive one (matched by CPR or left for a secretary, always acknowledged), file an unmatched
one on a patient, and the partner directory (one row, a CSV import).

Every outgoing message is stored with its Bundle before the transport is tried and ends either
sent or visibly failed (status "failed", the reason kept, in the work queue)."""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.messages import fhir, transport
from klinik.correspondence.messages.choices import (
    CareCategory,
    CareMessageKind,
    CareMessageStatus,
    Direction,
    MessageActivity,
    PartnerKind,
)
from klinik.correspondence.messages.errors import BundleRefused, MessageCode, MessageError
from klinik.correspondence.models import CareMessage, CareMessageEvent, Partner
from klinik.patients.models import Patient
from klinik.records.choices import DictationStatus
from klinik.records.dictation.services import has_copy_to_gp
from klinik.records.models import Dictation

logger = logging.getLogger(__name__)
SOR_PATTERN = re.compile(r"^[0-9]{6,18}$")
EAN_PATTERN = re.compile(r"^[0-9]{13}$")
TEXT_MAX = 20_000  # MedCom's segments are letters, not files: a generous bound
TOPIC_MAX = 200


# The directory --------------------------------------------------------------------------------


def _party_check(*, sor: str, ean: str, name: str, prefix: str = "") -> fhir.Party:
    if not name.strip():
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}name")
    if not sor:
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}sor")
    if not SOR_PATTERN.match(sor):
        raise MessageError(MessageCode.BAD_SOR, MessageError.BAD_SOR, f"{prefix}sor")
    if not ean:
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}ean")
    if not EAN_PATTERN.match(ean):
        raise MessageError(MessageCode.BAD_EAN, MessageError.BAD_EAN, f"{prefix}ean")
    return fhir.Party(sor=sor, ean=ean, name=name.strip()[:200])


def _organisation_id(actor: Actor) -> int:
    if actor.organisation is None:
        raise MessageError(MessageCode.NO_SENDER, MessageError.NO_SENDER)
    return actor.organisation.pk


def partner_save(
    *,
    actor: Actor,
    kind: str,
    name: str,
    sor: str,
    ean: str,
    provider_number: str = "",
) -> Partner:
    """Add a partner, or update the one with the same SOR id."""
    require(actor, Perm.CLINIC_SETUP)
    organisation_id = _organisation_id(actor)
    party = _party_check(sor=sor.strip(), ean=ean.strip(), name=name)
    if kind not in PartnerKind.values:
        raise MessageError(
            MessageCode.BAD_CATEGORY, MessageError.BAD_CATEGORY % {"value": kind}, "kind"
        )
    with transaction.atomic(durable=True):
        return _partner_upsert(organisation_id, kind, party, provider_number.strip()[:10])


def _partner_upsert(organisation_id: int, kind: str, party: fhir.Party, number: str) -> Partner:
    if kind == PartnerKind.OWN:
        Partner.objects.filter(organisation_id=organisation_id, kind=PartnerKind.OWN).exclude(
            sor=party.sor
        ).update(is_active=False)
    partner, _ = Partner.objects.update_or_create(
        organisation_id=organisation_id,
        sor=party.sor,
        defaults={
            "kind": kind,
            "name": party.name,
            "ean": party.ean,
            "provider_number": number,
            "is_active": True,
        },
    )
    return partner


KIND_WORDS = {
    **{value: value for value in PartnerKind.values},
    "egen": PartnerKind.OWN,
    "læge": PartnerKind.GP,
    "lægepraksis": PartnerKind.GP,
    "kommune": PartnerKind.MUNICIPALITY,
    "sygehus": PartnerKind.HOSPITAL,
    "speciallæge": PartnerKind.SPECIALIST,
    "andet": PartnerKind.OTHER,
}


@dataclass(frozen=True)
class PartnerImport:
    created: int
    updated: int


def partner_import_csv(*, actor: Actor, text: str) -> PartnerImport:
    """Import partners from CSV (header: kind, name, sor, ean[, provider_number]; comma or
    semicolon). All lines or none: the first bad line is named and nothing is saved."""
    require(actor, Perm.CLINIC_SETUP)
    organisation_id = _organisation_id(actor)
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if not {"kind", "name", "sor", "ean"} <= columns:
        raise MessageError(MessageCode.CSV_INVALID, MessageError.CSV_COLUMNS, "file")
    rows: list[tuple[str, fhir.Party, str]] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        kind = KIND_WORDS.get(row.get("kind", "").lower())
        try:
            if kind is None:
                raise MessageError(
                    MessageCode.BAD_CATEGORY,
                    MessageError.BAD_CATEGORY % {"value": row.get("kind", "")},
                    "kind",
                )
            party = _party_check(sor=row["sor"], ean=row["ean"], name=row["name"])
        except MessageError as exc:
            problem = f"{exc.field}: {exc.message}"
            raise MessageError(
                MessageCode.CSV_INVALID,
                MessageError.CSV_LINE % {"line": line, "problem": problem},
                "file",
            ) from exc
        rows.append((kind, party, row.get("provider_number", "")[:10]))
    with transaction.atomic(durable=True):
        known = set(
            Partner.objects.filter(
                organisation_id=organisation_id, sor__in=[p.sor for _, p, _ in rows]
            ).values_list("sor", flat=True)
        )
        for kind, party, number in rows:
            _partner_upsert(organisation_id, kind, party, number)
    return PartnerImport(created=len({p.sor for _, p, _ in rows} - known), updated=len(known))


def own_partner(*, organisation_id: int) -> Partner:
    """The organisation's own sender identity: the directory's row of kind "own", else the
    SOR code and EAN/GLN number of the clinic setup (kept as that row from then on); or the
    refusal saying how to set it up."""
    own = Partner.objects.filter(
        organisation_id=organisation_id, kind=PartnerKind.OWN, is_active=True
    ).first()
    if own is not None:
        return own
    organisation = Organisation.objects.get(pk=organisation_id)
    sor, ean = organisation.sor_code.strip(), organisation.gln.strip()
    if not (SOR_PATTERN.match(sor) and EAN_PATTERN.match(ean)):
        raise MessageError(MessageCode.NO_SENDER, MessageError.NO_SENDER)
    own, _ = Partner.objects.update_or_create(
        organisation_id=organisation_id,
        sor=sor,
        defaults={
            "kind": PartnerKind.OWN,
            "name": organisation.name,
            "ean": ean,
            "is_active": True,
        },
    )
    return own


def gp_partner(*, patient: Patient) -> Partner:
    """The patient's own GP clinic from the register's provider number, via the directory."""
    number = patient.gp_provider_number.strip()
    if not number:
        raise MessageError(MessageCode.NO_GP, MessageError.NO_GP_NUMBER, "recipient")
    partner = Partner.objects.filter(
        organisation_id=patient.organisation_id,
        provider_number=number,
        is_active=True,
    ).first()
    if partner is None:
        raise MessageError(MessageCode.NO_GP, MessageError.NO_GP % {"number": number}, "recipient")
    return partner


def _party(partner: Partner) -> fhir.Party:
    return fhir.Party(sor=partner.sor, ean=partner.ean, name=partner.name)


# Sending --------------------------------------------------------------------------------------


def _event(message: CareMessage, status: str, at: datetime, note: str = "") -> None:
    CareMessageEvent.objects.create(
        organisation_id=message.organisation_id,
        message=message,
        status=status,
        at=at,
        note=note[:500],
    )


def _deliver(message: CareMessage, now: datetime) -> None:
    """Hand the Bundle to the transport; the message ends sent or failed, never in between."""
    try:
        reference = transport.medcom_send(message.bundle, header_id=message.header_id)
    except transport.TransportError as exc:
        message.status = CareMessageStatus.FAILED
        message.error = str(exc)[:500]
        message.save(update_fields=["status", "error"])
        _event(message, CareMessageStatus.FAILED, now, message.error)
        return
    message.status = CareMessageStatus.SENT
    message.sent_at = now
    message.error = ""
    message.save(update_fields=["status", "sent_at", "error"])
    _event(message, CareMessageStatus.SENT, now, reference)


def _author(actor: Actor) -> str:
    return (actor.user.get_full_name() or actor.user.get_username())[:200]


def _content_check(*, category: str, topic: str, text: str) -> None:
    if category not in CareCategory.values:
        field = "category"
        if not category:
            raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, field)
        raise MessageError(
            MessageCode.BAD_CATEGORY, MessageError.BAD_CATEGORY % {"value": category}, field
        )
    if category == CareCategory.OTHER and not topic.strip():
        raise MessageError(MessageCode.TOPIC_REQUIRED, MessageError.TOPIC_REQUIRED, "topic")
    if len(topic) > TOPIC_MAX:
        raise MessageError(
            MessageCode.TOO_LONG, MessageError.TOO_LONG % {"max": TOPIC_MAX}, "topic"
        )
    if not text.strip():
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, "text")
    if len(text) > TEXT_MAX:
        raise MessageError(MessageCode.TOO_LONG, MessageError.TOO_LONG % {"max": TEXT_MAX}, "text")


def care_message_send(
    *,
    actor: Actor,
    patient: Patient,
    recipient: fhir.Party,
    category: str,
    topic: str,
    text: str,
    contact: str = "",
    replies_to: CareMessage | None = None,
    channel: Channel = Channel.UI,
    dictation_public_id: uuid.UUID | None = None,
) -> CareMessage:
    """Build, store and send a CareCommunication about `patient` (read through the door by
    the caller) to `recipient`. A reply names the message answered and joins its thread."""
    require(actor, Perm.RECORD_WRITE)
    organisation_id = _organisation_id(actor)
    recipient = _party_check(
        sor=recipient.sor.strip(),
        ean=recipient.ean.strip(),
        name=recipient.name,
        prefix="recipient.",
    )
    text = text.replace("\r\n", "\n").strip()
    topic = topic.strip()
    _content_check(category=category, topic=topic, text=text)
    sender = own_partner(organisation_id=organisation_id)
    now = timezone.now()
    header_id = uuid.uuid4()
    segment = fhir.Segment(
        identifier=uuid.uuid4(), at=now, author=_author(actor), contact=contact, text=text
    )
    content = fhir.CareCommunication(
        header_id=header_id,
        communication_id=uuid.uuid4(),
        at=now,
        sender=_party(sender),
        receiver=recipient,
        cpr=patient.cpr,
        given_name=patient.given_name,
        family_name=patient.family_name,
        category=category,
        topic=topic,
        segments=(segment,),
        activity=MessageActivity.REPLY if replies_to else MessageActivity.NEW,
        replies_to=replies_to.header_id if replies_to else None,
    )
    bundle = fhir.care_communication_build(content)
    fhir.bundle_validate(bundle)  # what we send validates, or nothing is stored
    partner = Partner.objects.filter(organisation_id=organisation_id, sor=recipient.sor).first()
    with transaction.atomic(durable=True):
        public_id = uuid.uuid4()
        message = CareMessage.objects.create(
            public_id=public_id,
            organisation_id=organisation_id,
            unit=patient.unit or actor.unit,
            patient=patient,
            direction=Direction.OUT,
            kind=CareMessageKind.CARE_COMMUNICATION,
            status=CareMessageStatus.READY,
            thread=replies_to.thread if replies_to else public_id,
            replies_to=replies_to,
            partner=partner,
            counterpart_name=recipient.name,
            counterpart_sor=recipient.sor,
            counterpart_ean=recipient.ean,
            category=category,
            topic=topic,
            text=text,
            author=segment.author,
            activity=content.activity,
            header_id=header_id,
            bundle=bundle,
            created_by=actor.user,
            created_at=now,
            dictation_public_id=dictation_public_id,
        )
        _event(message, CareMessageStatus.READY, now)
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.TREATMENT,
            channel=channel,
            object_type="care_message",
            object_id=message.public_id,
            patient_id=patient.public_id,
            organisation_id=organisation_id,
        )
        _deliver(message, now)
    return message


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
            author=_author(actor),
            header_id=uuid.uuid4(),
            bundle={},
            created_by=actor.user,
            created_at=now,
            dictation_public_id=dictation.public_id,
            error=reason[:500],
        )
        _event(message, CareMessageStatus.FAILED, now, reason)


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
            recipient=_party(gp),
            category=CareCategory.OTHER,
            topic=COPY_TOPIC,
            text=entry.text,
            dictation_public_id=dictation.public_id,
        )
    except IntegrityError as exc:
        raise MessageError(MessageCode.ALREADY_COPIED, MessageError.ALREADY_COPIED) from exc


def care_message_reply(
    *, actor: Actor, message: CareMessage, text: str, channel: Channel = Channel.UI
) -> CareMessage:
    """Answer a message of a thread: to the same partner, about the same patient and matter."""
    if message.kind != CareMessageKind.CARE_COMMUNICATION or message.patient is None:
        raise MessageError(MessageCode.NOT_ANSWERABLE, MessageError.NOT_ANSWERABLE)
    return care_message_send(
        actor=actor,
        patient=message.patient,
        recipient=fhir.Party(
            sor=message.counterpart_sor, ean=message.counterpart_ean, name=message.counterpart_name
        ),
        category=message.category,
        topic=message.topic,
        text=text,
        replies_to=message,
        channel=channel,
    )


def care_message_resend(*, actor: Actor, message: CareMessage) -> CareMessage:
    """Try a failed message's transport again (the same Bundle)."""
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = CareMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != CareMessageStatus.FAILED or not locked.bundle:
            return locked  # an unsent copy is sent again from the patient's page
        _deliver(locked, timezone.now())
    return locked


# Receiving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message: CareMessage
    acknowledgement: CareMessage | None  # the FCTL we sent (None for an acknowledgement)
    is_duplicate: bool = False


def _patient_by_cpr(organisation_id: int, cpr: str) -> Patient | None:
    return (
        Patient.objects.filter(organisation_id=organisation_id, cpr=cpr, merged_into__isnull=True)
        .select_related("unit")
        .first()
    )


def care_message_receive(
    *, actor: Actor, document: object, channel: Channel = Channel.API
) -> Received:
    """Take an incoming message Bundle: a CareCommunication is stored, matched to a patient by
    CPR (or left unmatched for a secretary) and acknowledged; an Acknowledgement marks our
    message acknowledged. The same Bundle posted again answers as the first time."""
    require(actor, Perm.RECORD_WRITE)
    organisation_id = _organisation_id(actor)
    try:
        parsed = fhir.message_parse(document)
    except fhir.BundleInvalid as exc:
        raise BundleRefused(exc.missing, exc.problem) from exc
    own = own_partner(organisation_id=organisation_id)
    if parsed.receiver.sor != own.sor:
        raise BundleRefused(
            "MessageHeader.destination.receiver", f"not addressed to us (SOR {own.sor})"
        )
    if isinstance(parsed, fhir.Acknowledgement):
        return _acknowledgement_receive(actor, organisation_id, parsed, document, channel)
    return _care_receive(actor, organisation_id, own, parsed, document, channel)


def _existing(organisation_id: int, header_id: uuid.UUID) -> CareMessage | None:
    return CareMessage.objects.filter(
        organisation_id=organisation_id, direction=Direction.IN, header_id=header_id
    ).first()


def _care_receive(
    actor: Actor,
    organisation_id: int,
    own: Partner,
    parsed: fhir.CareCommunication,
    document: object,
    channel: Channel,
) -> Received:
    existing = _existing(organisation_id, parsed.header_id)
    if existing is not None:
        ack = CareMessage.objects.filter(
            acknowledges=existing, direction=Direction.OUT, kind=CareMessageKind.ACKNOWLEDGEMENT
        ).first()
        return Received(existing, ack, is_duplicate=True)
    now = timezone.now()
    patient = _patient_by_cpr(organisation_id, parsed.cpr)
    answered = None
    if parsed.replies_to is not None:
        answered = CareMessage.objects.filter(
            organisation_id=organisation_id, direction=Direction.OUT, header_id=parsed.replies_to
        ).first()
    newest = parsed.segments[0]
    try:
        with transaction.atomic(durable=True):
            public_id = uuid.uuid4()
            message = CareMessage.objects.create(
                public_id=public_id,
                organisation_id=organisation_id,
                unit=(patient.unit if patient else None) or actor.unit,
                patient=patient,
                direction=Direction.IN,
                kind=CareMessageKind.CARE_COMMUNICATION,
                status=CareMessageStatus.RECEIVED if patient else CareMessageStatus.UNMATCHED,
                thread=answered.thread
                if answered and answered.patient_id == getattr(patient, "pk", None)
                else public_id,
                replies_to=answered,
                partner=Partner.objects.filter(
                    organisation_id=organisation_id, sor=parsed.sender.sor
                ).first(),
                counterpart_name=parsed.sender.name[:200],
                counterpart_sor=parsed.sender.sor[:20],
                counterpart_ean=parsed.sender.ean[:13],
                category=parsed.category[:40],
                topic=parsed.topic[:200],
                text=newest.text,
                author=newest.author[:200],
                activity=parsed.activity[:20],
                header_id=parsed.header_id,
                bundle=document,
                created_at=now,
            )
            _event(message, message.status, now)
            access_log_record(
                actor=actor,
                action=Action.CREATE,
                purpose=Purpose.TREATMENT,
                channel=channel,
                object_type="care_message",
                object_id=message.public_id,
                patient_id=patient.public_id if patient else None,
                organisation_id=organisation_id,
            )
            ack = _acknowledge(actor, organisation_id, own, message, parsed, now)
    except IntegrityError:
        # The same Bundle posted twice at once: the other request stored it.
        existing = _existing(organisation_id, parsed.header_id)
        if existing is None:
            raise
        return Received(existing, None, is_duplicate=True)
    return Received(message, ack)


def _acknowledge(
    actor: Actor,
    organisation_id: int,
    own: Partner,
    message: CareMessage,
    parsed: fhir.CareCommunication,
    now: datetime,
) -> CareMessage:
    """The positive acknowledgement (FCTL) of a received message, sent back to its sender."""
    header_id = uuid.uuid4()
    bundle = fhir.acknowledgement_build(
        fhir.Acknowledgement(
            header_id=header_id,
            at=now,
            sender=_party(own),
            receiver=parsed.sender,
            acknowledges=parsed.header_id,
        )
    )
    ack = CareMessage.objects.create(
        organisation_id=organisation_id,
        unit=message.unit,
        patient=message.patient,
        direction=Direction.OUT,
        kind=CareMessageKind.ACKNOWLEDGEMENT,
        status=CareMessageStatus.READY,
        thread=message.thread,
        acknowledges=message,
        partner=message.partner,
        counterpart_name=message.counterpart_name,
        counterpart_sor=message.counterpart_sor,
        counterpart_ean=message.counterpart_ean,
        header_id=header_id,
        bundle=bundle,
        created_by=actor.user,
        created_at=now,
    )
    _event(ack, CareMessageStatus.READY, now)
    _deliver(ack, now)
    return ack


def _acknowledgement_receive(
    actor: Actor,
    organisation_id: int,
    parsed: fhir.Acknowledgement,
    document: object,
    channel: Channel,
) -> Received:
    existing = _existing(organisation_id, parsed.header_id)
    if existing is not None:
        return Received(existing, None, is_duplicate=True)
    now = timezone.now()
    with transaction.atomic(durable=True):
        ours = (
            CareMessage.objects.select_for_update()
            .filter(
                organisation_id=organisation_id,
                direction=Direction.OUT,
                header_id=parsed.acknowledges,
            )
            .first()
        )
        if ours is None:
            raise BundleRefused(
                "MessageHeader.response.identifier", "acknowledges no message we sent"
            )
        message = CareMessage.objects.create(
            organisation_id=organisation_id,
            unit=ours.unit,
            patient=ours.patient,
            direction=Direction.IN,
            kind=CareMessageKind.ACKNOWLEDGEMENT,
            status=CareMessageStatus.RECEIVED,
            thread=ours.thread,
            acknowledges=ours,
            partner=ours.partner,
            counterpart_name=parsed.sender.name[:200],
            counterpart_sor=parsed.sender.sor[:20],
            counterpart_ean=parsed.sender.ean[:13],
            header_id=parsed.header_id,
            bundle=document,
            created_at=now,
        )
        _event(message, CareMessageStatus.RECEIVED, now, parsed.code)
        if ours.status == CareMessageStatus.SENT and parsed.code == "ok":
            ours.status = CareMessageStatus.ACKNOWLEDGED
            ours.acknowledged_at = now
            ours.save(update_fields=["status", "acknowledged_at"])
            _event(ours, CareMessageStatus.ACKNOWLEDGED, now)
        elif parsed.code != "ok":
            ours.status = CareMessageStatus.FAILED
            ours.error = f"Negative acknowledgement: {parsed.code}"[:500]
            ours.save(update_fields=["status", "error"])
            _event(ours, CareMessageStatus.FAILED, now, ours.error)
    return Received(message, None)


def care_message_match(
    *, actor: Actor, message: CareMessage, patient: Patient, channel: Channel = Channel.UI
) -> CareMessage:
    """File an unmatched incoming message on the patient the secretary found (read through the
    patient door by the caller): it leaves the work queue and joins the patient's messages."""
    require(actor, Perm.RECORD_WRITE)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = CareMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != CareMessageStatus.UNMATCHED or locked.patient_id is not None:
            raise MessageError(MessageCode.ALREADY_MATCHED, MessageError.ALREADY_MATCHED)
        if patient.organisation_id != locked.organisation_id:
            raise MessageError(MessageCode.ALREADY_MATCHED, MessageError.ALREADY_MATCHED)
        locked.patient = patient
        locked.unit = patient.unit or locked.unit
        locked.status = CareMessageStatus.RECEIVED
        locked.save(update_fields=["patient", "unit", "status"])
        CareMessage.objects.filter(acknowledges=locked, patient__isnull=True).update(
            patient=patient
        )
        _event(locked, CareMessageStatus.RECEIVED, now, "matched by a secretary")
        access_log_record(
            actor=actor,
            action=Action.UPDATE,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="care_message",
            object_id=locked.public_id,
            patient_id=patient.public_id,
            organisation_id=locked.organisation_id,
        )
    return locked
