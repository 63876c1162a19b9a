"""Reads of the clinical tabs. Callers pass a patient they got through records.access (which
checks and logs); selectors only read, scoped to the patient's organisation.

Coding: contacts with their diagnoses and procedures, the problem list, the code picker's
search (the warnings are read by records.header, which shows them on every record page).
Measurements: the list with BMI, the newest of each kind. Vaccinations and the vaccinators.

BMI is computed, never stored: a weight's BMI uses the newest height measured before it (or
within a day after it, same visit); an adult's height counts when measured as an adult within
ten years, a child's within 90 days (children grow).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from klinik.core.models import User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm
from klinik.patients.models import Patient
from klinik.records.choices import DiagnosisKind, MeasurementKind, ProblemStatus
from klinik.records.clinical.plausibility import UNITS, decimal_text
from klinik.records.models import (
    Contact,
    ContactDiagnosis,
    ContactProcedure,
    ContactStay,
    Measurement,
    Problem,
    Vaccination,
)
from klinik.terminology.choices import HitKind
from klinik.terminology.selectors import terminology_search

SEARCH_LIMIT = 12
ADULT_AGE = 18
ADULT_HEIGHT_MAX_AGE = timedelta(days=3653)  # ten years
CHILD_HEIGHT_MAX_AGE = timedelta(days=90)
SAME_VISIT = timedelta(days=1)
# Who can be named as the vaccinator: staff who write in the record.
VACCINATOR_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_WRITE in perms]


# Coding ------------------------------------------------------------------------------------------


def contacts_with_coding(
    *, patient: Patient, limit: int = 50, contact: Contact | None = None
) -> list[Contact]:
    """The patient's newest contacts (or just `contact`) with their coded diagnoses (main
    first) and procedures; `active_diagnoses`, `active_procedures`, `removed_codes` and
    `has_main` are attached."""
    diagnoses = ContactDiagnosis.objects.select_related("recorded_by", "removed_by").order_by(
        Case(When(kind=DiagnosisKind.MAIN, then=Value(0)), default=Value(1)),
        "recorded_at",
        "pk",
    )
    procedures = ContactProcedure.objects.select_related("recorded_by", "removed_by").order_by(
        "performed_at", "pk"
    )
    rows = Contact.objects.filter(organisation_id=patient.organisation_id, patient=patient)
    if contact is not None:
        rows = rows.filter(pk=contact.pk)
    contacts = list(
        rows.select_related("unit", "responsible")
        .prefetch_related(
            Prefetch("diagnoses", queryset=diagnoses),
            Prefetch("procedures", queryset=procedures),
            Prefetch(
                "stays",
                queryset=ContactStay.objects.select_related("unit").order_by("started_at", "pk"),
            ),
        )
        .order_by("-started_at", "-pk")[:limit]
    )
    for contact in contacts:
        all_diagnoses = list(contact.diagnoses.all())
        all_procedures = list(contact.procedures.all())
        contact.active_diagnoses = [d for d in all_diagnoses if d.removed_at is None]
        contact.active_procedures = [p for p in all_procedures if p.removed_at is None]
        codes: list[ContactDiagnosis | ContactProcedure] = [*all_diagnoses, *all_procedures]
        removed = [(r.removed_at, r) for r in codes if r.removed_at is not None]
        contact.removed_codes = [r for _, r in sorted(removed, key=lambda pair: pair[0])]
        contact.has_main = any(d.kind == DiagnosisKind.MAIN for d in contact.active_diagnoses)
    return contacts


def patient_diagnoses(
    *, patient: Patient, include_removed: bool = False
) -> QuerySet[ContactDiagnosis]:
    rows = ContactDiagnosis.objects.filter(
        organisation_id=patient.organisation_id, patient=patient
    ).select_related("contact", "recorded_by", "removed_by")
    if not include_removed:
        rows = rows.filter(removed_at__isnull=True)
    return rows.order_by("-recorded_at", "-pk")


def patient_problems(*, patient: Patient) -> list[Problem]:
    """Active problems first (newest first), then the resolved ones."""
    return list(
        Problem.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("noted_by", "resolved_by")
        .annotate(
            _order=Case(
                When(status=ProblemStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("_order", "-noted_at", "-pk")
    )


@dataclass(frozen=True)
class CodeHit:
    code: str
    text: str
    kind: str


def code_search(*, query: str, kind: HitKind, limit: int = SEARCH_LIMIT) -> list[CodeHit]:
    """Type-ahead for the code picker: codes of one kind by code prefix or by words of the
    Danish text (typing errors and Latin/Danish spellings are forgiven by the terminology)."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    hits = terminology_search(query=query[:100], limit=limit, kinds={str(kind)})
    return [CodeHit(code=h.code, text=h.text, kind=h.kind) for h in hits if h.code]


# Measurements ------------------------------------------------------------------------------------


def patient_measurements(*, patient: Patient, include_errors: bool = True) -> QuerySet[Measurement]:
    rows = Measurement.objects.filter(
        organisation_id=patient.organisation_id, patient=patient
    ).select_related("recorded_by", "error_by")
    if not include_errors:
        rows = rows.filter(error_at__isnull=True)
    return rows.order_by("-measured_at", "-pk")


