"""What the public booking pages refuse: one error type, messages safe to show to anyone."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class OnlineCode(StrEnum):
    """The code of every OnlineError: the message says what was refused."""

    REFUSED = "online_refused"


class OnlineError(DomainError):
    """Something the public page refuses; the message is safe to show to anyone."""

    # One message for every refusal of who the visitor says they are, whatever the reason
    # (a CPR number registered under another name, a registration that failed): it must not
    # tell whether the number belongs to a patient of the clinic.
    NOT_CONFIRMED = _(
        "We could not confirm your details. Check that your name and CPR number are typed as "
        "on your health insurance card, or call the clinic."
    )
    NAME = _("Type the name in letters. Hyphens, apostrophes and full stops may be used.")
    CONTACT_REQUIRED = _("Give a phone number or an e-mail address.")
    PHONE = _("A phone number has 8 digits, or + and a country code.")
    EMAIL = _("Type a valid e-mail address.")
    CONSENT_SMS_NO_PHONE = _("Type your mobile number to get messages by SMS.")
    CONSENT_EMAIL_NO_ADDRESS = _("Type your e-mail address to get messages by e-mail.")
    PENDING_EXPIRED = _("The booking took too long and was not made. Please start again.")
    LINK_INVALID = _("The link is not valid. Use the link from your confirmation exactly.")
    LINK_EXPIRED = _("The link has expired: the time of the appointment has passed.")
    NOT_CHANGEABLE = _("The appointment can no longer be changed online. Please call the clinic.")
    NOT_MOVABLE = _("This type of appointment cannot be moved online. Please call the clinic.")
    SLOT_GONE = _("The time is no longer free. Choose another time.")
    RATE_LIMITED = _(
        "Too many attempts from your connection. Please try again in an hour, or call the clinic."
    )

    def __init__(
        self, message: object, field: str = "", code: OnlineCode = OnlineCode.REFUSED
    ) -> None:
        super().__init__(code, message, field)
