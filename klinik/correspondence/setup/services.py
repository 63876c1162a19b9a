"""Setup of message texts: a unit's own confirmation, reminder and cancellation texts (and an
appointment type's, which win over the unit's), checked for unknown placeholders and SMS
length, previewed with an example appointment (synthetic: no patient is involved).

A saved text replaces the default for its kind; removing it brings the default back. Each
change is one setup-log entry (who, what, old → new) in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinik.core.errors import SetupCode, SetupErrors
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.errors import TemplateInvalid
from klinik.correspondence.models import MessageTemplate
from klinik.correspondence.texts import DEFAULTS
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.models import AppointmentType
from klinik.scheduling.reminders import (
    MANAGE_PATH,
    PLACEHOLDERS,
    format_when,
    manage_token,
    render,
    unknown_placeholders,
)

# Three concatenated SMS of 153 characters: longer texts cost more and arrive in pieces.
SMS_MAX_CHARS = 3 * 153
TEMPLATE_FIELDS = ("subject", "body")


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    length: int

    @property
    def is_too_long_for_sms(self) -> bool:
        return self.length > SMS_MAX_CHARS


def sample_context(*, unit: Unit, appointment_type: AppointmentType | None) -> dict[str, str]:
    """Placeholders filled for an example appointment a week from now at 10:00 (moved from
    the day before for {previous_when}); the link has the length of a real one."""
    day = timezone.localdate(timezone.now(), LOCAL) + timedelta(days=7)
    when = datetime.combine(day, time(10), tzinfo=LOCAL)
    link = settings.KLINIK_PUBLIC_URL.rstrip("/") + MANAGE_PATH.format(
        token=manage_token(uuid.UUID(int=0))
    )
    return {
        "when": format_when(when),
        "previous_when": format_when(when - timedelta(days=1)),
        "unit": unit.name,
        "type": appointment_type.name if appointment_type else _("Consultation"),
        "preparation": appointment_type.preparation_text.strip() if appointment_type else "",
        "link": link,
    }


def template_preview(
    *, unit: Unit, appointment_type: AppointmentType | None, kind: str, subject: str, body: str
) -> Preview:
    """The text as a patient would get it (empty subject/body: the default's)."""
    default_subject, default_body = DEFAULTS[kind]
    if appointment_type is None:  # a unit's text: shown with one of its types
        appointment_type = (
            AppointmentType.objects.filter(unit=unit, is_active=True).order_by("name").first()
        )
    context = sample_context(unit=unit, appointment_type=appointment_type)
    filled = render(body or str(default_body), context)
    return Preview(render(subject or str(default_subject), context), filled, len(filled))


def _check(
    *, unit: Unit, appointment_type: AppointmentType | None, kind: str, subject: str, body: str
) -> None:
    errors = SetupErrors(TemplateInvalid)
    if kind not in MessageKind.values:
        errors.add("kind", TemplateInvalid.REQUIRED)
    if appointment_type is not None and appointment_type.unit_id != unit.pk:
        errors.add("appointment_type", TemplateInvalid.TYPE_NOT_IN_UNIT)
    if not body.strip():
        errors.add("body", TemplateInvalid.REQUIRED)
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for name, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            listed = ", ".join(f"{{{u}}}" for u in sorted(unknown))
            errors.add(
                name,
                TemplateInvalid.UNKNOWN_PLACEHOLDERS % {"unknown": listed, "known": known},
                SetupCode.UNKNOWN_PLACEHOLDER,
            )
    if len(subject) > 200:
        errors.add("subject", TemplateInvalid.TOO_LONG % {"max": 200})
    if not errors and kind in MessageKind.values:
        preview = template_preview(
            unit=unit, appointment_type=appointment_type, kind=kind, subject=subject, body=body
        )
        if preview.is_too_long_for_sms:
            errors.add(
                "body",
                TemplateInvalid.SMS_TOO_LONG % {"length": preview.length, "max": SMS_MAX_CHARS},
                SetupCode.TOO_LONG_FOR_SMS,
            )
    errors.raise_if_any()


def _found(
    unit: Unit, appointment_type: AppointmentType | None, kind: str
) -> MessageTemplate | None:
    own = MessageTemplate.objects.filter(organisation_id=unit.organisation_id, kind=kind)
    if appointment_type is not None:
        return own.filter(appointment_type=appointment_type).first()
    return own.filter(unit=unit, appointment_type__isnull=True).first()


def _object_id(unit: Unit, appointment_type: AppointmentType | None, kind: str) -> str:
    return f"{(appointment_type or unit).public_id}:{kind}"


def template_save(
    *,
    actor: Actor,
    unit: Unit,
    appointment_type: AppointmentType | None,
    kind: str,
    subject: str,
    body: str,
) -> MessageTemplate:
    """Save the unit's (or, with `appointment_type`, the type's) own text for `kind`."""
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None and unit.organisation_id == actor.organisation.pk
    subject, body = subject.strip(), body.strip()
    _check(unit=unit, appointment_type=appointment_type, kind=kind, subject=subject, body=body)
    with transaction.atomic(durable=True):
        template = _found(unit, appointment_type, kind)
        before = None
        if template is None:
            template = MessageTemplate(
                organisation_id=unit.organisation_id,
                unit=unit,
                appointment_type=appointment_type,
                kind=kind,
            )
        else:
            before = {"subject": template.subject, "body": template.body}
        template.subject, template.body = subject, body
        template.unit = unit
        template.save()
        setup_change_record(
            actor=actor,
            object_type="message_template",
            object_id=_object_id(unit, appointment_type, kind),
            before=before,
            after={"subject": subject, "body": body},
        )
    return template


def template_remove(
    *, actor: Actor, unit: Unit, appointment_type: AppointmentType | None, kind: str
) -> None:
    """Remove the own text: the default (or the unit's, for a type) applies again."""
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None and unit.organisation_id == actor.organisation.pk
    with transaction.atomic(durable=True):
        template = _found(unit, appointment_type, kind)
        if template is None:
            return
        before = {"subject": template.subject, "body": template.body}
        template.delete()
        setup_change_record(
            actor=actor,
            object_type="message_template",
            object_id=_object_id(unit, appointment_type, kind),
            before=before,
            after=None,
        )
