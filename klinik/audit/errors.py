from enum import StrEnum

from klinik.errors import DomainError


class AuditCode(StrEnum):
    REASON_REQUIRED = "reason_required"
    HEAD_MISSING = "head_missing"
    NOT_BREAK_GLASS = "not_break_glass"
    OTHER_ORGANISATION = "other_organisation"
    ALREADY_REVIEWED = "already_reviewed"
    WITNESS_DIRECTORY_MISSING = "witness_directory_missing"
    WITNESS_UNREADABLE = "witness_unreadable"
    WITNESS_CONFLICT = "witness_conflict"


class AuditError(DomainError):
    """A request the access log refuses (missing reason, wrong organisation, ...). Messages in
    English: they are for the log's callers and operators, not shown on a screen."""

    # A missing head row is a fault of the server, not of the request.
    statuses = {AuditCode.HEAD_MISSING: 500, AuditCode.ALREADY_REVIEWED: 409}

    def __init__(self, code: AuditCode, message: str) -> None:
        super().__init__(code, message)
