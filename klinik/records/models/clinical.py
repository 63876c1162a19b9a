"""Coding (diagnoses, procedures, the problem list, warnings), measurements and vaccinations."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import (
    DiagnosisKind,
    MeasurementKind,
    ProblemStatus,
    VaccinationSite,
    WarningKind,
    WarningSeverity,
)
from klinik.records.models.base import organisation_field, patient_field, user_field
from klinik.records.models.contacts import Contact

# Coding ------------------------------------------------------------------------------------------


class ContactDiagnosis(models.Model):
    """An SKS diagnosis code on a contact. Removing keeps the row (who, when)."""

    organisation = organisation_field()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="diagnoses")
    patient = patient_field()
    kind = models.CharField(_("kind"), max_length=10, choices=DiagnosisKind.choices)
    code = models.CharField(_("SKS code"), max_length=10)
    text = models.CharField(_("text"), max_length=200)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_by = user_field(null=True)
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

    organisation = organisation_field()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="procedures")
    patient = patient_field()
    code = models.CharField(_("SKS code"), max_length=10)
    text = models.CharField(_("text"), max_length=200)
    performed_at = models.DateTimeField(_("performed"), default=timezone.now)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_by = user_field(null=True)
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
    organisation = organisation_field()
    patient = patient_field()
    code = models.CharField(_("SKS code"), max_length=10, blank=True)
    text = models.CharField(_("problem"), max_length=200)
    onset = models.DateField(_("onset"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )
    noted_by = user_field()
    noted_at = models.DateTimeField(default=timezone.now)
    resolved_by = user_field(null=True)
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
    organisation = organisation_field()
    patient = patient_field()
    kind = models.CharField(_("kind"), max_length=10, choices=WarningKind.choices)
    text = models.CharField(_("warning"), max_length=200)
    code = models.CharField(_("code (ATC)"), max_length=10, blank=True)
    severity = models.CharField(
        _("severity"), max_length=20, choices=WarningSeverity.choices, default=WarningSeverity.HIGH
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    inactivated_by = user_field(null=True)
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
    organisation = organisation_field()
    patient = patient_field()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("measurement"), max_length=16, choices=MeasurementKind.choices)
    value = models.DecimalField(_("value"), max_digits=7, decimal_places=2)
    value2 = models.DecimalField(
        _("diastolic"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    measured_at = models.DateTimeField(_("measured"), default=timezone.now)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(default=timezone.now)
    error_by = user_field(null=True)
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
    organisation = organisation_field()
    patient = patient_field()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vaccine = models.CharField(_("vaccine"), max_length=120)
    atc_code = models.CharField(_("ATC code"), max_length=10, blank=True)
    batch_number = models.CharField(_("batch number"), max_length=40)
    dose = models.CharField(_("dose"), max_length=20)
    site = models.CharField(_("site"), max_length=16, choices=VaccinationSite.choices)
    given_on = models.DateField(_("date given"))
    given_by = user_field()
    recorded_by = user_field()
    recorded_at = models.DateTimeField(default=timezone.now)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_batch = models.UUIDField(null=True, blank=True)
    error_by = user_field(null=True)
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
