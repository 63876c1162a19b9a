"""Writes to the patient register: register, update, change number, relatives, restrict,
merge and undo a merge. Each runs in one transaction with its access-log entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.hooks import hook_items
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.access import patient_access_log
from klinik.patients.choices import (
    ContactChannel,
    IdentifierKind,
    InsuranceGroup,
    PatientStatus,
    RelativeRelation,
    Sex,
)
from klinik.patients.errors import PatientDuplicate, PatientInvalid, SimilarPatientsExist
from klinik.patients.hooks import PATIENT_PARTS
from klinik.patients.identifiers import IdentifierError, ParsedIdentifier, parse_identifier
from klinik.patients.models import (
    FormerIdentifier,
    Patient,
    PatientChange,
    PatientMerge,
    PatientNameToken,
    Relative,
)
from klinik.patients.search import fold, name_tokens, phone_digits, sort_key, words_key
from klinik.terminology.selectors import postal_code_city

# Fields a user may set on a patient, with their maximum length (None: not text).
TEXT_FIELDS: dict[str, int] = {
    "given_name": 200,
    "family_name": 200,
    "address_line": 200,
    "postal_code": 10,
    "city": 100,
    "phone": 30,
    "email": 254,
    "language": 8,
    "gp_name": 200,
    "gp_provider_number": 10,
    "reception_note": 2000,
}
BOOL_FIELDS = (
    "needs_interpreter",
    "consent_share_information",
    "consent_sms",
    "consent_email",
    "is_address_protected",
)
CHOICE_FIELDS: dict[str, Any] = {
    "sex": Sex,
    "preferred_channel": ContactChannel,
    "insurance_group": InsuranceGroup,
}
DATE_FIELDS = ("deceased_date",)
EDITABLE_FIELDS = (*TEXT_FIELDS, *BOOL_FIELDS, *CHOICE_FIELDS, *DATE_FIELDS)
REQUIRED_FIELDS = ("given_name", "family_name")
_PHONE = re.compile(r"^(\d{8}|\+\d{8,15})$")


def _clean(data: dict[str, Any], *, birth_date: date) -> dict[str, Any]:
    """Validate the editable fields present in `data`; raise PatientInvalid naming each field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    today = timezone.localdate()
    for field, value in data.items():
        if field not in EDITABLE_FIELDS:
            errors.setdefault(field, []).append(str(PatientInvalid.UNKNOWN_FIELD))
            continue
        if field in TEXT_FIELDS:
            text = "" if value is None else str(value).strip()
            if field in REQUIRED_FIELDS and not text:
                errors.setdefault(field, []).append(str(PatientInvalid.REQUIRED))
            elif len(text) > TEXT_FIELDS[field]:
                errors.setdefault(field, []).append(
                    str(PatientInvalid.TOO_LONG) % {"max": TEXT_FIELDS[field]}
                )
            elif field == "phone" and text and not _PHONE.match(_compact_phone(text)):
                errors.setdefault(field, []).append(str(PatientInvalid.PHONE))
            elif field == "email" and text:
                try:
                    validate_email(text)
                except ValidationError:
                    errors.setdefault(field, []).append(str(PatientInvalid.EMAIL))
            elif field == "postal_code" and text and not re.fullmatch(r"\d{4}", text):
                errors.setdefault(field, []).append(str(PatientInvalid.POSTAL_CODE))
            cleaned[field] = _compact_phone(text) if field == "phone" else text
        elif field in BOOL_FIELDS:
            cleaned[field] = bool(value)
        elif field in CHOICE_FIELDS:
            choices = CHOICE_FIELDS[field]
            try:
                cleaned[field] = choices(int(value) if field == "insurance_group" else value)
            except (ValueError, TypeError):
                errors.setdefault(field, []).append(str(PatientInvalid.CHOICE))
        elif field in DATE_FIELDS:
            if value in (None, ""):
                cleaned[field] = None
                continue
            try:
                parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                errors.setdefault(field, []).append(str(PatientInvalid.FUTURE_DATE))
                continue
            if parsed > today:
                errors.setdefault(field, []).append(str(PatientInvalid.FUTURE_DATE))
            elif parsed < birth_date:
                errors.setdefault(field, []).append(str(PatientInvalid.DEATH_BEFORE_BIRTH))
            cleaned[field] = parsed
    if errors:
        raise PatientInvalid(errors)
    if cleaned.get("postal_code") and "city" in cleaned and not cleaned["city"]:
        # The town left empty: the postal-code table gives it (a code it lacks leaves it empty).
        cleaned["city"] = postal_code_city(code=cleaned["postal_code"]) or ""
    return cleaned


