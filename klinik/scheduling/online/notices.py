"""Consent given on the public booking page, and what the visitor is told about the
confirmation: whether one will be sent, how, and if not, why.

Whether and how a confirmation goes out is the outbox's answer (scheduling.hooks.notice_route,
from correspondence): asked about the patient as the booking will leave them, so the page
says what will happen, not what the visitor hoped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.patients.models import Patient
from klinik.scheduling.hooks import notice_route
from klinik.scheduling.online.identity import Identity, compact_phone


class Why(StrEnum):
    """Why no confirmation is sent, as the visitor understands it (carried to the done page)."""

    NO_CONSENT = "consent"
    NOT_REGISTERED = "records"
    UNAVAILABLE = "none"


REASONS = {
    Why.NO_CONSENT: _("you have not said yes to messages by SMS or e-mail"),
    Why.NOT_REGISTERED: _(
        "the number or address you typed is not the one in our records. The reception will "
        "check it with you when you come"
    ),
    Why.UNAVAILABLE: _("the clinic cannot send you messages"),
}


@dataclass(frozen=True)
class OnlineNotice:
    """The confirmation as the visitor is told about it."""

    channel: str = ""  # "sms", "email"; "" when nothing is sent
    address: str = ""  # the number or address as shown (in full only when the visitor typed it)
    why: str = ""  # a Why, when nothing is sent

    @property
    def sends(self) -> bool:
        return bool(self.channel)

    @property
    def reason(self) -> str:
        return str(REASONS.get(Why(self.why), "")) if self.why else ""


def _same_phone(typed: str, registered: str) -> bool:
    return bool(typed) and typed == compact_phone(registered)


def _same_email(typed: str, registered: str) -> bool:
    return bool(typed) and typed.lower() == registered.strip().lower()


def consent_to_store(patient: Patient, identity: Identity) -> dict[str, bool]:
    """The consent given online that is stored on an existing patient at once.

    Only consent to the number or address already registered, typed again by the visitor.
    That is safe from an anonymous visitor, who has shown no more than a CPR number and a
    name: it only lets the clinic send appointment messages to the patient's own registered
    number or address, about an appointment booked in their name; nothing goes to anything
    the visitor typed and nothing in the register is replaced or withdrawn. Without it the
    confirmation of this very booking would stay unsent. A different number or address (and
    consent to it) is left for the reception to confirm at check-in (contact_note).
    """
    if patient.is_restricted:
        return {}
    consent: dict[str, bool] = {}
    if (
        identity.consent_sms
        and not patient.consent_sms
        and _same_phone(identity.phone, patient.phone)
    ):
        consent["consent_sms"] = True
    if (
        identity.consent_email
        and not patient.consent_email
        and _same_email(identity.email, patient.email)
    ):
        consent["consent_email"] = True
    return consent


def contact_note(patient: Patient, identity: Identity) -> str:
    """Contact details typed online that differ from the register, with the consent given to
    them: for the reception to confirm at check-in (an anonymous visitor does not change the
    register)."""
    given = []
    if identity.phone and not _same_phone(identity.phone, patient.phone):
        text = _("phone %(phone)s, yes to SMS") if identity.consent_sms else _("phone %(phone)s")
        given.append(str(text) % {"phone": identity.phone})
    if identity.email and not _same_email(identity.email, patient.email):
        text = (
            _("e-mail %(email)s, yes to e-mail")
            if identity.consent_email
            else _("e-mail %(email)s")
        )
        given.append(str(text) % {"email": identity.email})
    if not given:
        return ""
    return str(_("Given when booking online: %(contact)s")) % {"contact": ", ".join(given)}


def phone_display(number: str) -> str:
    """ "+4522334455" or "22334455" → "22 33 44 55"; other numbers as they are."""
    local = compact_phone(number)
    if len(local) == 8 and local.isdigit():
        return " ".join(local[i : i + 2] for i in range(0, 8, 2))
    return local


def masked_address(channel: str, address: str) -> str:
    """Enough for the patient to recognise their own number or address, no more."""
    if channel == "sms":
        return str(_("the number ending in %(last)s")) % {"last": compact_phone(address)[-2:]}
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def online_notice(identity: Identity, patient: Patient | None) -> OnlineNotice | None:
    """What the confirm step says: the route of the patient as this booking will leave them
    (an existing patient with the consent stored, a new one as typed and ticked). None when no
    outbox is installed."""
    if patient is None:
        subject = Patient(
            phone=identity.phone,
            email=identity.email,
            consent_sms=identity.consent_sms,
            consent_email=identity.consent_email,
        )
    else:
        subject = copy.copy(patient)
        for field, value in consent_to_store(patient, identity).items():
            setattr(subject, field, value)
    route = notice_route(subject)
    if route is None:
        return None
    if route.sends:
        typed = (
            _same_phone(identity.phone, route.address)
            if route.channel == "sms"
            else _same_email(identity.email, route.address)
        )
        shown = (
            (phone_display(route.address) if route.channel == "sms" else route.address)
            if typed
            else masked_address(route.channel, route.address)
        )
        return OnlineNotice(channel=route.channel, address=shown)
    ticked = (identity.consent_sms and identity.phone) or (
        identity.consent_email and identity.email
    )
    if not ticked:
        why = Why.NO_CONSENT
    elif patient is not None and not (
        (identity.consent_sms and _same_phone(identity.phone, patient.phone))
        or (identity.consent_email and _same_email(identity.email, patient.email))
    ):
        why = Why.NOT_REGISTERED
    else:
        why = Why.UNAVAILABLE
    return OnlineNotice(why=why)


def booked_notice(patient: Patient, why: str = "") -> OnlineNotice | None:
    """What the done page says: the patient's route now, the address masked (the page is
    the patient's link, which shows no contact details); when nothing is sent, the reason the
    confirm step gave (`why`)."""
    route = notice_route(patient)
    if route is None:
        return None
    if route.sends:
        return OnlineNotice(
            channel=route.channel, address=masked_address(route.channel, route.address)
        )
    known = why if why in {w.value for w in Why} else Why.UNAVAILABLE
    return OnlineNotice(why=known)
