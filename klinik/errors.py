"""The one shape of every refusal (STYLE: "Errors: one shape"; docs/adr/0012).

`DomainError(code, message, field="")`: a stable code (each app names its codes in a StrEnum
beside its error class), a message to show (Danish first, through gettext) and the field it
concerns. The API has one handler (api/urls.py) that answers `{"detail", "code", ...}` with the
status `http_status` gives; the HTML views put the message at the field through one form
adapter (`core.errors.form_error_add`).

It lives here, beneath every app, because the access log (`audit`) sits below `core` and its
errors are refusals too; the rest of the code imports it as `klinik.core.errors.DomainError`.
Keep this module free of imports from the apps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 422  # the API status of every code not in `statuses`
    statuses: ClassVar[Mapping[str, int]] = {}  # code -> API status

    def __init__(self, code: str, message: object, field: str = "") -> None:
        super().__init__(str(message))
        self.code = str(code)
        self.message = str(message)
        self.field = field

    @property
    def http_status(self) -> int:
        return self.statuses.get(self.code, self.status)

    def field_errors(self) -> dict[str, list[str]]:
        """The messages by field (one here; input checks may hold several)."""
        return {self.field: [self.message]}

    def api_body(self) -> dict[str, Any]:
        """The API's JSON body: `detail` names the field first ("cpr: …")."""
        detail = f"{self.field}: {self.message}" if self.field else self.message
        return {"detail": detail, "code": self.code}
