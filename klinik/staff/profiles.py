"""Staff profiles: profession, education, authorisation id and employment dates of a person in
one organisation. The manager keeps them; the person sees their own (`/staff/me/`)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, Organisation, User
from klinik.core.policy import Actor, Perm, require
from klinik.staff.choices import Profession
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import StaffProfile

# The Danish Patient Safety Authority's authorisation id: letters and digits (e.g. "0C4X2").
AUTHORISATION_ID = re.compile(r"^[0-9A-Z]{4,10}$")


PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}


def _photo_check(photo: UploadedFile[Any]) -> str:
    """The photo's file extension, after checking its size and that it is really a JPEG or
    PNG picture (by its content, not its name)."""
    bad = StaffDomainError(
        StaffCode.BAD_PHOTO, StaffDomainError.BAD_PHOTO % {"max": PHOTO_MAX_BYTES // 2**20}, "photo"
    )
    if not photo.size or photo.size > PHOTO_MAX_BYTES:
        raise bad
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            kind = image.format or ""
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise bad from None
    if kind not in PHOTO_FORMATS:
        raise bad
    return PHOTO_FORMATS[kind]


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
    photo: UploadedFile[Any] | None = None,
    photo_clear: bool = False,
) -> StaffProfile:
    """Save the person's profile. A new `photo` replaces the old one; `photo_clear` removes it
    (otherwise the photo is left as it is). Refuses, with nothing written: a bad authorisation
    id, an end before the start, a photo that is not a JPEG or PNG of at most 2 MB."""
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
    photo_ext = _photo_check(photo) if photo is not None else ""
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
        if photo is not None:
            photo.seek(0)
            # A random name: the uploaded one may carry the person's name or other detail.
            profile.photo.save(f"{uuid.uuid4().hex}.{photo_ext}", photo, save=True)
        elif photo_clear and profile.photo:
            profile.photo = ""
            profile.save(update_fields=["photo"])
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
