"""Reads for the message-template setup: a unit's own texts and its types' own texts."""

from __future__ import annotations

from dataclasses import dataclass

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.models import MessageTemplate
from klinik.scheduling.models import AppointmentType


@dataclass(frozen=True)
class TemplateRow:
    kind: MessageKind
    template: MessageTemplate | None  # None: the default text applies
    appointment_type: AppointmentType | None = None


def unit_template_rows(*, actor: Actor, unit: Unit) -> list[TemplateRow]:
    """One row per kind for the unit, then one per type's own text."""
    require(actor, Perm.CLINIC_SETUP)
    templates = list(
        MessageTemplate.objects.filter(organisation_id=unit.organisation_id)
        .filter(unit=unit)
        .select_related("appointment_type")
        | MessageTemplate.objects.filter(
            organisation_id=unit.organisation_id, appointment_type__unit=unit
        ).select_related("appointment_type")
    )
    own = {t.kind: t for t in templates if t.appointment_type_id is None}
    rows = [TemplateRow(kind, own.get(kind)) for kind in MessageKind]
    typed = sorted(
        (t for t in templates if t.appointment_type is not None),
        key=lambda t: (t.appointment_type.name if t.appointment_type else "", t.kind),
    )
    rows += [TemplateRow(MessageKind(t.kind), t, t.appointment_type) for t in typed]
    return rows


def template_current(
    *, actor: Actor, unit: Unit, appointment_type: AppointmentType | None, kind: str
) -> MessageTemplate | None:
    require(actor, Perm.CLINIC_SETUP)
    own = MessageTemplate.objects.filter(organisation_id=unit.organisation_id, kind=kind)
    if appointment_type is not None:
        return own.filter(appointment_type=appointment_type).first()
    return own.filter(unit=unit, appointment_type__isnull=True).first()
