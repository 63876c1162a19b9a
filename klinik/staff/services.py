"""Staff writes: loading the shipped catalogue, setting a person's competence level, the
clinic's own competences and courses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership
from klinik.core.policy import Actor, Perm, require
from klinik.staff import catalogue
from klinik.staff.choices import Level
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import Competence, Course, PersonCompetence

EVIDENCE_MAX = 2000
NAME_MAX = 200


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


def competence_add(
    *, actor: Actor, name: str, description: str = "", tasks: list[str] | None = None
) -> Competence:
    """A clinic's own competence ("må kode DRG", "må vaccinere under instruks X"), beside the
    seed's four. Refuses an empty or taken name."""
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None:
        raise StaffDomainError(StaffCode.NOT_MEMBER, StaffDomainError.NOT_MEMBER)
    name = " ".join((name or "").split())
    if not name:
        raise StaffDomainError(StaffCode.REQUIRED, StaffDomainError.REQUIRED, "name")
    if len(name) > NAME_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": NAME_MAX}, "name"
        )
    code = slugify(name)[:50] or "competence"
    clean_tasks = [" ".join(t.split()) for t in (tasks or []) if t.strip()]
    taken = Competence.objects.filter(
        Q(organisation__isnull=True) | Q(organisation=organisation)
    ).filter(Q(code=code) | Q(name__iexact=name))
    if taken.exists():
        raise StaffDomainError(StaffCode.CODE_TAKEN, StaffDomainError.CODE_TAKEN, "name")
    last = Competence.objects.filter(organisation=organisation).order_by("-position").first()
    try:
        with transaction.atomic(durable=True):
            competence = Competence.objects.create(
                organisation=organisation,
                code=code,
                name=name,
                description=(description or "").strip()[:EVIDENCE_MAX],
                tasks=clean_tasks,
                position=(last.position + 1) if last else 100,
            )
            _catalogue_log(actor, "competence", competence.public_id, f"competence {code}")
    except IntegrityError:
        raise StaffDomainError(StaffCode.CODE_TAKEN, StaffDomainError.CODE_TAKEN, "name") from None
    return competence


def course_add(
    *,
    actor: Actor,
    number: str,
    title: str,
    days: Decimal,
    level: str = "",
    competences: list[Competence] | None = None,
) -> Course:
    """A clinic's own course (a supplier's course, an in-house training) in the catalogue. Its
    number must not be an AMU number or one of the clinic's own already."""
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None:
        raise StaffDomainError(StaffCode.NOT_MEMBER, StaffDomainError.NOT_MEMBER)
    number = "".join((number or "").split())
    title = " ".join((title or "").split())
    for field, value, limit in (("number", number, 20), ("title", title, 200)):
        if not value:
            raise StaffDomainError(StaffCode.REQUIRED, StaffDomainError.REQUIRED, field)
        if len(value) > limit:
            raise StaffDomainError(
                StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": limit}, field
            )
    if days is None or not (Decimal("0.5") <= days <= Decimal("200")):
        raise StaffDomainError(StaffCode.BAD_DAYS, StaffDomainError.BAD_DAYS, "days")
    level = (level or "").strip()[:10]
    chosen = list(competences or [])
    if any(c.organisation_id not in (None, organisation.pk) for c in chosen):
        raise StaffDomainError(
            StaffCode.UNKNOWN_COMPETENCE, StaffDomainError.UNKNOWN_COMPETENCE, "competences"
        )
    if Course.objects.filter(
        Q(organisation__isnull=True) | Q(organisation=organisation), number=number
    ).exists():
        raise StaffDomainError(StaffCode.NUMBER_TAKEN, StaffDomainError.NUMBER_TAKEN, "number")
    try:
        with transaction.atomic(durable=True):
            course = Course.objects.create(
                organisation=organisation,
                number=number,
                level=level,
                title=title,
                days=days.quantize(Decimal("0.1")),
                is_amu=False,
            )
            course.competences.set(chosen)
            _catalogue_log(actor, "course", course.public_id, f"course {number}")
    except IntegrityError:
        raise StaffDomainError(
            StaffCode.NUMBER_TAKEN, StaffDomainError.NUMBER_TAKEN, "number"
        ) from None
    return course


def _catalogue_log(actor: Actor, object_type: str, public_id: object, what: str) -> None:
    access_log_record(
        actor=actor,
        action=Action.STAFF_CHANGE,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.UI,
        object_type=object_type,
        object_id=str(public_id),
        reason=what,
    )
