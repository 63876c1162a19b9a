"""The partner directory (one row, a CSV import), the own sender identity and the patient's
own GP, and the checks of a party's SOR id and EAN number."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.db import transaction

from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import (
    PartnerKind,
)
from klinik.correspondence.messages.errors import MessageCode, MessageError
from klinik.correspondence.models import Partner
from klinik.patients.models import Patient

SOR_PATTERN = re.compile(r"^[0-9]{6,18}$")
EAN_PATTERN = re.compile(r"^[0-9]{13}$")
# The directory --------------------------------------------------------------------------------


def party_check(*, sor: str, ean: str, name: str, prefix: str = "") -> fhir.Party:
    if not name.strip():
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}name")
    if not sor:
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}sor")
    if not SOR_PATTERN.match(sor):
        raise MessageError(MessageCode.BAD_SOR, MessageError.BAD_SOR, f"{prefix}sor")
    if not ean:
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, f"{prefix}ean")
    if not EAN_PATTERN.match(ean):
        raise MessageError(MessageCode.BAD_EAN, MessageError.BAD_EAN, f"{prefix}ean")
    return fhir.Party(sor=sor, ean=ean, name=name.strip()[:200])


def organisation_id_of(actor: Actor) -> int:
    if actor.organisation is None:
        raise MessageError(MessageCode.NO_SENDER, MessageError.NO_SENDER)
    return actor.organisation.pk


def partner_save(
    *,
    actor: Actor,
    kind: str,
    name: str,
    sor: str,
    ean: str,
    provider_number: str = "",
) -> Partner:
    """Add a partner, or update the one with the same SOR id."""
    require(actor, Perm.CLINIC_SETUP)
    organisation_id = organisation_id_of(actor)
    party = party_check(sor=sor.strip(), ean=ean.strip(), name=name)
    if kind not in PartnerKind.values:
        raise MessageError(
            MessageCode.BAD_CATEGORY, MessageError.BAD_CATEGORY % {"value": kind}, "kind"
        )
    with transaction.atomic(durable=True):
        return _partner_upsert(organisation_id, kind, party, provider_number.strip()[:10])


def _partner_upsert(organisation_id: int, kind: str, party: fhir.Party, number: str) -> Partner:
    if kind == PartnerKind.OWN:
        Partner.objects.filter(organisation_id=organisation_id, kind=PartnerKind.OWN).exclude(
            sor=party.sor
        ).update(is_active=False)
    partner, _ = Partner.objects.update_or_create(
        organisation_id=organisation_id,
        sor=party.sor,
        defaults={
            "kind": kind,
            "name": party.name,
            "ean": party.ean,
            "provider_number": number,
            "is_active": True,
        },
    )
    return partner


KIND_WORDS = {
    **{value: value for value in PartnerKind.values},
    "egen": PartnerKind.OWN,
    "læge": PartnerKind.GP,
    "lægepraksis": PartnerKind.GP,
    "kommune": PartnerKind.MUNICIPALITY,
    "sygehus": PartnerKind.HOSPITAL,
    "speciallæge": PartnerKind.SPECIALIST,
    "andet": PartnerKind.OTHER,
}


@dataclass(frozen=True)
class PartnerImport:
    created: int
    updated: int


def partner_import_csv(*, actor: Actor, text: str) -> PartnerImport:
    """Import partners from CSV (header: kind, name, sor, ean[, provider_number]; comma or
    semicolon). All lines or none: the first bad line is named and nothing is saved."""
    require(actor, Perm.CLINIC_SETUP)
    organisation_id = organisation_id_of(actor)
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if not {"kind", "name", "sor", "ean"} <= columns:
        raise MessageError(MessageCode.CSV_INVALID, MessageError.CSV_COLUMNS, "file")
    rows: list[tuple[str, fhir.Party, str]] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        kind = KIND_WORDS.get(row.get("kind", "").lower())
        try:
            if kind is None:
                raise MessageError(
                    MessageCode.BAD_CATEGORY,
                    MessageError.BAD_CATEGORY % {"value": row.get("kind", "")},
                    "kind",
                )
            party = party_check(sor=row["sor"], ean=row["ean"], name=row["name"])
        except MessageError as exc:
            problem = f"{exc.field}: {exc.message}"
            raise MessageError(
                MessageCode.CSV_INVALID,
                MessageError.CSV_LINE % {"line": line, "problem": problem},
                "file",
            ) from exc
        rows.append((kind, party, row.get("provider_number", "")[:10]))
    with transaction.atomic(durable=True):
        known = set(
            Partner.objects.filter(
                organisation_id=organisation_id, sor__in=[p.sor for _, p, _ in rows]
            ).values_list("sor", flat=True)
        )
        for kind, party, number in rows:
            _partner_upsert(organisation_id, kind, party, number)
    return PartnerImport(created=len({p.sor for _, p, _ in rows} - known), updated=len(known))


def own_partner(*, organisation_id: int) -> Partner:
    """The organisation's own sender identity: the directory's row of kind "own", else the
    SOR code and EAN/GLN number of the clinic setup (kept as that row from then on); or the
    refusal saying how to set it up."""
    own = Partner.objects.filter(
        organisation_id=organisation_id, kind=PartnerKind.OWN, is_active=True
    ).first()
    if own is not None:
        return own
    organisation = Organisation.objects.get(pk=organisation_id)
    sor, ean = organisation.sor_code.strip(), organisation.gln.strip()
    if not (SOR_PATTERN.match(sor) and EAN_PATTERN.match(ean)):
        raise MessageError(MessageCode.NO_SENDER, MessageError.NO_SENDER)
    own, _ = Partner.objects.update_or_create(
        organisation_id=organisation_id,
        sor=sor,
        defaults={
            "kind": PartnerKind.OWN,
            "name": organisation.name,
            "ean": ean,
            "is_active": True,
        },
    )
    return own


def gp_partner(*, patient: Patient) -> Partner:
    """The patient's own GP clinic from the register's provider number, via the directory."""
    number = patient.gp_provider_number.strip()
    if not number:
        raise MessageError(MessageCode.NO_GP, MessageError.NO_GP_NUMBER, "recipient")
    partner = Partner.objects.filter(
        organisation_id=patient.organisation_id,
        provider_number=number,
        is_active=True,
    ).first()
    if partner is None:
        raise MessageError(MessageCode.NO_GP, MessageError.NO_GP % {"number": number}, "recipient")
    return partner


def party_of(partner: Partner) -> fhir.Party:
    return fhir.Party(sor=partner.sor, ean=partner.ean, name=partner.name)