def _age_at(patient: Patient, when: datetime) -> int:
    day = timezone.localtime(when).date()
    born = patient.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def measurement_display(measurement: Measurement) -> str:
    """The value as shown: "120/80 mmHg", "72,5 kg"."""
    value = decimal_text(measurement.value)
    if measurement.value2 is not None:
        value = f"{value}/{decimal_text(measurement.value2)}"
    return f"{value} {UNITS.get(measurement.kind, '')}".strip()


def height_for(
    *, patient: Patient, weight: Measurement, heights: Iterable[Measurement]
) -> Measurement | None:
    """The height a weight's BMI uses (see the module docstring), or None."""
    adult = _age_at(patient, weight.measured_at) >= ADULT_AGE
    max_age = ADULT_HEIGHT_MAX_AGE if adult else CHILD_HEIGHT_MAX_AGE
    best: Measurement | None = None
    for height in heights:
        if height.error_at is not None or height.kind != MeasurementKind.HEIGHT:
            continue
        if height.measured_at > weight.measured_at + SAME_VISIT:
            continue
        if weight.measured_at - height.measured_at > max_age:
            continue
        if adult and _age_at(patient, height.measured_at) < ADULT_AGE:
            continue
        if best is None or height.measured_at > best.measured_at:
            best = height
    return best


def bmi(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    metres = height_cm / 100
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def measurements_with_bmi(*, patient: Patient, limit: int = 500) -> list[Measurement]:
    """The patient's measurements, newest first; each valid weight gets `.bmi` (or None)."""
    rows = list(patient_measurements(patient=patient)[:limit])
    heights = list(
        Measurement.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            kind=MeasurementKind.HEIGHT,
            error_at__isnull=True,
        )
    )
    for row in rows:
        row.bmi = None
        row.display = measurement_display(row)
        if row.kind == MeasurementKind.WEIGHT and row.error_at is None:
            height = height_for(patient=patient, weight=row, heights=heights)
            if height is not None:
                row.bmi = bmi(weight_kg=row.value, height_cm=height.value)
    return rows


@dataclass(frozen=True)
class Latest:
    kind: str
    label: str
    measurement: Measurement
    unit: str
    bmi: Decimal | None = None


def measurements_latest(*, rows: list[Measurement]) -> list[Latest]:
    """The newest valid measurement of each kind (from `measurements_with_bmi` rows)."""
    seen: dict[str, Latest] = {}
    for row in rows:
        if row.error_at is None and row.kind not in seen:
            seen[row.kind] = Latest(
                kind=row.kind,
                label=str(MeasurementKind(row.kind).label),
                measurement=row,
                unit=UNITS[row.kind],
                bmi=getattr(row, "bmi", None),
            )
    return [seen[k] for k in MeasurementKind.values if k in seen]


# Vaccinations ------------------------------------------------------------------------------------


def vaccinators(*, organisation_id: int) -> list[User]:
    """Staff of the organisation who can be named as having given a vaccine."""
    return list(
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__is_active=True,
            memberships__role__in=VACCINATOR_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def patient_vaccinations(*, patient: Patient) -> QuerySet[Vaccination]:
    return (
        Vaccination.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("given_by", "recorded_by", "error_by")
        .order_by("-given_on", "-recorded_at", "-pk")
    )


def lpr3_contacts(
    *, actor: Actor | None, organisation_id: int, patient_ids: list[int]
) -> list[Contact]:
    """The patients' contacts with what LPR3 reports of them, read in bulk for reporting (a
    few queries however many patients): the unit, the active diagnoses (`lpr3_diagnoses`),
    procedures (`lpr3_procedures`) and the stays (`lpr3_stays`). `actor`: whose read it
    is, checked and logged by the caller at the patient's door (access_patient); None for the
    system's re-validation, which shows nothing to anyone (ADR 0032)."""
    contacts = list(
        Contact.objects.filter(organisation_id=organisation_id, patient_id__in=patient_ids)
        .select_related("unit")
        .order_by("patient_id", "started_at", "pk")
    )
    ids = [c.pk for c in contacts]
    diagnoses: dict[int, list[ContactDiagnosis]] = {}
    for d in ContactDiagnosis.objects.filter(
        organisation_id=organisation_id, contact_id__in=ids, removed_at__isnull=True
    ).order_by(Case(When(kind=DiagnosisKind.MAIN, then=Value(0)), default=Value(1)), "pk"):
        diagnoses.setdefault(d.contact_id, []).append(d)
    procedures: dict[int, list[ContactProcedure]] = {}
    for p in ContactProcedure.objects.filter(
        organisation_id=organisation_id, contact_id__in=ids, removed_at__isnull=True
    ).order_by("performed_at", "pk"):
        procedures.setdefault(p.contact_id, []).append(p)
    stays: dict[int, list[ContactStay]] = {}
    for s in (
        ContactStay.objects.filter(organisation_id=organisation_id, contact_id__in=ids)
        .select_related("unit")
        .order_by("started_at", "pk")
    ):
        stays.setdefault(s.contact_id, []).append(s)
    for contact in contacts:
        contact.lpr3_diagnoses = diagnoses.get(contact.pk, [])  # type: ignore[attr-defined]
        contact.lpr3_procedures = procedures.get(contact.pk, [])  # type: ignore[attr-defined]
        contact.lpr3_stays = stays.get(contact.pk, [])  # type: ignore[attr-defined]
    return contacts
