"""Start-up check: every model with a patient foreign key is covered by a registered
`PatientPart` (hooks.py), so the GDPR export and a merge cannot silently miss it."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import Error, register

from klinik.core.hooks import hook_items
from klinik.patients.hooks import PATIENT_PARTS


def patient_models() -> set[str]:
    """Every model (but Patient itself) with a foreign key to Patient."""
    patient = apps.get_model("patients", "Patient")
    return {
        model._meta.label
        for model in apps.get_models()
        if model is not patient
        and any(
            field.is_relation and field.many_to_one and field.related_model is patient
            for field in model._meta.fields
        )
    }


@register()
def patient_parts_cover_every_patient_model(**kwargs: Any) -> list[Error]:
    covered = {label for part in hook_items(PATIENT_PARTS) for label in part.models}
    return [
        Error(
            f"{label} holds patient rows but no PatientPart covers it: register its export "
            "section and merge step on patients.hooks.PATIENT_PARTS",
            id="patients.E001",
        )
        for label in sorted(patient_models() - covered)
    ]
