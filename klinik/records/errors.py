"""Errors of the record (EPJ). Messages are constants so tests and the API can assert on them."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class RecordImmutable(DomainError):
    """A saved journal entry (or its signature) is never changed or deleted."""

    MESSAGE = _("A saved journal entry cannot be changed or deleted; write a correction instead.")
    status = 409

    def __init__(self) -> None:
        super().__init__("immutable", self.MESSAGE)

    def api_body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, "field": ""}


class RecordError(DomainError):
    """A refused record operation, with a user-facing message and a stable code. A state
    conflict (already corrected or signed) is a 409, an object rule a 403, else 422."""

    statuses = {
        "already_corrected": 409,
        "already_signed": 409,
        "not_current": 409,
        "contact_closed": 409,
        "immutable": 409,
        "main_exists": 409,
        "already_coded": 409,
        "already_in_error": 409,
        "already_removed": 409,
        "warning_inactive": 409,
        "already_taken": 409,
        "not_taken": 409,
        "not_open": 409,
        "not_waiting": 409,
        "file_too_large": 413,
        "file_type": 415,
        "not_responsible": 403,
        "draft_owner": 403,
    }

    def __init__(self, message: object, *, code: str, field: str = "") -> None:
        super().__init__(code, message, field)

    def api_body(self) -> dict[str, Any]:
        return super().api_body() | {"field": self.field}
