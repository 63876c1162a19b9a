"""Message texts: an appointment type's own template, or the default for the kind.

Defaults are English msgids, translated (Danish unless the patient's language is another one
Klinik speaks) when the message is written; the date comes from scheduling in the same
language. Placeholders are filled by plain substitution (scheduling.reminders.render).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.choices import MessageKind
from klinik.correspondence.models import MessageTemplate
from klinik.scheduling.reminders import render

DEFAULTS: dict[str, tuple[Promise, Promise]] = {
    MessageKind.CONFIRMATION: (
        _("{unit}: your appointment is booked"),
        _(
            "Your appointment at {unit} is booked for {when} ({type}).\n\n{preparation}\n\n"
            "To cancel or move the appointment: {link}"
        ),
    ),
    MessageKind.MOVED: (
        _("{unit}: your appointment has been moved"),
        _(
            "Your appointment at {unit} has been moved to {when} ({type}).\n\n{preparation}\n\n"
            "To cancel or move the appointment: {link}"
        ),
    ),
    MessageKind.CANCELLED: (
        _("{unit}: your appointment has been cancelled"),
        _("Your appointment at {unit} on {when} ({type}) has been cancelled."),
    ),
    MessageKind.REMINDER: (
        _("{unit}: reminder of your appointment"),
        _(
            "Reminder: you have an appointment at {unit} on {when} ({type}).\n\n{preparation}"
            "\n\nTo cancel or move the appointment: {link}"
        ),
    ),
    MessageKind.WAITLIST_OFFER: (
        _("{unit}: a time has become free"),
        _(
            "A time has become free at {unit}: {when} ({type}). You are on our waiting list. "
            "To take the time, open the link and accept: {link}\n\n"
            "The time goes to the first to accept."
        ),
    ),
    MessageKind.WAITLIST_TAKEN: (
        _("{unit}: the time has been taken"),
        _(
            "The time at {unit} on {when} ({type}) has been taken by another patient. "
            "You are still on our waiting list."
        ),
    ),
    # Renewals and answers say no medication or diagnosis: an SMS is no place for them.
    MessageKind.RENEWAL_APPROVED: (
        _("{unit}: your prescription is renewed"),
        _("{unit} has renewed your prescription. It can be collected at your pharmacy."),
    ),
    MessageKind.RENEWAL_DECLINED: (
        _("{unit}: your prescription renewal"),
        _(
            "{unit} could not renew your prescription without a consultation. "
            "Please call the clinic."
        ),
    ),
    MessageKind.MESSAGE_ANSWERED: (
        _("{unit}: you have an answer"),
        _("{unit} has answered your message. Read the answer here: {link}"),
    ),
}


def template_for(
    *, organisation_id: int, unit_id: int | None, appointment_type_id: int | None, kind: str
) -> MessageTemplate | None:
    """The text a notice is written from: the type's own, else its unit's, else None (the
    default)."""
    own = MessageTemplate.objects.filter(organisation_id=organisation_id, kind=kind)
    if appointment_type_id is not None:
        found = own.filter(appointment_type_id=appointment_type_id).first()
        if found is not None:
            return found
    if unit_id is None:
        return None
    return own.filter(unit_id=unit_id, appointment_type__isnull=True).first()


def default_texts(*, kind: str, context: dict[str, str]) -> tuple[str, str]:
    """Subject and body of a kind without per-type templates, in the active language."""
    subject, body = DEFAULTS[kind]
    return render(str(subject), context), render(str(body), context)


def notice_texts(
    *,
    organisation_id: int,
    appointment_type_id: int,
    kind: str,
    context: dict[str, str],
    unit_id: int | None = None,
) -> tuple[str, str]:
    """Subject and body for a notice, in the active language."""
    default_subject, default_body = DEFAULTS[kind]
    template = template_for(
        organisation_id=organisation_id,
        unit_id=unit_id,
        appointment_type_id=appointment_type_id,
        kind=kind,
    )
    subject = template.subject if template is not None and template.subject else default_subject
    body = template.body if template is not None else default_body
    return render(str(subject), context), render(str(body), context)
