"""The DRG import's refusals: one code enum, messages as constants tests assert on."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class DrgCode(StrEnum):
    FILE_INVALID = "drg_file_invalid"


class DrgError(DomainError):
    FILE_INVALID = _("The file has errors; nothing was imported.")

    def __init__(
        self,
        code: DrgCode,
        message: object,
        field: str = "",
        line_errors: list[tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(code, message, field)
        # (line number, message) of every line refused; 0: the file as a whole.
        self.line_errors = line_errors or []