def _compact_phone(text: str) -> str:
    compact = re.sub(r"[\s\-()]", "", text)
    return (
        compact[4:]
        if compact.startswith("0045") and len(compact) == 12
        else (compact[3:] if compact.startswith("+45") and len(compact) == 11 else compact)
    )


def _parse_number(raw: str, field: str = "cpr") -> ParsedIdentifier:
    try:
        return parse_identifier(raw)
    except IdentifierError as exc:
        raise PatientInvalid.one(field, exc.message) from exc


def _refresh_search_keys(patient: Patient) -> None:
    patient.sort_name = sort_key(patient.given_name, patient.family_name)
    patient.phone_digits = phone_digits(patient.phone)


def patient_search_index(patient: Patient) -> None:
    """Save a patient with its search keys and name tokens (factories and importers)."""
    _refresh_search_keys(patient)
    patient.save()
    _write_tokens(patient)


def _write_tokens(patient: Patient) -> None:
    PatientNameToken.objects.filter(patient=patient).delete()
    tokens = name_tokens(patient.given_name, patient.family_name)
    words = words_key(tokens)
    PatientNameToken.objects.bulk_create(
        PatientNameToken(
            organisation_id=patient.organisation_id,
            patient=patient,
            token=token,
            sort_name=patient.sort_name,
            words=words,
        )
        for token in sorted(tokens)
    )


# Registration -------------------------------------------------------------------------------


