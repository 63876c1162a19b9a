"""Billing's rows about a patient, for the GDPR export and a merge (patients.hooks). A merge
moves the invoices to the surviving patient; the buyer's name printed on them stays as issued."""

from __future__ import annotations

from typing import Any

from klinik.billing.models import Fee, Invoice
from klinik.core.hooks import hook_register
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient


def _invoices(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Nummer": i.number,
            "Art": i.get_kind_display(),
            "Dato": i.issued_on,
            "Forfald": i.due_on,
            "Beløb i alt": f"{i.total:.2f}",
            "Linjer": "; ".join(f"{line.text} {line.amount:.2f}" for line in i.lines.all()),
        }
        for i in Invoice.objects.filter(patient=patient)
        .prefetch_related("lines")
        .order_by("number")
    ]


def _fees(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Dato": f.performed_on,
            "Ydelse": f"{f.code} {f.title}",
            "Sygesikringsgruppe": f.insurance_group,
            "Betaler": f.get_payer_display(),
            "Beløb": f"{f.amount:.2f}",
            "Status": f.get_status_display(),
        }
        for f in Fee.objects.filter(patient=patient).order_by("performed_on", "code")
    ]


def register() -> None:
    """Called from BillingConfig.ready()."""
    fee_merge, fee_unmerge = merge_move(Fee)
    hook_register(
        PATIENT_PARTS,
        PatientPart(
            "fees",
            "Ydelser",
            (Fee._meta.label,),
            _fees,
            order=49,
            merge=fee_merge,
            unmerge=fee_unmerge,
        ),
    )
    merge, unmerge = merge_move(Invoice)
    hook_register(
        PATIENT_PARTS,
        PatientPart(
            "invoices",
            "Fakturaer",
            (Invoice._meta.label,),
            _invoices,
            order=48,
            merge=merge,
            unmerge=unmerge,
        ),
    )
