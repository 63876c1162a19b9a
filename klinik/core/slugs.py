"""Readable names in URLs: the unit's online booking address (/book/<slug>/).

Danish letters are spelt out as Danes do in addresses (æ → ae, ø → oe, å → aa): Django's
slugify alone drops them ("Lægehuset" would become "lgehuset").
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})

UNIT_SLUG_MAX_LENGTH = 60
# /book/manage/<token>/ is the patient's link: a unit may not be called "manage".
RESERVED_UNIT_SLUGS = frozenset({"manage"})


def danish_slugify(text: str) -> str:
    """ "Lægehuset Åboulevarden" → "laegehuset-aaboulevarden"."""
    return slugify(text.translate(_DANISH))


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def validate_unit_slug(value: str) -> None:
    """A unit's booking address must not shadow the patient's link nor look like the unit's
    id (/book/<public id>/ keeps working, and is tried first)."""
    if value in RESERVED_UNIT_SLUGS or _looks_like_uuid(value):
        raise ValidationError(_("This address is reserved. Choose another."), code="reserved_slug")
