"""Reads of the letters and their templates."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import Letter, LetterEvent, LetterTemplate
from klinik.patients.models import Patient


def patient_letters(*, patient: Patient) -> list[Letter]:
    """The patient's letters, newest first (read after the patient door logged the read)."""
    return list(
        Letter.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .defer("pdf")
        .order_by("-created_at", "-id")
    )


def letter_events(*, actor: Actor, letter: Letter) -> QuerySet[LetterEvent]:
    return LetterEvent.objects.filter(
        letter=letter, organisation_id__in=actor.organisation_ids
    ).order_by("at", "id")


def letter_templates_for(*, actor: Actor, unit_id: int | None) -> QuerySet[LetterTemplate]:
    """The templates a letter from `unit_id` may use: the unit's and the organisation's."""
    require(actor, Perm.RECORD_READ)
    return LetterTemplate.objects.filter(
        Q(unit_id=unit_id) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        is_active=True,
    ).order_by("kind", "title")


def letter_template_list(*, actor: Actor) -> QuerySet[LetterTemplate]:
    require(actor, Perm.CLINIC_SETUP)
    return (
        LetterTemplate.objects.filter(organisation_id__in=actor.organisation_ids)
        .select_related("unit")
        .order_by("unit__name", "kind", "title")
    )
