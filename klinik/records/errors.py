"""Errors of the record (EPJ). Messages are constants so tests and the API can assert on them."""

from django.utils.translation import gettext_lazy as _


class RecordImmutable(Exception):
    """A saved journal entry (or its signature) is never changed or deleted."""

    MESSAGE = _("A saved journal entry cannot be changed or deleted; write a correction instead.")

    def __init__(self) -> None:
        super().__init__(str(self.MESSAGE))


class RecordError(Exception):
    """A refused record operation, with a user-facing message and a stable code."""

    def __init__(self, message: object, *, code: str, field: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.field = field
