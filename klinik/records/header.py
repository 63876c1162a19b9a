"""What every record page starts with: the patient it shows, through the record's door, and the
header above the tabs (name, age, the active CAVE/allergy warnings).

One implementation for the journal, clinical, documents and dictation screens, and for the
patient page in `desk` (`header_warnings`). The warnings are written on the coding tab
(clinical.services); they are read here because the header shows them on every page.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core import rows
from klinik.core.http import ActorRequest
from klinik.core.policy import Actor, Perm
from klinik.patients.models import Patient
from klinik.patients.selectors import age_on
from klinik.records.access import access_record
from klinik.records.choices import WarningSeverity
from klinik.records.models import PatientWarning

SEVERITY_ORDER = [
    WarningSeverity.LIFE_THREATENING,
    WarningSeverity.HIGH,
    WarningSeverity.LOW,
]
_SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(SEVERITY_ORDER)}


def _warning_order(warning: PatientWarning) -> tuple[bool, int, float]:
    """Active first, the most severe first, the newest first (a handful of rows: sorted here
    rather than by a CASE the database would need compiled on every page)."""
    return (
        not warning.is_active,
        _SEVERITY_RANK.get(warning.severity, len(SEVERITY_ORDER)),
        -warning.recorded_at.timestamp(),
    )


def patient_warnings(*, patient: Patient, active_only: bool = True) -> list[PatientWarning]:
    """The patient's warnings, most severe first (the active ones only by default), with who
    recorded and inactivated them."""
    rows = PatientWarning.objects.filter(
        organisation_id=patient.organisation_id, patient=patient
    ).select_related("recorded_by", "inactivated_by")
    if active_only:
        rows = rows.filter(is_active=True)
    return sorted(rows, key=_warning_order)


def header_warnings(*, actor: Actor, patient: Patient) -> list[PatientWarning]:
    """The active warnings for the patient header, when the actor may read the record (a
    reception role without record access sees none). No log entry of its own: the caller has
    just accessed the patient through the one door, which logged it."""
    if not actor.can(Perm.RECORD_READ):
        return []
    # On every record page and the patient page: written out (klinik.core.rows), as building
    # and compiling the queryset cost several times running it.
    with connection.cursor() as cursor:
        cursor.execute(
            _ACTIVE_WARNINGS_SQL.format(
                columns=rows.columns(_WARNING_FIELDS, "w"), table=rows.table(PatientWarning)
            ),
            [patient.organisation_id, patient.pk, True],
        )
        found = [rows.instance(PatientWarning, row)[0] for row in cursor.fetchall()]
    return sorted((w for w in found if w is not None), key=_warning_order)


_WARNING_FIELDS = tuple(PatientWarning._meta.concrete_fields)
_ACTIVE_WARNINGS_SQL = (
    "SELECT {columns} FROM {table} w "
    "WHERE w.organisation_id = %s AND w.patient_id = %s AND w.is_active = %s"
)


def record_header_context(*, actor: Actor, patient: Patient) -> dict[str, Any]:
    """What the patient header needs on the record pages: the patient, the age and the
    active warnings (`record_warnings`). Call after access_record."""
    return {
        "patient": patient,
        "age": age_on(patient.birth_date, timezone.localdate()),
        "record_warnings": header_warnings(actor=actor, patient=patient),
    }


def record_patient(
    request: ActorRequest,
    public_id: uuid.UUID | str,
    *,
    object_type: str = "record",
    perm: Perm = Perm.RECORD_READ,
) -> Patient:
    """The patient whose record a screen shows (or writes in, with RECORD_WRITE), through the
    record's door: checked and logged. Raises like access_patient."""
    return access_record(
        actor=request.actor,
        patient_public_id=public_id,
        channel=Channel.UI,
        perm=perm,
        object_type=object_type,
    )


def record_frame(
    request: ActorRequest, patient: Patient, tab: str, /, **extra: Any
) -> dict[str, Any]:
    """What record_base.html needs: the header (with the warnings), the tab, and what the actor
    may do on it (`can_write`, `can_dictate`)."""
    _unit_from_memberships(request, patient)
    actor = request.actor
    return {
        **record_header_context(actor=actor, patient=patient),
        "tab": tab,
        "can_write": actor.can(Perm.RECORD_WRITE),
        "can_dictate": actor.can(Perm.RECORD_SIGN),
        **extra,
    }


def _unit_from_memberships(request: ActorRequest, patient: Patient) -> None:
    """The header names the patient's unit. When it is one of the user's own units it is
    already loaded with the memberships (ActorMiddleware): use that instead of a query."""
    if not patient.unit_id or Patient.unit.is_cached(patient):
        return
    for membership in getattr(request, "memberships", ()):
        if membership.unit_id == patient.unit_id and membership.unit is not None:
            patient.unit = membership.unit
            return
