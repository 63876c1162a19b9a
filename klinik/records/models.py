"""The record (EPJ): contacts, the append-only journal, coding, measurements, vaccinations,
documents and the dictation queue.

A journal entry, once saved, is never changed or deleted (journalføringsbekendtgørelsen: the
original text stays readable). Corrections are new versions linked to the old one; signing adds
a JournalSignature row. Migration 0002 installs database triggers that refuse UPDATE (both
databases) and DELETE (PostgreSQL; SQLite's test flush deletes row by row) of entries and
signatures; `ImmutableModel` refuses them in the model layer on every database.
"""

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import (
    ContactKind,
    DiagnosisKind,
    DictationPriority,
    DictationStatus,
    DocumentKind,
    EntryType,
    MeasurementKind,
    ProblemStatus,
    VaccinationSite,
    WarningKind,
    WarningSeverity,
)
from klinik.records.errors import RecordImmutable

if TYPE_CHECKING:
    from klinik.core.models import Organisation, User
    from klinik.patients.models import Patient

_M = TypeVar("_M", bound=models.Model)


def _org() -> "models.ForeignKey[Organisation, Organisation]":
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


def _patient() -> "models.ForeignKey[Patient, Patient]":
    return models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )


@overload
def _user() -> "models.ForeignKey[User, User]": ...
@overload
def _user(*, null: Literal[True]) -> "models.ForeignKey[User | None, User | None]": ...
def _user(*, null: bool = False) -> "models.ForeignKey[Any, Any]":
    return models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", null=null, blank=null
    )


class ImmutableQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: object) -> int:
        raise RecordImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RecordImmutable


class ImmutableModel(models.Model):
    """Rows are inserted once and never changed: the model layer refuses save() of an existing
    row, delete() and bulk update/delete; the database triggers back it up."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordImmutable
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RecordImmutable


# Contacts ----------------------------------------------------------------------------------------


class Contact(models.Model):
    """A meeting between patient and clinic (kontakt): opened at arrival, closed when finished."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = _patient()
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind of contact"), max_length=10, choices=ContactKind.choices)
    reason = models.CharField(_("reason for contact"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    responsible = _user(null=True)
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by records.clinical.selectors.contacts_with_coding, not columns.
    active_diagnoses: list["ContactDiagnosis"]
    active_procedures: list["ContactProcedure"]
    removed_codes: list["ContactDiagnosis | ContactProcedure"]
    has_main: bool

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-started_at"], name="rec_contact_patient_idx"
            ),
            models.Index(
                fields=["organisation", "unit", "-started_at"], name="rec_contact_unit_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="rec_contact_order",
            )
        ]

    def __str__(self) -> str:
        return f"contact {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


# Journal -----------------------------------------------------------------------------------------


class JournalEntry(ImmutableModel):
    """One saved entry in the record. Versions of one entry share `thread`; a correction is a
    new row with `supersedes` pointing at the version it replaces (at most one successor)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = _patient()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    entry_type = models.CharField(_("type"), max_length=12, choices=EntryType.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    author = _user()
    # The clinician answerable for the entry; signs entries that need it.
    responsible = _user(null=True)
    # When the entry was saved to the record, and the clinical time it describes.
    recorded_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    thread = models.UUIDField(default=uuid.uuid4)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    correction_reason = models.CharField(_("reason for correction"), max_length=300, blank=True)
    # Written by someone who may not sign (a secretary, a student): unapproved until signed.
    needs_signature = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-occurred_at", "-id"],
                name="rec_entry_timeline_idx",
            ),
            models.Index(
                fields=["organisation", "responsible", "recorded_at"],
                condition=Q(needs_signature=True),
                name="rec_entry_to_sign_idx",
            ),
            models.Index(fields=["thread", "version"], name="rec_entry_thread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["thread", "version"], name="rec_entry_one_version"),
            models.CheckConstraint(
                condition=(Q(version=1) & Q(supersedes__isnull=True))
                | (Q(version__gt=1) & Q(supersedes__isnull=False) & ~Q(correction_reason="")),
                name="rec_entry_correction_linked",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="rec_entry_text"),
        ]

    def __str__(self) -> str:
        return f"journal entry {self.public_id} v{self.version}"


class JournalSignature(ImmutableModel):
    """The responsible clinician's approval of one entry version. Signing adds; it never edits."""

    organisation = _org()
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="signature")
    signed_by = _user()
    signed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"signature of {self.entry_id}"


