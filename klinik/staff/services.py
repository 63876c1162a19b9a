"""Staff writes: loading the shipped catalogue, setting a person's competence level."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership
from klinik.core.policy import Actor, Perm, require
from klinik.staff import catalogue
from klinik.staff.choices import Level
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import Competence, Course, PersonCompetence

EVIDENCE_MAX = 2000


def catalogue_load() -> catalogue.LoadCounts:
    """Load the shipped AMU courses and the seed's competences (idempotent)."""
    with transaction.atomic(durable=True):
        return catalogue.catalogue_apply(
            course_model=Course,
            competence_model=Competence,
            courses=catalogue.courses_read(),
            competences=catalogue.competences_read(),
        )


def person_competence_set(
    *,
    actor: Actor,
    membership: Membership,
    competence: Competence,
    level: str,
    evidence: str = "",
    assessed_on: dt.date,
    expires_on: dt.date | None = None,
) -> PersonCompetence:
    """Record a person's level in a competence (the latest assessment replaces the earlier)."""
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None or membership.organisation_id != organisation.pk:
        raise StaffDomainError(StaffCode.NOT_MEMBER, StaffDomainError.NOT_MEMBER, "username")
    if competence.organisation_id not in (None, organisation.pk):
        raise StaffDomainError(
            StaffCode.UNKNOWN_COMPETENCE, StaffDomainError.UNKNOWN_COMPETENCE, "competence"
        )
    if level not in Level.values:
        raise StaffDomainError(
            StaffCode.BAD_LEVEL, StaffDomainError.BAD_LEVEL % {"value": level}, "level"
        )
    if len(evidence) > EVIDENCE_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": EVIDENCE_MAX}, "evidence"
        )
    if assessed_on > timezone.localdate():
        raise StaffDomainError(
            StaffCode.ASSESSED_IN_FUTURE, StaffDomainError.ASSESSED_IN_FUTURE, "assessed_on"
        )
    if expires_on is not None and expires_on <= assessed_on:
        raise StaffDomainError(
            StaffCode.EXPIRY_NOT_AFTER_ASSESSMENT,
            StaffDomainError.EXPIRY_NOT_AFTER_ASSESSMENT,
            "expires_on",
        )
    with transaction.atomic(durable=True):
        held, _created = PersonCompetence.objects.update_or_create(
            organisation=organisation,
            user=membership.user,
            competence=competence,
            defaults={
                "level": level,
                "evidence": evidence.strip(),
                "assessed_on": assessed_on,
                "expires_on": expires_on,
                "changed_by": actor.user,
            },
        )
        access_log_record(
            actor=actor,
            action=Action.STAFF_CHANGE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="membership",
            object_id=membership.public_id,
            reason=f"competence {competence.code} -> {level}",
        )
    return held