def patients_similar(
    *,
    organisation_id: int,
    birth_date: date,
    given_name: str,
    family_name: str,
    exclude_id: int | None = None,
) -> list[Patient]:
    """Active patients born the same day whose family name or first given name folds equal."""
    family = fold(family_name).split()
    first = (fold(given_name).split() or [""])[0]
    found = []
    # Same birth date means the same first six CPR digits: a range on the (organisation, cpr)
    # index, whatever the century.
    head = birth_date.strftime("%d%m%y")
    candidates = Patient.objects.filter(
        organisation_id=organisation_id,
        cpr__gte=head,
        cpr__lt=head + "~",
        birth_date=birth_date,
        status=PatientStatus.ACTIVE,
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    for other in candidates:
        other_family = fold(other.family_name).split()
        other_first = (fold(other.given_name).split() or [""])[0]
        if set(family) & set(other_family) or (first and first[:4] == other_first[:4]):
            found.append(other)
    return found


@dataclass(frozen=True)
class Registration:
    patient: Patient
    warnings: list[str]
    similar: list[Patient]


def patient_register(
    *,
    actor: Actor,
    cpr: str,
    given_name: str,
    family_name: str,
    birth_date: date | None = None,
    unit: Unit | None = None,
    allow_similar: bool = True,
    channel: Channel = Channel.UI,
    **fields: Any,
) -> Registration:
    """Register a patient in the actor's organisation.

    Raises PatientInvalid (fields named), PatientDuplicate (same number in the organisation) or,
    with allow_similar=False, SimilarPatientsExist.
    """
    require(actor, Perm.PATIENT_EDIT)
    organisation = actor.organisation
    if organisation is None:
        raise PatientInvalid.one("organisation", PatientInvalid.REQUIRED)
    number = _parse_number(cpr)
    if birth_date is not None and birth_date != number.birth_date:
        key = "birth_date"
        message = (
            PatientInvalid.FUTURE_DATE
            if birth_date > timezone.localdate()
            else PatientInvalid.BIRTH_DATE_MISMATCH
        )
        raise PatientInvalid.one(key, message)
    fields.setdefault("sex", number.sex)
    cleaned = _clean(
        {"given_name": given_name, "family_name": family_name, **fields},
        birth_date=number.birth_date,
    )
    if unit is not None and unit.organisation_id != organisation.pk:
        raise PatientInvalid.one("unit", PatientInvalid.CHOICE)
    with transaction.atomic():
        existing = Patient.objects.filter(organisation=organisation, cpr=number.value).first()
        if existing is not None:
            raise PatientDuplicate(existing.public_id)
        similar = patients_similar(
            organisation_id=organisation.pk,
            birth_date=number.birth_date,
            given_name=cleaned["given_name"],
            family_name=cleaned["family_name"],
        )
        if similar and not allow_similar:
            raise SimilarPatientsExist(similar)
        patient = Patient(
            organisation=organisation,
            unit=unit if unit is not None else actor.unit,
            identifier_kind=number.kind,
            cpr=number.value,
            birth_date=number.birth_date,
            **cleaned,
        )
        _refresh_search_keys(patient)
        try:
            with transaction.atomic():
                patient.save()
        except IntegrityError as exc:  # a concurrent registration of the same number
            other = Patient.objects.filter(organisation=organisation, cpr=number.value).first()
            if other is not None:
                raise PatientDuplicate(other.public_id) from exc
            raise
        _write_tokens(patient)
        patient_access_log(actor, Action.CREATE, patient, channel)
    return Registration(patient=patient, warnings=number.warnings, similar=similar)


# Changes --------------------------------------------------------------------------------------


def _record_changes(
    actor: Actor, patient: Patient, changes: dict[str, tuple[Any, Any]], reason: str
) -> None:
    now = timezone.now()
    PatientChange.objects.bulk_create(
        PatientChange(
            organisation_id=patient.organisation_id,
            patient=patient,
            changed_at=now,
            changed_by=actor.user,
            field=field,
            old_value="" if old is None else str(old),
            new_value="" if new is None else str(new),
            reason=reason[:300],
        )
        for field, (old, new) in changes.items()
    )


def patient_update(
    *,
    actor: Actor,
    patient: Patient,
    data: dict[str, Any],
    reason: str = "",
    channel: Channel = Channel.UI,
) -> Patient:
    """Change editable fields; each change is kept with who, when, old and new value."""
    require(actor, Perm.PATIENT_EDIT)
    if patient.is_restricted:
        raise PatientInvalid.one("patient", PatientInvalid.RESTRICTED)
    cleaned = _clean(data, birth_date=patient.birth_date)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        changes = {
            field: (getattr(locked, field), value)
            for field, value in cleaned.items()
            if getattr(locked, field) != value
        }
        if not changes:
            return locked
        for field, (_old, new) in changes.items():
            setattr(locked, field, new)
        _refresh_search_keys(locked)
        locked.save()
        if {"given_name", "family_name"} & changes.keys():
            _write_tokens(locked)
        _record_changes(actor, locked, changes, reason)
        patient_access_log(actor, Action.UPDATE, locked, channel, ", ".join(sorted(changes)))
    return locked


def patient_change_identifier(
    *, actor: Actor, patient: Patient, new_number: str, reason: str, channel: Channel = Channel.UI
) -> Patient:
    """Give the patient a new number (a CPR number for a replacement number, or a new CPR)."""
    require(actor, Perm.PATIENT_EDIT)
    number = _parse_number(new_number, "cpr")
    if not reason.strip():
        raise PatientInvalid.one("reason", PatientInvalid.REQUIRED)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if number.value == locked.cpr:
            return locked
        clash = Patient.objects.filter(
            organisation_id=locked.organisation_id, cpr=number.value
        ).first()
        if clash is not None:
            raise PatientDuplicate(clash.public_id)
        FormerIdentifier.objects.create(
            organisation_id=locked.organisation_id,
            patient=locked,
            identifier=locked.cpr,
            identifier_kind=locked.identifier_kind,
            replaced_at=timezone.now(),
            replaced_by=actor.user,
        )
        changes: dict[str, tuple[Any, Any]] = {"cpr": (locked.cpr, number.value)}
        if locked.birth_date != number.birth_date:
            changes["birth_date"] = (locked.birth_date, number.birth_date)
        if locked.identifier_kind != number.kind:
            changes["identifier_kind"] = (locked.identifier_kind, number.kind)
        locked.cpr = number.value
        locked.birth_date = number.birth_date
        locked.identifier_kind = number.kind
        locked.save()
        _record_changes(actor, locked, changes, reason.strip())
        patient_access_log(actor, Action.UPDATE, locked, channel, "identifier")
    return locked


def patient_restrict(
    *, actor: Actor, patient: Patient, reason: str, channel: Channel = Channel.UI
) -> Patient:
    """GDPR art. 18: restrict processing where the record must be kept (no erasure)."""
    require(actor, Perm.PATIENT_EDIT)
    if not reason.strip():
        raise PatientInvalid.one("reason", PatientInvalid.REQUIRED)
    return _set_restriction(actor, patient, True, reason.strip(), channel)


def patient_lift_restriction(
    *, actor: Actor, patient: Patient, reason: str, channel: Channel = Channel.UI
) -> Patient:
    require(actor, Perm.PATIENT_EDIT)
    if not reason.strip():
        raise PatientInvalid.one("reason", PatientInvalid.REQUIRED)
    return _set_restriction(actor, patient, False, reason.strip(), channel)


def _set_restriction(
    actor: Actor, patient: Patient, restricted: bool, reason: str, channel: Channel
) -> Patient:
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if locked.is_restricted == restricted:
            return locked
        _record_changes(
            actor, locked, {"is_restricted": (locked.is_restricted, restricted)}, reason
        )
        locked.is_restricted = restricted
        locked.restriction_reason = reason if restricted else ""
        locked.save(update_fields=["is_restricted", "restriction_reason", "updated_at"])
        patient_access_log(actor, Action.UPDATE, locked, channel, "restriction")
    return locked


# Relatives ------------------------------------------------------------------------------------


def relative_add(
    *,
    actor: Actor,
    patient: Patient,
    name: str,
    relation: str,
    phone: str = "",
    email: str = "",
    may_be_informed: bool = False,
    is_primary_contact: bool = False,
    note: str = "",
    channel: Channel = Channel.UI,
) -> Relative:
    require(actor, Perm.PATIENT_EDIT)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [str(PatientInvalid.REQUIRED)]
    if relation not in RelativeRelation.values:
        errors["relation"] = [str(PatientInvalid.CHOICE)]
    phone = _compact_phone(phone.strip())
    if phone and not _PHONE.match(phone):
        errors["phone"] = [str(PatientInvalid.PHONE)]
    if email.strip():
        try:
            validate_email(email.strip())
        except ValidationError:
            errors["email"] = [str(PatientInvalid.EMAIL)]
    if errors:
        raise PatientInvalid(errors)
    with transaction.atomic():
        relative = Relative.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            name=name.strip()[:200],
            relation=relation,
            phone=phone,
            email=email.strip(),
            may_be_informed=may_be_informed,
            is_primary_contact=is_primary_contact,
            note=note.strip()[:300],
        )
        _record_changes(actor, patient, {"relative": ("", relative.name)}, "")
        patient_access_log(actor, Action.UPDATE, patient, channel, "relative added")
    return relative


