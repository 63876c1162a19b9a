"""Synthetic data for benchmarks: factories for the few, executemany for the many.

Imported only after django.setup() (in the per-database subprocess).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from klinik.audit.chain import GENESIS_HASH, entry_hash
from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.keys import audit_key_current
from klinik.audit.models import AccessLogEntry, ChainHead
from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, Unit
from klinik.core.tests.factories import MembershipFactory, OrganisationFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory

BATCH_SIZE = 2000
_STAFF_ROLES = (Role.SECRETARY, Role.DOCTOR, Role.NURSE, Role.DOCTOR, Role.SECRETARY)


@dataclass
class Clinic:
    organisation: Organisation
    units: list[Unit]
    memberships: list[Membership]  # user, organisation and unit loaded


def clinics_create(*, count: int, units_per_clinic: int, staff_per_unit: int) -> list[Clinic]:
    """Organisations with units and staff (secretaries, doctors, nurses)."""
    clinics = []
    for _ in range(count):
        organisation = OrganisationFactory()
        units = [UnitFactory(organisation=organisation) for _ in range(units_per_clinic)]
        for unit in units:
            for index in range(staff_per_unit):
                MembershipFactory(unit=unit, role=_STAFF_ROLES[index % len(_STAFF_ROLES)])
        memberships = list(
            Membership.objects.select_related("user", "organisation", "unit")
            .filter(organisation=organisation)
            .order_by("id")
        )
        clinics.append(Clinic(organisation, units, memberships))
    return clinics


@dataclass(frozen=True)
class PatientRef:
    public_id: uuid.UUID
    organisation_id: int
    unit_id: int | None


def patients_create(*, clinics: list[Clinic], per_unit: int) -> list[PatientRef]:
    """`per_unit` patients in every unit, through the patients app's factory.

    The factory keeps up with the Patient model (search keys and all); benchmarks that need
    hundreds of thousands of patients want a bulk generator instead.
    """
    refs = []
    for clinic in clinics:
        for unit in clinic.units:
            for _ in range(per_unit):
                patient = PatientFactory(unit=unit)
                refs.append(PatientRef(patient.public_id, patient.organisation_id, unit.pk))
    return refs


def access_log_seed(
    *,
    count: int,
    clinics: list[Clinic],
    patients: list[PatientRef],
    rng: random.Random,
    days: int = 365,
) -> None:
    """Append `count` plausible entries to the access log, spread over the past `days`.

    Computes the same chain hashes as access_log_record, so access_log_verify passes (and
    proves the rows right), but inserts with executemany: looping access_log_record takes
    minutes per 100,000 entries and bulk_create spends most of its time building models.
    """
    by_organisation: dict[int, list[PatientRef]] = {}
    for ref in patients:
        by_organisation.setdefault(ref.organisation_id, []).append(ref)
    memberships = [m for clinic in clinics for m in clinic.memberships]
    start = datetime.now(tz=UTC) - timedelta(days=days)
    step = timedelta(days=days) / max(count, 1)
    insert = _RawInsert(AccessLogEntry, converted=("occurred_at", "patient_id"))
    key = audit_key_current()
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        seq, prev_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
        pending: list[dict[str, Any]] = []
        for index in range(count):
            seq += 1
            fields = _plausible_entry(rng, memberships, by_organisation)
            fields["seq"] = seq
            fields["occurred_at"] = start + step * index
            digest = entry_hash(fields, prev_hash, key.secret)
            pending.append(
                {**fields, "prev_hash": prev_hash, "entry_hash": digest, "key_id": key.id}
            )
            prev_hash = digest
            if len(pending) >= BATCH_SIZE:
                insert.rows(pending)
                pending = []
        insert.rows(pending)
        if head is None:
            ChainHead.objects.create(pk=1, seq=seq, last_hash=prev_hash)
        else:
            ChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev_hash)


class _RawInsert:
    """INSERT of plain dicts keyed by attname; only the `converted` fields go through Django's
    per-backend conversion (datetimes and UUIDs differ between SQLite and PostgreSQL)."""

    def __init__(self, model: type[Model], *, converted: tuple[str, ...]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.converted = {model._meta.get_field(name).attname for name in converted}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Identifiers come from the model's metadata; values go as parameters.
        table = quote(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608

    def rows(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        values = [
            [
                f.get_db_prep_save(row[f.attname], connection)
                if f.attname in self.converted
                else row[f.attname]
                for f in self.fields
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


def _plausible_entry(
    rng: random.Random,
    memberships: list[Membership],
    by_organisation: dict[int, list[PatientRef]],
) -> dict[str, Any]:
    """Mostly patient views, some searches, changes and logins, on screen and through the API."""
    membership = rng.choice(memberships)
    roll = rng.random()
    fields: dict[str, Any] = {
        "user_id": membership.user_id,
        "username": membership.user.username,
        "organisation_id": membership.organisation_id,
        "unit_id": membership.unit_id,
        "role": str(membership.role),
        "action": str(Action.VIEW),
        "object_type": "patient",
        "object_id": "",
        "patient_id": None,
        "purpose": str(Purpose.TREATMENT),
        "reason": "",
        "is_break_glass": False,
        "channel": str(Channel.UI if rng.random() < 0.85 else Channel.API),
    }
    if roll < 0.03:  # a login: no organisation yet
        fields.update(
            organisation_id=None,
            unit_id=None,
            role="",
            action=str(Action.LOGIN),
            object_type="",
            purpose=str(Purpose.SECURITY),
            channel=str(Channel.UI),
        )
        return fields
    if roll < 0.12:  # a search: no single patient
        fields.update(action=str(Action.SEARCH), object_type="patient_search")
        return fields
    patient = rng.choice(by_organisation[membership.organisation_id])
    fields.update(object_id=str(patient.public_id), patient_id=patient.public_id)
    if roll < 0.20:
        fields["action"] = str(Action.UPDATE)
    return fields