class JournalDraft(models.Model):
    """Work in progress outside the record; autosaved by the editor, deleted when saved."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = _patient()
    author = _user()
    responsible = _user(null=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry_type = models.CharField(
        _("type"), max_length=12, choices=EntryType.choices, default=EntryType.NOTE
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    # A draft of a correction names the version it will replace.
    corrects = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "author"], name="rec_draft_patient_idx"
            ),
            models.Index(fields=["organisation", "author", "-updated_at"], name="rec_draft_mine"),
        ]

    def __str__(self) -> str:
        return f"draft {self.public_id}"


class NoteTemplate(models.Model):
    """A unit's (or the whole organisation's) note template: headings such as S/O/V/P."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    entry_type = models.CharField(
        _("type"), max_length=12, choices=EntryType.choices, default=EntryType.NOTE
    )
    headings = models.JSONField(_("headings"), default=list)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["organisation", "unit"], name="rec_template_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "name"], name="rec_template_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Phrase(models.Model):
    """A text snippet typed by its shortcut in the editor (fraser)."""

    organisation = _org()
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shortcut = models.CharField(_("shortcut"), max_length=20)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["shortcut"]
        indexes = [models.Index(fields=["organisation", "unit"], name="rec_phrase_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "shortcut"], name="rec_phrase_unique_shortcut"
            )
        ]

    def __str__(self) -> str:
        return self.shortcut


# Coding ------------------------------------------------------------------------------------------


class ContactDiagnosis(models.Model):
    """An SKS diagnosis code on a contact. Removing keeps the row (who, when)."""

    organisation = _org()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="diagnoses")
    patient = _patient()
    kind = models.CharField(_("kind"), max_length=10, choices=DiagnosisKind.choices)
    code = models.CharField(_("SKS code"), max_length=10)
    text = models.CharField(_("text"), max_length=200)
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_by = _user(null=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-recorded_at"], name="rec_diag_patient_idx"
            ),
            models.Index(fields=["organisation", "code"], name="rec_diag_code_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(kind=DiagnosisKind.MAIN, removed_at__isnull=True),
                name="rec_diag_one_main",
            ),
            models.UniqueConstraint(
                fields=["contact", "code"],
                condition=Q(removed_at__isnull=True),
                name="rec_diag_once_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ContactProcedure(models.Model):
    """An SKS procedure code (operation, treatment, examination) on a contact."""

    organisation = _org()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="procedures")
    patient = _patient()
    code = models.CharField(_("SKS code"), max_length=10)
    text = models.CharField(_("text"), max_length=200)
    performed_at = models.DateTimeField(_("performed"), default=timezone.now)
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_by = _user(null=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-performed_at"], name="rec_proc_patient_idx"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Problem(models.Model):
    """An entry in the patient's problem list (optionally coded)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    patient = _patient()
    code = models.CharField(_("SKS code"), max_length=10, blank=True)
    text = models.CharField(_("problem"), max_length=200)
    onset = models.DateField(_("onset"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )
    noted_by = _user()
    noted_at = models.DateTimeField(default=timezone.now)
    resolved_by = _user(null=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "patient", "status"], name="rec_problem_idx")
        ]

    def __str__(self) -> str:
        return self.text


class PatientWarning(models.Model):
    """CAVE and allergy warnings shown in the patient header."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    patient = _patient()
    kind = models.CharField(_("kind"), max_length=10, choices=WarningKind.choices)
    text = models.CharField(_("warning"), max_length=200)
    code = models.CharField(_("code (ATC)"), max_length=10, blank=True)
    severity = models.CharField(
        _("severity"), max_length=20, choices=WarningSeverity.choices, default=WarningSeverity.HIGH
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    inactivated_by = _user(null=True)
    inactivated_at = models.DateTimeField(null=True, blank=True)
    inactivation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "patient", "is_active"], name="rec_warning_idx")
        ]

    def __str__(self) -> str:
        return self.text