def relative_remove(
    *, actor: Actor, patient: Patient, relative: Relative, channel: Channel = Channel.UI
) -> None:
    require(actor, Perm.PATIENT_EDIT)
    if relative.patient_id != patient.pk:
        raise PatientInvalid.one("relative", PatientInvalid.CHOICE)
    with transaction.atomic():
        _record_changes(actor, patient, {"relative": (relative.name, "")}, "")
        relative.delete()
        patient_access_log(actor, Action.UPDATE, patient, channel, "relative removed")


# Merge ----------------------------------------------------------------------------------------

# Target fields a merge fills in from the source when the target has none.
_FILLABLE = (
    "address_line",
    "postal_code",
    "city",
    "phone",
    "email",
    "gp_name",
    "gp_provider_number",
    "reception_note",
)


def patient_merge(
    *,
    actor: Actor,
    source: Patient,
    target: Patient,
    reason: str = "",
    channel: Channel = Channel.UI,
) -> PatientMerge:
    """Merge two records of one person. The record with a real CPR number survives; the other
    is kept, marked merged, and everything attached to it moves over (undoable)."""
    require(actor, Perm.PATIENT_EDIT)
    if source.pk == target.pk:
        raise PatientInvalid.one("target", PatientInvalid.SAME_PATIENT)
    if source.organisation_id != target.organisation_id:
        raise PatientInvalid.one("target", PatientInvalid.CHOICE)
    if (
        source.identifier_kind == IdentifierKind.CPR
        and target.identifier_kind != IdentifierKind.CPR
    ):
        source, target = target, source
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Patient.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.status != PatientStatus.ACTIVE or target.status != PatientStatus.ACTIVE:
            raise PatientInvalid.one("target", PatientInvalid.ALREADY_MERGED)
        moved = {
            part.key: part.merge(source.pk, target.pk)
            for part in hook_items(PATIENT_PARTS)
            if part.merge is not None
        }
        filled = {}
        for field in _FILLABLE:
            if not getattr(target, field) and getattr(source, field):
                filled[field] = getattr(target, field)
                setattr(target, field, getattr(source, field))
        if filled:
            _refresh_search_keys(target)
            target.save()
        source.status = PatientStatus.MERGED
        source.merged_into = target
        source.save(update_fields=["status", "merged_into", "updated_at"])
        PatientNameToken.objects.filter(patient=source).delete()
        merge = PatientMerge.objects.create(
            organisation_id=target.organisation_id,
            source=source,
            target=target,
            merged_at=timezone.now(),
            merged_by=actor.user,
            moved=moved,
            target_before=filled,
        )
        _record_changes(actor, target, {"merged_from": ("", source.cpr)}, reason)
        _record_changes(actor, source, {"merged_into": ("", target.cpr)}, reason)
        patient_access_log(actor, Action.UPDATE, source, channel, f"merged into {target.public_id}")
        patient_access_log(actor, Action.UPDATE, target, channel, f"merged from {source.public_id}")
    return merge


