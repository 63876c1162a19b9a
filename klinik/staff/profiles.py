"""Staff profiles: profession, education, authorisation id and employment dates of a person in
one organisation. The manager keeps them; the person sees their own (`/staff/me/`)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, Organisation, User
from klinik.core.policy import Actor, Perm, require
from klinik.staff.choices import Profession
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import StaffProfile

# The Danish Patient Safety Authority's authorisation id: letters and digits (e.g. "0C4X2").
AUTHORISATION_ID = re.compile(r"^[0-9A-Z]{4,10}$")


def staff_profile(*, organisation: Organisation, user: User) -> StaffProfile | None:
    return StaffProfile.objects.filter(organisation=organisation, user=user).first()


def staff_profile_save(
    *,
    actor: Actor,
    membership: Membership,
    profession: str,
    education: str = "",
    authorisation_id: str = "",
    employed_from: dt.date | None = None,
    employed_to: dt.date | None = None,
) -> StaffProfile:
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None or membership.organisation_id != organisation.pk:
        raise StaffDomainError(StaffCode.NOT_MEMBER, StaffDomainError.NOT_MEMBER, "username")
    if profession not in Profession.values:
        raise StaffDomainError(
            StaffCode.BAD_LEVEL, StaffDomainError.BAD_LEVEL % {"value": profession}, "profession"
        )
    authorisation_id = re.sub(r"\s", "", authorisation_id or "").upper()
    if authorisation_id and not AUTHORISATION_ID.fullmatch(authorisation_id):
        raise StaffDomainError(
            StaffCode.BAD_AUTHORISATION_ID,
            StaffDomainError.BAD_AUTHORISATION_ID,
            "authorisation_id",
        )
    if employed_from and employed_to and employed_to < employed_from:
        raise StaffDomainError(
            StaffCode.END_BEFORE_START, StaffDomainError.END_BEFORE_START, "employed_to"
        )
    with transaction.atomic(durable=True):
        profile, _created = StaffProfile.objects.update_or_create(
            organisation=organisation,
            user=membership.user,
            defaults={
                "profession": profession,
                "education": " ".join((education or "").split())[:200],
                "authorisation_id": authorisation_id,
                "employed_from": employed_from,
                "employed_to": employed_to,
            },
        )
        access_log_record(
            actor=actor,
            action=Action.STAFF_CHANGE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="membership",
            object_id=membership.public_id,
            reason="profile saved",
        )
    return profile
