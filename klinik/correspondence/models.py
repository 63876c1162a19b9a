"""The outbox (every message to a patient, sent or not, is a row) and the per-appointment-type
message templates."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.choices import (
    PENDING_STATUSES,
    MessageChannel,
    MessageKind,
    MessageReason,
    MessageStatus,
)
from klinik.correspondence.letters.choices import (
    IncomingStatus,
    LetterChannel,
    LetterKind,
    LetterStatus,
)
from klinik.correspondence.messages.choices import (
    CareCategory,
    CareMessageKind,
    CareMessageStatus,
    Direction,
    PartnerKind,
)
from klinik.scheduling.reminders import PLACEHOLDERS, unknown_placeholders

NOTICE_KINDS = [MessageKind.CONFIRMATION, MessageKind.MOVED, MessageKind.CANCELLED]


class OutboxMessage(models.Model):
    """One message to one patient through one channel, from queued to sent (or why not).

    Bodies and recipients are patient data: reading them goes through access.py, which logs;
    application logs carry the public id only.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    # The appointment the message is about, and the time it was written for (a reminder is
    # only sent while the appointment is still booked at that time).
    appointment_public_id = models.UUIDField(null=True, blank=True)
    appointment_start = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=MessageChannel.choices, blank=True
    )
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=16, choices=MessageReason.choices, blank=True)
    scheduled_for = models.DateTimeField(_("to be sent"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # The gateway's or mail system's id for the message (delivery receipts, support cases).
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["organisation", "scheduled_for"], name="corr_outbox_list_idx"),
            models.Index(
                fields=["organisation", "status", "scheduled_for"], name="corr_outbox_status_idx"
            ),
            models.Index(
                fields=["organisation", "appointment_public_id"], name="corr_outbox_appt_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="corr_outbox_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="corr_outbox_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status=MessageStatus.SKIPPED) | ~Q(channel=""),
                name="corr_outbox_channel_unless_skipped",
            ),
            # At most one change notice and one reminder per appointment wait to go out:
            # planning replaces, never adds.
            models.UniqueConstraint(
                fields=["appointment_public_id"],
                condition=Q(kind__in=NOTICE_KINDS, status__in=PENDING_STATUSES),
                name="corr_outbox_one_pending_notice",
            ),
            models.UniqueConstraint(
                fields=["appointment_public_id"],
                condition=Q(kind=MessageKind.REMINDER, status__in=PENDING_STATUSES),
                name="corr_outbox_one_pending_reminder",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.public_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def can_resend(self) -> bool:
        return self.status == MessageStatus.FAILED


class MessageTemplate(models.Model):
    """A unit's or an appointment type's own text for one kind of message, instead of the
    default. The type's text wins over its unit's, the unit's over the default.

    Placeholders in braces: {when}, {previous_when}, {unit}, {type}, {preparation}, {link}.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # A unit's template has no type; a type's template names its unit too (or, made before
    # unit templates existed, none).
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "appointment_type", "kind"],
                name="corr_template_unique_kind_per_type",
            ),
            models.UniqueConstraint(
                fields=["organisation", "unit", "kind"],
                condition=Q(appointment_type__isnull=True),
                name="corr_template_unique_kind_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(appointment_type__isnull=False),
                name="corr_template_unit_or_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id or '-'}/{self.appointment_type_id or '-'}: {self.kind}"

    def clean(self) -> None:
        unknown = unknown_placeholders(self.subject) | unknown_placeholders(self.body)
        if unknown:
            raise ValidationError(
                _("Unknown placeholders: %(unknown)s. Use %(known)s."),
                params={
                    "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                },
            )
        type_org = getattr(self.appointment_type, "organisation_id", None)
        if self.appointment_type_id and type_org != self.organisation_id:
            raise ValidationError(_("The appointment type belongs to another organisation."))


# MedCom messages (messages/): the partner directory and CareCommunication in and out --------


class Partner(models.Model):
    """A GP clinic, municipality or hospital unit we exchange MedCom messages with, by its SOR
    id and EAN location number; the row of kind "own" is the organisation's own sender
    identity. A GP clinic's provider number (ydernummer) finds the patient's own GP."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PartnerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    sor = models.CharField(_("SOR id"), max_length=20)
    ean = models.CharField(_("EAN location number"), max_length=13)
    provider_number = models.CharField(_("provider number"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        indexes = [
            models.Index(
                fields=["organisation", "provider_number"], name="corr_partner_ydernr_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sor"], name="corr_partner_unique_sor"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(kind=PartnerKind.OWN, is_active=True),
                name="corr_partner_one_own",
            ),
            models.CheckConstraint(
                condition=Q(sor__regex=r"^[0-9]{6,18}$") & Q(ean__regex=r"^[0-9]{13}$"),
                name="corr_partner_sor_ean_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (SOR {self.sor})"


class CareMessage(models.Model):
    """One MedCom message, sent or received: a CareCommunication (korrespondancemeddelelse)
    or an Acknowledgement (kvittering). The Bundle is kept exactly as sent or received.

    An incoming message whose CPR matches no patient has no patient and waits in the work
    queue (status "unmatched"); it is never dropped. Messages about one matter share a
    `thread` (the public id of the first)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=4, choices=CareMessageKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=CareMessageStatus.choices)
    thread = models.UUIDField()
    replies_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An acknowledgement's message (theirs we received, or ours they received).
    acknowledges = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The other side as the message named it (the directory may change later).
    counterpart_name = models.CharField(_("partner"), max_length=200)
    counterpart_sor = models.CharField(_("SOR id"), max_length=20)
    counterpart_ean = models.CharField(_("EAN location number"), max_length=13)
    category = models.CharField(
        _("category"), max_length=40, choices=CareCategory.choices, blank=True
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    activity = models.CharField(_("activity"), max_length=20, blank=True)
    # The signed dictation this message is a copy of ("Kopi til egen læge"): sent once.
    dictation_public_id = models.UUIDField(null=True, blank=True)
    header_id = models.UUIDField()  # the MessageHeader's id: what acknowledgements name
    bundle = models.JSONField()
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("MedCom message")
        verbose_name_plural = _("MedCom messages")
        indexes = [
            models.Index(fields=["organisation", "thread"], name="corr_caremsg_thread_idx"),
            models.Index(fields=["organisation", "patient"], name="corr_caremsg_patient_idx"),
            models.Index(
                fields=["organisation", "status", "created_at"], name="corr_caremsg_status_idx"
            ),
        ]
        constraints = [
            # The same Bundle posted twice is one message (the sender may retry).
            models.UniqueConstraint(
                fields=["organisation", "direction", "header_id"],
                name="corr_caremsg_unique_header",
            ),
            models.UniqueConstraint(
                fields=["organisation", "dictation_public_id"],
                condition=Q(dictation_public_id__isnull=False),
                name="corr_caremsg_one_copy_per_dictation",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False)
                | Q(kind=CareMessageKind.ACKNOWLEDGEMENT)
                | Q(status=CareMessageStatus.UNMATCHED),
                name="corr_caremsg_patient_unless_unmatched",
            ),
            models.CheckConstraint(
                condition=~Q(status=CareMessageStatus.UNMATCHED) | Q(patient__isnull=True),
                name="corr_caremsg_unmatched_has_no_patient",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[CareMessageStatus.SENT, CareMessageStatus.ACKNOWLEDGED])
                | Q(sent_at__isnull=False),
                name="corr_caremsg_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"MedCom message {self.public_id}"

    @property
    def is_incoming(self) -> bool:
        return self.direction == Direction.IN


class CareMessageEvent(models.Model):
    """A message's status history: ready, sent, acknowledged, failed, received, matched."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    message = models.ForeignKey(CareMessage, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=CareMessageStatus.choices)
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d %H:%M}"


# Letters (letters/): templates per unit, letters with their PDF, and their status history --


class LetterTemplate(models.Model):
    """A unit's (or the whole organisation's) letter: an invitation with its preparation text,
    a reply to a referral, a discharge letter or a free letter. Merge fields in braces
    ({patient_name}, {next_appointment}, …: letters/merge.py)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LetterKind.choices)
    title = models.CharField(_("title"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    preparation = models.TextField(_("preparation"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "title"], name="corr_lettertpl_unique_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Letter(models.Model):
    """A letter to a patient, written from a template (or freely) and kept as sent: its text
    and PDF never change once written; sending adds to its status history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LetterKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    signature = models.CharField(_("signed by"), max_length=200)
    pdf = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=12, choices=LetterStatus.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=LetterChannel.choices, blank=True
    )
    provider_reference = models.CharField(max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # In the record once sent: the "Udgående brev" journal entry and the PDF as a document.
    entry = models.ForeignKey(
        "records.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "records.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # One of a batch (letters to all booked on a cancelled day, or chosen appointments).
    batch = models.ForeignKey(
        "LetterBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        indexes = [
            models.Index(fields=["organisation", "patient"], name="corr_letter_patient_idx"),
            models.Index(
                fields=["organisation", "status", "created_at"], name="corr_letter_status_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[LetterStatus.SENT, LetterStatus.ACKNOWLEDGED])
                | (Q(sent_at__isnull=False) & ~Q(channel="")),
                name="corr_letter_sent_has_time_and_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"letter {self.public_id}"


class LetterEvent(models.Model):
    """A letter's status history: ready, sent (by which channel), acknowledged, failed."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=LetterStatus.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=LetterChannel.choices, blank=True
    )
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("letter event")
        verbose_name_plural = _("letter events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d %H:%M}"


class LetterBatch(models.Model):
    """One action that wrote a letter from one template to each patient of a set of
    appointments (all booked on a cancelled day, or chosen ones); each letter has its own
    status history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=LetterChannel.choices)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("batch of letters")
        verbose_name_plural = _("batches of letters")
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="corr_letterbatch_idx"),
        ]

    def __str__(self) -> str:
        return f"letter batch {self.public_id}"


class IncomingLetter(models.Model):
    """A letter or scan that came on paper or as a file: registered (the file stored as the
    records app stores documents, ADR 0009), matched to a patient, and filed in the record as
    an "Indgående brev" journal entry with the file as its document. Until filed it waits in
    the work queue."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=IncomingStatus.choices)
    sender = models.CharField(_("sender"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    received_on = models.DateField(_("received"))
    note = models.TextField(_("note"), blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # DATA_DIR/documents/<organisation>/<random>; once filed, the record's document names it.
    storage_key = models.CharField(max_length=200, unique=True)
    registered_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered"))
    entry = models.ForeignKey(
        "records.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "records.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming letter")
        verbose_name_plural = _("incoming letters")
        indexes = [
            models.Index(
                fields=["organisation", "status", "registered_at"], name="corr_incoming_status_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="corr_incoming_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=IncomingStatus.UNMATCHED, patient__isnull=True)
                | (~Q(status=IncomingStatus.UNMATCHED) & Q(patient__isnull=False)),
                name="corr_incoming_patient_unless_unmatched",
            ),
            models.CheckConstraint(
                condition=~Q(status=IncomingStatus.FILED)
                | Q(entry__isnull=False, document__isnull=False, filed_at__isnull=False),
                name="corr_incoming_filed_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"incoming letter {self.public_id}"


# Renewals, certificates and patient messages (issue 15 items 5-7): their models live in their
# sub-packages and are imported here, so that the app keeps one migrations folder.
from klinik.correspondence.certificates.models import Certificate as Certificate  # noqa: E402
from klinik.correspondence.certificates.models import (  # noqa: E402
    CertificatePrice as CertificatePrice,
)
from klinik.correspondence.certificates.models import (  # noqa: E402
    CertificateType as CertificateType,
)
from klinik.correspondence.econsult.models import PatientMessage as PatientMessage  # noqa: E402
from klinik.correspondence.renewals.models import Renewal as Renewal  # noqa: E402
