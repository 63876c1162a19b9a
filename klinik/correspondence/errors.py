from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError, SetupInvalid


class OutboxError(DomainError):
    """An outbox action refused; the message is for the screen, the code for tests."""

    NOT_FAILED = _("Only a message that failed can be sent again.")
    SUPERSEDED = _("A newer message about the appointment is already waiting to be sent.")

    def __init__(self, message: object, code: str = "") -> None:
        super().__init__(code, message)


class TemplateInvalid(SetupInvalid):
    """A message template the setup refuses; messages at the fields, nothing saved."""

    UNKNOWN_PLACEHOLDERS = _("Unknown placeholders: %(unknown)s. Use %(known)s.")
    SMS_TOO_LONG = _(
        "The text is %(length)d characters with the example filled in; an SMS of more than "
        "%(max)d characters is split into too many parts. Shorten it."
    )
    TYPE_NOT_IN_UNIT = _("The appointment type does not belong to the unit.")
