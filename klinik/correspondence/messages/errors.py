"""Refusals of the MedCom messages: a code for tests and the API, a Danish message at a field."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class MessageCode(StrEnum):
    REQUIRED = "required"
    BAD_SOR = "bad_sor"
    BAD_EAN = "bad_ean"
    BAD_CATEGORY = "bad_category"
    TOPIC_REQUIRED = "topic_required"
    NO_SENDER = "no_sender"
    NO_GP = "no_gp"
    BUNDLE_INVALID = "bundle_invalid"
    ALREADY_MATCHED = "already_matched"
    NOT_ANSWERABLE = "not_answerable"
    CSV_INVALID = "csv_invalid"
    TOO_LONG = "too_long"
    NOT_SIGNED = "not_signed"
    ALREADY_COPIED = "already_copied"
    ATTACHMENT_REFUSED = "attachment_refused"
    NOT_FORWARDABLE = "not_forwardable"


class MessageError(DomainError):
    REQUIRED = _("This field is required.")
    BAD_SOR = _("A SOR id is 6 to 18 digits.")
    BAD_EAN = _("An EAN location number is 13 digits.")
    BAD_CATEGORY = _("Not a CareCommunication category: %(value)s.")
    TOPIC_REQUIRED = _("Write a topic when the category is 'Other'.")
    NO_SENDER = _(
        "The organisation's own SOR id and EAN number are not set up: enter them in the clinic "
        "setup, or add them to the partner directory as kind 'Ourselves (sender)'."
    )
    NO_GP = _(
        "The patient's own GP is not in the partner directory (provider number %(number)s). "
        "Add the clinic with its SOR id and EAN number."
    )
    NO_GP_NUMBER = _("The patient has no own GP with a provider number in the register.")
    ALREADY_MATCHED = _("The message is already filed on a patient.")
    NOT_SIGNED = _("Only a signed dictation can be sent to the GP.")
    ALREADY_COPIED = _("The dictation has been sent to the GP already.")
    ATTACHMENT_TOO_LARGE = _("The attachment is too large (at most %(max)s MB).")
    ATTACHMENTS_TOO_MANY = _("At most %(max)s attachments.")
    NOT_FORWARDABLE = _("Only a received correspondence message with a patient can be forwarded.")
    NOT_ANSWERABLE = _("Only a received or sent correspondence message can be answered.")
    TOO_LONG = _("At most %(max)d characters.")
    CSV_LINE = _("Line %(line)d: %(problem)s")
    CSV_COLUMNS = _(
        "The file needs the columns kind, name, sor and ean (provider_number optional)."
    )

    def __init__(self, code: MessageCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


class BundleRefused(MessageError):
    """An incoming document that is not a message Bundle we can take: 422 naming what is
    missing (a FHIR path)."""

    def __init__(self, missing: str, problem: str = "") -> None:
        text = f"{missing} is missing or invalid" + (f": {problem}" if problem else "")
        super().__init__(MessageCode.BUNDLE_INVALID, text, field=missing)
        self.missing = missing
