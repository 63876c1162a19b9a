from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class OutboxError(DomainError):
    """An outbox action refused; the message is for the screen, the code for tests."""

    NOT_FAILED = _("Only a message that failed can be sent again.")
    SUPERSEDED = _("A newer message about the appointment is already waiting to be sent.")

    def __init__(self, message: object, code: str = "") -> None:
        super().__init__(code, message)
