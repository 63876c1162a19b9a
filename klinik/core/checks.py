"""System checks that keep the architecture honest at start-up."""

import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.urls import URLPattern, URLResolver, get_resolver

# Organisation-owned data lives in these apps; every model there needs an organisation FK.
TENANT_APPS = (
    "patients",
    "scheduling",
    "records",
    "pathways",
    "billing",
    "purchasing",
    "correspondence",
    "staff",
)
# National data in a tenant app, the same for every organisation: the law's deadline rules,
# the fee tables; the AMU course catalogue and the seed's competences (organisation empty; a
# clinic's own alongside).
NATIONAL_MODELS = frozenset(
    {"pathways.DeadlineRule", "billing.FeeRate", "staff.Course", "staff.Competence"}
    # The certificate catalogue (Attestnøglen) and its dated prices; a clinic's own beside.
    | {"correspondence.CertificateType", "correspondence.CertificatePrice"}
)


@register()
def organisation_foreign_keys(**kwargs: Any) -> list[Error]:
    errors = []
    for model in apps.get_models():
        if model._meta.app_label not in TENANT_APPS or model._meta.label in NATIONAL_MODELS:
            continue
        field = next((f for f in model._meta.fields if f.name == "organisation"), None)
        if field is None or field.null:
            errors.append(
                Error(
                    f"{model._meta.label} lacks a non-null organisation foreign key",
                    id="core.E002",
                )
            )
    return errors


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str = ""
) -> list[tuple[str, Callable[..., Any]]]:
    found: list[tuple[str, Callable[..., Any]]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


@register()
def views_declare_permissions(**kwargs: Any) -> list[Error]:
    """Deny by default: every Klinik view says what it needs (`requires`) or that it is public."""
    errors = []
    for route, view in _walk(get_resolver().url_patterns):
        module = getattr(view, "__module__", "")
        if not module.startswith("klinik.") or module.startswith("klinik.api"):
            continue
        if not (hasattr(view, "klinik_permissions") or getattr(view, "klinik_public", False)):
            errors.append(Error(f"View for {route!r} declares no permission", id="core.E001"))
    return errors


@register(Tags.security, deploy=True)
def field_key_configured(**kwargs: Any) -> list[CheckWarning]:
    """TOTP secrets are encrypted with a key of their own; derived from the secret key, they
    cannot be read once that is rotated, and one leaked secret gives away both."""
    if not settings.KLINIK_FIELD_KEY_DERIVED:
        return []
    return [
        CheckWarning(
            "No field key: TOTP secrets are encrypted with a key derived from the secret key.",
            hint="Set KLINIK_FIELD_KEY or create $KLINIK_DATA_DIR/field_key (`make run` "
            "writes one).",
            id="core.W001",
        )
    ]


def _open_to_others(path: Path) -> bool:
    return path.exists() and bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


# What Klinik keeps in its data folder that no other user may read.
PRIVATE_DATA_FILES = (
    "klinik.sqlite3",
    "klinik.sqlite3-wal",
    "klinik.sqlite3-shm",
    "secret_key",
    "field_key",
)


@register(Tags.security, deploy=True)
def data_files_private(**kwargs: Any) -> list[CheckWarning]:
    """The data folder and its database and keys are for Klinik's user only. New ones are
    made so; an older installation may still have them readable by others."""
    data_dir = Path(settings.DATA_DIR)
    paths = [data_dir, *(data_dir / name for name in PRIVATE_DATA_FILES)]
    exposed = [str(path) for path in paths if _open_to_others(path)]
    if not exposed:
        return []
    return [
        CheckWarning(
            f"Readable by other users: {', '.join(exposed)}",
            hint="chmod 700 the data folder and 600 the files in it.",
            id="core.W002",
        )
    ]
