"""System checks of the access log's protection: its key, and (with --deploy) who connects."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connection

from klinik.audit.keys import MINIMUM_KEY_LENGTH, MISSING_KEY

_DEPLOYMENT = "See docs/deployment.md."


@register(Tags.security)
def audit_key_configured(**kwargs: Any) -> list[CheckMessage]:
    """No key, no access log: every patient read would fail. Refuse to start instead."""
    if not settings.KLINIK_AUDIT_KEY:
        return [Error(MISSING_KEY, id="audit.E001")]
    if len(settings.KLINIK_AUDIT_KEY) < MINIMUM_KEY_LENGTH:
        return [
            Warning(
                f"The access-log key is shorter than {MINIMUM_KEY_LENGTH} characters.",
                hint="Make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
                id="audit.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def audit_database_role(**kwargs: Any) -> list[CheckMessage]:
    """The database's own guards (triggers) bind only a role that does not own the tables."""
    if connection.vendor == "sqlite":
        return _witness_beside_sqlite()
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'USAGE'), current_user "
                "FROM pg_roles r, pg_class c "
                "WHERE r.rolname = current_user AND c.oid = 'audit_accesslogentry'::regclass"
            )
            row = cursor.fetchone()
    except DatabaseError as exc:
        return [
            Warning(
                f"Could not check the database role ({type(exc).__name__}).",
                id="audit.W004",
            )
        ]
    if row is None:
        return []
    is_superuser, is_owner, role = row
    if is_superuser:
        return [
            Warning(
                f"Klinik connects to PostgreSQL as the superuser {role!r}: it can switch off the "
                "access log's triggers and rewrite it.",
                hint="Connect as an application role that owns no tables. " + _DEPLOYMENT,
                id="audit.W002",
            )
        ]
    if is_owner:
        return [
            Warning(
                f"Klinik connects to PostgreSQL as {role!r}, which owns the tables: it can switch "
                "off the access log's triggers and rewrite it.",
                hint="Run migrations as the owner and Klinik as another role. " + _DEPLOYMENT,
                id="audit.W003",
            )
        ]
    return []


def _witness_beside_sqlite() -> list[CheckMessage]:
    witness = settings.KLINIK_AUDIT_WITNESS
    database = Path(settings.DATABASES["default"]["NAME"]).resolve()
    if witness.parent != database.parent:
        return []
    return [
        Warning(
            f"The access log's witness file {witness} is beside the SQLite database: whoever "
            "can change the database can change the witness too.",
            hint="Point KLINIK_AUDIT_WITNESS at another disk or host. " + _DEPLOYMENT,
            id="audit.W005",
        )
    ]
