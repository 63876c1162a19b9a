"""Certificate requests in the patient's GDPR export and in a merge (patients.hooks); the
certificate's text is its letter (the letters' part)."""

from __future__ import annotations

from typing import Any

from klinik.correspondence.models import Certificate
from klinik.patients.hooks import PatientPart, merge_move
from klinik.patients.models import Patient


def _certificates(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": c.received_on,
            "Attest": f"{c.certificate_type.code} {c.certificate_type.name}",
            "Rekvirent": c.requester,
            "Svarfrist": c.due_on,
            "Status": c.get_status_display(),
            "Sendt": c.sent_at,
            "Honorar": c.fee,
        }
        for c in Certificate.objects.filter(patient=patient)
        .select_related("certificate_type")
        .order_by("-created_at")
    ]


_merge, _unmerge = merge_move(Certificate)
CERTIFICATES = PatientPart(
    "certificates",
    "Attester",
    ("correspondence.Certificate",),
    _certificates,
    order=64,
    merge=_merge,
    unmerge=_unmerge,
)
