"""Test helpers for the record: an organisation with a doctor, a second doctor, a secretary and
a nurse around one patient (plus a second organisation to prove isolation), and entries written
through the real services.

    def test_something(record_world):
        rw = record_world
        entry = entry_write(rw.secretary_actor, rw.patient, text="Ringet ang. svar")

`record_world` is a pytest fixture (klinik/records/tests/conftest.py makes it available to every
records test); `record_world_create(world)` builds the same thing from the root `world` fixture.
Synthetic people only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, Unit
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory
from klinik.patients.models import Patient
from klinik.records.choices import ContactKind, EntryType
from klinik.records.journal.services import (
    EntryDraft,
    contact_open,
    journal_entry_correct,
    journal_entry_sign,
    journal_entry_write,
)
from klinik.records.models import Contact, JournalEntry, JournalSignature
from klinik.staff.tests.factories import delegation_grant


@dataclass
class RecordWorld:
    """Organisation A (units A and A2) with staff in unit A and the patient Alma; organisation
    B with its own doctor and patient. Actors are resolved once."""

    world: object  # the root conftest's World
    organisation: Organisation
    unit: Unit
    unit2: Unit
    patient: Patient  # in unit A
    patient2: Patient  # organisation A, unit A2 (no care relation from unit A staff)
    doctor: Membership
    doctor2: Membership
    secretary: Membership
    nurse: Membership
    other_organisation: Organisation
    other_doctor: Membership  # organisation B
    other_patient: Patient  # organisation B

    @property
    def doctor_actor(self) -> Actor:
        return actor_from_membership(self.doctor)

    @property
    def doctor2_actor(self) -> Actor:
        return actor_from_membership(self.doctor2)

    @property
    def secretary_actor(self) -> Actor:
        return actor_from_membership(self.secretary)

    @property
    def nurse_actor(self) -> Actor:
        return actor_from_membership(self.nurse)

    @property
    def other_doctor_actor(self) -> Actor:
        return actor_from_membership(self.other_doctor)

    def actor(self, membership: Membership) -> Actor:
        return actor_from_membership(membership)


def _member(role: Role, unit: Unit, first: str, last: str) -> Membership:
    return MembershipFactory(role=role, unit=unit, user__first_name=first, user__last_name=last)


def record_world_create(world: object) -> RecordWorld:
    """Staff around the root `world` fixture's organisations A and B."""
    unit = world.unit_a  # type: ignore[attr-defined]
    unit_b = world.unit_b  # type: ignore[attr-defined]
    doctor = _member(Role.DOCTOR, unit, "Dorthe", "Lægesen")
    nurse = _member(Role.NURSE, unit, "Nina", "Sygeplejerske")
    # Vaccination is a doctor's reserved act: the nurse gives vaccines under a delegation.
    delegation_grant(doctor=doctor, delegate=nurse.user)
    return RecordWorld(
        world=world,
        organisation=world.org_a,  # type: ignore[attr-defined]
        unit=unit,
        unit2=world.unit_a2,  # type: ignore[attr-defined]
        patient=world.patient_a,  # type: ignore[attr-defined]
        patient2=world.patient_a2,  # type: ignore[attr-defined]
        doctor=doctor,
        doctor2=_member(Role.DOCTOR, unit, "Dennis", "Doktorsen"),
        secretary=_member(Role.SECRETARY, unit, "Sanne", "Sekretær"),
        nurse=nurse,
        other_organisation=world.org_b,  # type: ignore[attr-defined]
        other_doctor=_member(Role.DOCTOR, unit_b, "Bjarne", "Andenklinik"),
        other_patient=world.patient_b,  # type: ignore[attr-defined]
    )


@pytest.fixture
def record_world(world: object) -> RecordWorld:
    return record_world_create(world)


# Entries through the services --------------------------------------------------------------------


def entry_write(
    actor: Actor,
    patient: Patient,
    text: str = "Kontrol af blodtryk. Velbefindende.",
    *,
    entry_type: str = EntryType.NOTE,
    title: str = "",
    contact: Contact | None = None,
    responsible: object = None,
    occurred_at: datetime | None = None,
    channel: Channel = Channel.UI,
) -> JournalEntry:
    """Save an entry as `actor` would (journal_entry_write; access-logged)."""
    return journal_entry_write(
        actor=actor,
        patient=patient,
        draft=EntryDraft(
            entry_type=entry_type,
            text=text,
            title=title,
            contact=contact,
            responsible=responsible,  # type: ignore[arg-type]
            occurred_at=occurred_at,
        ),
        channel=channel,
    )


def entry_correct(
    actor: Actor,
    entry: JournalEntry,
    text: str = "Rettet tekst.",
    reason: str = "Forkert dosis skrevet",
) -> JournalEntry:
    return journal_entry_correct(actor=actor, entry=entry, text=text, reason=reason)


def entry_sign(actor: Actor, entry: JournalEntry) -> JournalSignature:
    return journal_entry_sign(actor=actor, entry=entry)


def contact_start(
    actor: Actor, patient: Patient, *, kind: str = ContactKind.PHONE, **kwargs: object
) -> Contact:
    return contact_open(actor=actor, patient=patient, kind=kind, **kwargs)  # type: ignore[arg-type]