def patient_merge_undo(
    *, actor: Actor, merge: PatientMerge, reason: str, channel: Channel = Channel.UI
) -> PatientMerge:
    """Reverse a merge (administrators): rows move back, filled-in fields are restored."""
    require(actor, Perm.PATIENT_UNMERGE)
    if not reason.strip():
        raise PatientInvalid.one("reason", PatientInvalid.REQUIRED)
    with transaction.atomic():
        merge = PatientMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise PatientInvalid.one("merge", PatientInvalid.ALREADY_MERGED)
        source = Patient.objects.select_for_update().get(pk=merge.source_id)
        target = Patient.objects.select_for_update().get(pk=merge.target_id)
        for part in hook_items(PATIENT_PARTS):
            if part.unmerge is not None and part.key in merge.moved:
                part.unmerge(merge.moved[part.key], source.pk)
        for field, value in merge.target_before.items():
            setattr(target, field, value)
        _refresh_search_keys(target)
        target.save()
        source.status = PatientStatus.ACTIVE
        source.merged_into = None
        source.save(update_fields=["status", "merged_into", "updated_at"])
        _write_tokens(source)
        merge.undone_at = timezone.now()
        merge.undone_by = actor.user
        merge.save(update_fields=["undone_at", "undone_by"])
        _record_changes(actor, target, {"merged_from": (source.cpr, "")}, reason)
        _record_changes(actor, source, {"merged_into": (target.cpr, "")}, reason)
        patient_access_log(actor, Action.UPDATE, source, channel, "merge undone")
        patient_access_log(actor, Action.UPDATE, target, channel, "merge undone")
    return merge
