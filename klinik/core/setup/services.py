"""Setup writes for the organisation and its units. Each checks all its input first (every
problem at its field, nothing saved), then writes in one durable transaction together with the
setup-log entry (who, what, old → new)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.functional import Promise

from klinik.core.choices import UnitKind
from klinik.core.errors import SetupCode, SetupErrors, SetupInvalid
from klinik.core.models import Organisation, Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup import checks
from klinik.core.setup.logo import MAX_LOGO_BYTES, logo_kind, logo_remove, logo_write
from klinik.core.setup_log import setup_change_record, setup_snapshot
from klinik.core.slugs import UNIT_SLUG_MAX_LENGTH, danish_slugify, validate_unit_slug

ORGANISATION_FIELDS = (
    "name",
    "cvr",
    "sor_code",
    "provider_number",
    "gln",
    "address",
    "postal_code",
    "city",
    "phone",
    "email",
)
UNIT_FIELDS = (
    "name",
    "kind",
    "slug",
    "phone",
    "address",
    "postal_code",
    "city",
    "sor_code",
    "is_active",
)
# Number fields are stored without the spaces people type them with.
_COMPACT = {"cvr", "sor_code", "provider_number", "gln"}
_PROBLEMS: dict[str, Callable[[str], Promise | None]] = {
    "cvr": checks.cvr_problem,
    "sor_code": checks.sor_problem,
    "provider_number": checks.provider_number_problem,
    "gln": checks.gln_problem,
    "phone": checks.phone_problem,
    "email": checks.email_problem,
    "postal_code": checks.postal_code_problem,
}
_MAX_LENGTHS = {
    "name": 200,
    "address": 200,
    "city": 100,
    "phone": 30,
    "email": 254,
    "sor_code": 20,
}


def _cleaned(data: dict[str, Any], fields: tuple[str, ...], errors: SetupErrors) -> dict[str, Any]:
    """Trimmed, compacted values of the text fields, problems added to `errors`."""
    cleaned: dict[str, Any] = {}
    for name in fields:
        value = data.get(name, "")
        if isinstance(value, bool):
            cleaned[name] = value
            continue
        text = str(value or "").strip()
        if name in _COMPACT:
            text = checks.digits_only(text)
        limit = _MAX_LENGTHS.get(name)
        if limit is not None and len(text) > limit:
            errors.add(name, SetupInvalid.TOO_LONG % {"max": limit})
        problem = _PROBLEMS.get(name)
        message = problem(text) if problem is not None else None
        if message is not None:
            errors.add(name, message)
        cleaned[name] = text
    if "name" in fields and not cleaned.get("name"):
        errors.add("name", SetupInvalid.REQUIRED)
    return cleaned


def _require_organisation(actor: Actor) -> Organisation:
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None, "setup acts for one organisation"
    return actor.organisation


def organisation_update(*, actor: Actor, data: dict[str, Any]) -> Organisation:
    """Change the acting organisation's name, numbers, address and contact details."""
    organisation = _require_organisation(actor)
    errors = SetupErrors()
    cleaned = _cleaned(data, ORGANISATION_FIELDS, errors)
    errors.raise_if_any()
    with transaction.atomic(durable=True):
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = setup_snapshot(locked, ORGANISATION_FIELDS)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(ORGANISATION_FIELDS))
        setup_change_record(
            actor=actor,
            object_type="organisation",
            object_id=locked.public_id,
            before=before,
            after=setup_snapshot(locked, ORGANISATION_FIELDS),
        )
    return locked