# Measurements and vaccinations -------------------------------------------------------------------


class Measurement(models.Model):
    """One observation. Blood pressure keeps systolic in `value` and diastolic in `value2`.
    A wrong value is marked entered in error (who, when, why), never removed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    patient = _patient()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("measurement"), max_length=16, choices=MeasurementKind.choices)
    value = models.DecimalField(_("value"), max_digits=7, decimal_places=2)
    value2 = models.DecimalField(
        _("diastolic"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    measured_at = models.DateTimeField(_("measured"), default=timezone.now)
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)
    error_by = _user(null=True)
    error_at = models.DateTimeField(null=True, blank=True)
    error_reason = models.CharField(max_length=300, blank=True)

    # Set by records.clinical.selectors.measurements_with_bmi, not columns.
    bmi: Decimal | None
    display: str

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "kind", "measured_at"],
                name="rec_measure_series_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="rec_measure_positive"),
            models.CheckConstraint(
                condition=(
                    Q(kind=MeasurementKind.BLOOD_PRESSURE)
                    & Q(value2__isnull=False)
                    & Q(value2__gt=0)
                    & Q(value2__lt=F("value"))
                )
                | (~Q(kind=MeasurementKind.BLOOD_PRESSURE) & Q(value2__isnull=True)),
                name="rec_measure_pressure_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class Vaccination(models.Model):
    """A vaccine given: name and batch number must be journaled; flagged for the national
    vaccination register (DDV) until exported."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    patient = _patient()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vaccine = models.CharField(_("vaccine"), max_length=120)
    atc_code = models.CharField(_("ATC code"), max_length=10, blank=True)
    batch_number = models.CharField(_("batch number"), max_length=40)
    dose = models.CharField(_("dose"), max_length=20)
    site = models.CharField(_("site"), max_length=16, choices=VaccinationSite.choices)
    given_on = models.DateField(_("date given"))
    given_by = _user()
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_batch = models.UUIDField(null=True, blank=True)
    error_by = _user(null=True)
    error_at = models.DateTimeField(null=True, blank=True)
    error_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-given_on"], name="rec_vacc_patient_idx"
            ),
            models.Index(
                fields=["organisation", "recorded_at"],
                condition=Q(reported_at__isnull=True),
                name="rec_vacc_to_report_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(batch_number=""), name="rec_vacc_batch"),
        ]

    def __str__(self) -> str:
        return self.vaccine


# Documents and dictation -------------------------------------------------------------------------


class Document(models.Model):
    """An attachment stored outside the web root under DATA_DIR/documents/<storage_key>."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    patient = _patient()
    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)
    uploaded_by = _user()
    uploaded_at = models.DateTimeField(default=timezone.now)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-uploaded_at"], name="rec_doc_patient_idx"
            )
        ]

    def __str__(self) -> str:
        return f"document {self.public_id}"


class Dictation(models.Model):
    """A clinician's dictation waiting for a secretary to transcribe it into the record."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = _patient()
    author = _user()  # the dictating clinician, who signs the transcript
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=DictationPriority.choices,
        default=DictationPriority.NORMAL,
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        max_length=12, choices=DictationStatus.choices, default=DictationStatus.WAITING
    )
    audio = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    instructions = models.CharField(_("instructions"), max_length=300, blank=True)
    # The clinician's typed draft, then the secretary's transcript in progress.
    text = models.TextField(_("text"), blank=True)
    taken_by = _user(null=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Only its author cancels a dictation, and says why.
    cancelled_by = _user(null=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "unit", "status", "deadline"], name="rec_dict_queue_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="rec_dict_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DictationStatus.IN_PROGRESS) | Q(taken_by__isnull=False),
                name="rec_dict_taken",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[DictationStatus.FOR_SIGNING, DictationStatus.DONE])
                | Q(entry__isnull=False),
                name="rec_dict_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status=DictationStatus.CANCELLED)
                | (Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")),
                name="rec_dict_cancel_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"dictation {self.public_id}"
