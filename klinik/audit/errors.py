class AuditError(Exception):
    """A request the access log refuses (missing reason, wrong organisation, ...)."""
