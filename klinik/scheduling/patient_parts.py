"""Scheduling's rows about a patient, for the GDPR export and a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.core.hooks import hook_register
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient
from klinik.scheduling.models import Appointment, AppointmentSeries, WaitlistEntry
from klinik.scheduling.selectors import holds_attach


def _appointments(patient: Patient) -> list[dict[str, Any]]:
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "unit")
        .order_by("-start")
    )
    holds_attach(appointments)
    return [
        {
            "Tidspunkt": a.start,
            "Slut": a.end,
            "Type": a.appointment_type.name,
            "Sted": a.unit.name,
            "Behandler og lokale": ", ".join(h.resource.name for h in a.holds),
            "Status": a.get_status_display(),
            "Bestilt via": a.get_booked_via_display(),
            "Note": a.note,
            "Aflysningsårsag": a.cancel_reason,
        }
        for a in appointments
    ]


def _series(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Oprettet": s.created_at,
            "Type": s.appointment_type.name,
            "Antal": s.count,
            "Hver (dage)": s.interval_days,
        }
        for s in AppointmentSeries.objects.filter(patient=patient)
        .select_related("appointment_type")
        .order_by("-created_at")
    ]


def _waitlist(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Skrevet op": w.created_at,
            "Type": w.appointment_type.name,
            "Sted": w.unit.name,
            "Tidligst": w.earliest,
            "Senest": w.latest,
            "Status": w.get_status_display(),
            "Note": w.note,
        }
        for w in WaitlistEntry.objects.filter(patient=patient)
        .select_related("appointment_type", "unit")
        .order_by("-created_at")
    ]


def _part(key: str, title: str, model: Any, rows: Any, order: int) -> PatientPart:
    merge, unmerge = merge_move(model)
    return PatientPart(
        key, title, (model._meta.label,), rows, order=order, merge=merge, unmerge=unmerge
    )


PARTS = (
    _part("appointments", "Aftaler", Appointment, _appointments, 20),
    _part("appointment_series", "Aftaleserier", AppointmentSeries, _series, 21),
    _part("waitlist", "Venteliste", WaitlistEntry, _waitlist, 22),
)


def register() -> None:
    """Called from SchedulingConfig.ready()."""
    for part in PARTS:
        hook_register(PATIENT_PARTS, part)