def organisation_logo_set(*, actor: Actor, upload: IO[bytes]) -> Organisation:
    """Store a new letterhead logo (PNG or JPEG, at most MAX_LOGO_BYTES) for the organisation."""
    organisation = _require_organisation(actor)
    content = upload.read(MAX_LOGO_BYTES + 1)
    if len(content) > MAX_LOGO_BYTES:
        raise SetupInvalid.one("logo", SetupInvalid.LOGO_SIZE % {"kb": MAX_LOGO_BYTES // 1024})
    kind = logo_kind(content[:8])
    if kind is None:
        raise SetupInvalid.one("logo", SetupInvalid.LOGO_TYPE)
    key = logo_write(
        organisation_key=str(organisation.public_id), content=content, extension=kind[0]
    )
    try:
        with transaction.atomic(durable=True):
            locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
            previous = locked.logo_key
            locked.logo_key = key
            locked.save(update_fields=["logo_key"])
            setup_change_record(
                actor=actor,
                object_type="organisation",
                object_id=locked.public_id,
                before={"logo": previous},
                after={"logo": key},
            )
    except BaseException:
        logo_remove(key)
        raise
    logo_remove(previous)
    return locked


def _check_slug(slug: str, errors: SetupErrors, *, unit: Unit | None) -> None:
    if len(slug) > UNIT_SLUG_MAX_LENGTH or slug != danish_slugify(slug):
        errors.add("slug", SetupInvalid.SLUG_INVALID)
        return
    try:
        validate_unit_slug(slug)
    except ValidationError as exc:
        errors.add("slug", exc.messages[0])
        return
    taken = Unit.objects.filter(slug=slug)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        errors.add("slug", SetupInvalid.SLUG_TAKEN, SetupCode.SLUG_TAKEN)


def _unit_input(data: dict[str, Any], *, unit: Unit | None) -> dict[str, Any]:
    errors = SetupErrors()
    fields = tuple(f for f in UNIT_FIELDS if f not in ("kind", "is_active", "slug"))
    cleaned = _cleaned(data, fields, errors)
    kind = str(data.get("kind") or "")
    if kind not in UnitKind.values:
        errors.add("kind", SetupInvalid.REQUIRED)
    cleaned["kind"] = kind
    cleaned["is_active"] = bool(data.get("is_active", True))
    slug = str(data.get("slug") or "").strip() or danish_slugify(cleaned["name"])
    _check_slug(slug, errors, unit=unit)
    cleaned["slug"] = slug
    errors.raise_if_any()
    return cleaned


def _unit_name_taken(exc: IntegrityError) -> SetupInvalid:
    if "slug" in str(exc):
        return SetupInvalid.one("slug", SetupInvalid.SLUG_TAKEN, SetupCode.SLUG_TAKEN)
    return SetupInvalid.one("name", SetupInvalid.UNIT_NAME_TAKEN, SetupCode.NAME_TAKEN)


def unit_create(*, actor: Actor, data: dict[str, Any]) -> Unit:
    """A new unit (department, clinic, location) in the acting organisation."""
    organisation = _require_organisation(actor)
    cleaned = _unit_input(data, unit=None)
    try:
        with transaction.atomic(durable=True):
            unit = Unit.objects.create(organisation=organisation, **cleaned)
            setup_change_record(
                actor=actor,
                object_type="unit",
                object_id=unit.public_id,
                before=None,
                after=setup_snapshot(unit, UNIT_FIELDS),
            )
    except IntegrityError as exc:
        raise _unit_name_taken(exc) from exc
    return unit


def unit_update(*, actor: Actor, unit: Unit, data: dict[str, Any]) -> Unit:
    """Change a unit of the acting organisation (found through `setup_unit`)."""
    organisation = _require_organisation(actor)
    assert unit.organisation_id == organisation.pk
    cleaned = _unit_input(data, unit=unit)
    try:
        with transaction.atomic(durable=True):
            locked = Unit.objects.select_for_update().get(pk=unit.pk)
            before = setup_snapshot(locked, UNIT_FIELDS)
            for name, value in cleaned.items():
                setattr(locked, name, value)
            locked.save(update_fields=list(UNIT_FIELDS))
            setup_change_record(
                actor=actor,
                object_type="unit",
                object_id=locked.public_id,
                before=before,
                after=setup_snapshot(locked, UNIT_FIELDS),
            )
    except IntegrityError as exc:
        raise _unit_name_taken(exc) from exc
    return locked
