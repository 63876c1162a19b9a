"""The LPR3 report's refusals."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class Lpr3Code(StrEnum):
    HAS_ERRORS = "lpr3_has_errors"
    NOTHING_TO_SEND = "lpr3_nothing_to_send"


class Lpr3Error(DomainError):
    statuses = {Lpr3Code.HAS_ERRORS: 409, Lpr3Code.NOTHING_TO_SEND: 409}

    # Formatted with the count.
    HAS_ERRORS = _("The report has %(count)s error(s): fix them before it is sent.")
    NOTHING_TO_SEND = _("The patient has no pathway to report.")
