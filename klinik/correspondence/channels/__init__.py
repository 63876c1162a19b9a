"""Delivery channels behind adapters.

A channel says whether and where a patient can be reached (`address`: consent and a contact
detail) and hands a message over (`deliver`). E-mail goes through Django's mail backends
(EMAIL_BACKEND); SMS through the `SmsBackend` named in KLINIK_SMS_BACKEND, whose local default
sends nothing and leaves the outbox row as the record. A real gateway is another SmsBackend
subclass. Digital Post would be one more ChannelAdapter in CHANNELS (addressed by the patient's
CPR number, without a separate consent) and the patient's preference would pick it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.utils import make_msgid
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils.module_loading import import_string

from klinik.correspondence.choices import MessageChannel

if TYPE_CHECKING:
    from klinik.patients.models import Patient


@dataclass(frozen=True)
class Delivery:
    to: str
    subject: str
    body: str
    reference: str  # the outbox message's public id, for receipts and support cases


class SmsBackend(ABC):
    """An SMS gateway."""

    @abstractmethod
    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        """Hand the SMS over; return the gateway's id for it. Raise when it is refused."""


class LocalSmsBackend(SmsBackend):
    """Sends nothing anywhere: the message stays in the outbox, marked sent locally. The
    default for development, tests and the demo, and until a gateway is configured."""

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        return f"local:{reference}"


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.KLINIK_SMS_BACKEND)()
    return backend


def sms_number(phone: str) -> str:
    """The number as a gateway wants it (+4512345678), or "" when it cannot take an SMS."""
    compact = re.sub(r"[\s\-()]", "", phone)
    if re.fullmatch(r"\d{8}", compact):
        return "+45" + compact
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if re.fullmatch(r"\+\d{8,15}", compact) else ""


class ChannelAdapter(ABC):
    channel: ClassVar[MessageChannel]
    # SMS wakes people up, so it waits out the unit's quiet hours; e-mail does not.
    respects_quiet_hours: ClassVar[bool] = False

    @abstractmethod
    def address(self, patient: Patient) -> str:
        """Where to reach the patient this way, or "" without consent or contact details."""

    @abstractmethod
    def deliver(self, delivery: Delivery) -> str:
        """Send; return the provider's id for the message. Raise on failure."""


class SmsChannel(ChannelAdapter):
    channel = MessageChannel.SMS
    respects_quiet_hours = True

    def address(self, patient: Patient) -> str:
        return sms_number(patient.phone) if patient.consent_sms else ""

    def deliver(self, delivery: Delivery) -> str:
        return sms_backend().send(
            to=delivery.to,
            body=delivery.body,
            sender=settings.KLINIK_SMS_SENDER,
            reference=delivery.reference,
        )


class EmailChannel(ChannelAdapter):
    channel = MessageChannel.EMAIL

    def address(self, patient: Patient) -> str:
        return patient.email.strip() if patient.consent_email else ""

    def deliver(self, delivery: Delivery) -> str:
        message_id = make_msgid(domain=str(DNS_NAME))
        EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            to=[delivery.to],
            headers={"Message-ID": message_id},
        ).send()
        return message_id


CHANNELS: dict[str, ChannelAdapter] = {
    MessageChannel.SMS: SmsChannel(),
    MessageChannel.EMAIL: EmailChannel(),
}
# When several channels are possible and the patient prefers none of them (the register's
# default preference is Digital Post): the first of these.
FALLBACK_ORDER = (MessageChannel.SMS, MessageChannel.EMAIL)
