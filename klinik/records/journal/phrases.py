"""Phrases (fraser): named text snippets typed into a note by their shortcut and a space or Tab
(`.bt` → "Blodtryk:  /  mmHg."), for the writer alone, for the unit or for the whole
organisation, with merge fields the editor fills in as the phrase is inserted.

Who manages which: anyone who writes notes keeps their own (personal) phrases; the unit's and
the organisation's are the clinic's, managed by the manager role (CLINIC_SETUP). A personal
phrase is seen by its owner only (others get the same 404 as for a missing one). When shortcuts
meet, the writer's own wins over the unit's, and the unit's over the organisation's.

Phrases hold no patient data, so nothing here goes to the access log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit, User
from klinik.core.policy import Actor, Perm, can, require
from klinik.records.choices import PhraseScope
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import Phrase

# The merge fields, Danish as the clinic writes them, and what each becomes.
MERGE_FIELDS: dict[str, Promise] = {
    "fornavn": _("the patient's first name"),
    "dato": _("today's date, e.g. 07.12.2026"),
    "behandler": _("your own name, the one writing the note"),
}
_MERGE = re.compile(r"\{([^{}\s]*)\}")
TEXT_MAX = 2000

SHORTCUT_RE = re.compile(r"^\.[0-9a-zæøå_-]{1,19}$")
SHORTCUT_INVALID = _(
    "A shortcut starts with a full stop followed by letters or digits, e.g. .bt (at most 20 "
    "characters, no spaces)."
)
SHORTCUT_TAKEN = _("This shortcut is already in use here.")
PHRASE_TEXT_REQUIRED = _("Write the text the shortcut inserts.")
MERGE_FIELD_UNKNOWN = _("Unknown merge field %(fields)s. Use %(known)s.")
SCOPE_UNKNOWN = _("Choose who the phrase is for.")
NO_ORGANISATION = _("Choose the unit you are working in first.")

# Sorts the organisation's before the unit's before the writer's own: the last one wins.
_RANK = {PhraseScope.ORGANISATION: 0, PhraseScope.UNIT: 1, PhraseScope.PERSONAL: 2}


def phrase_scope(phrase: Phrase) -> PhraseScope:
    if phrase.owner_id is not None:
        return PhraseScope.PERSONAL
    return PhraseScope.UNIT if phrase.unit_id is not None else PhraseScope.ORGANISATION


def merge_fields_unknown(text: str) -> list[str]:
    """The `{…}` of `text` that are no merge field, in order, once each."""
    unknown: list[str] = []
    for name in _MERGE.findall(text):
        if name.lower() not in MERGE_FIELDS and f"{{{name}}}" not in unknown:
            unknown.append(f"{{{name}}}")
    return unknown


@dataclass(frozen=True)
class MergeValues:
    """What the merge fields become in one editor: the patient, today, the writer."""

    first_name: str
    today: date
    clinician: str

    def as_map(self) -> dict[str, str]:
        return {
            "fornavn": self.first_name,
            "dato": self.today.strftime("%d.%m.%Y"),
            "behandler": self.clinician,
        }


def phrase_merge(text: str, values: MergeValues) -> str:
    """The phrase's text with its merge fields filled in (as the editor's script does)."""
    filled = values.as_map()
    return _MERGE.sub(lambda m: filled.get(m.group(1).lower(), m.group(0)), text)


# Reads -------------------------------------------------------------------------------------------


def _visible(*, organisation_id: int, unit: Unit | None, user: User | None) -> QuerySet[Phrase]:
    shared = Q(owner__isnull=True) & (Q(unit__isnull=True) | Q(unit=unit))
    mine = Q(owner=user, unit__isnull=True) if user is not None else Q(pk__in=[])
    return Phrase.objects.filter(shared | mine, organisation_id=organisation_id)


def phrases_for(*, unit: Unit, user: User | None = None) -> list[Phrase]:
    """Active phrases a writer in `unit` types: their own, the unit's and the organisation's;
    for one shortcut the writer's own wins over the unit's, the unit's over the organisation's."""
    rows = _visible(organisation_id=unit.organisation_id, unit=unit, user=user).filter(
        is_active=True
    )
    chosen: dict[str, Phrase] = {}
    for phrase in sorted(rows, key=lambda p: _RANK[phrase_scope(p)]):
        chosen[phrase.shortcut] = phrase
    return sorted(chosen.values(), key=lambda p: p.shortcut)


def phrases_admin(*, actor: Actor) -> list[Phrase]:
    """The phrases on the actor's screen (inactive too): their own, then the unit's and the
    organisation's."""
    if actor.unit is None:
        return []
    rows = _visible(organisation_id=actor.unit.organisation_id, unit=actor.unit, user=actor.user)
    return sorted(
        rows.select_related("unit"),
        key=lambda p: (-_RANK[phrase_scope(p)], not p.is_active, p.shortcut),
    )


def phrase_of(*, actor: Actor, pk: int) -> Phrase:
    """One phrase the actor sees; 404 for missing, another organisation's and another
    person's own alike."""
    if actor.unit is None:
        raise Http404
    found = (
        _visible(organisation_id=actor.unit.organisation_id, unit=actor.unit, user=actor.user)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def phrase_scopes_for(actor: Actor) -> list[PhraseScope]:
    """The scopes the actor may create phrases in."""
    scopes = [PhraseScope.PERSONAL] if can(actor, Perm.RECORD_WRITE) else []
    if can(actor, Perm.CLINIC_SETUP):
        scopes += [PhraseScope.UNIT, PhraseScope.ORGANISATION]
    return scopes


def phrase_can_manage(actor: Actor, phrase: Phrase) -> bool:
    if phrase_scope(phrase) == PhraseScope.PERSONAL:
        return phrase.owner_id == actor.user.pk and can(actor, Perm.RECORD_WRITE)
    return can(actor, Perm.CLINIC_SETUP)


# Writes ------------------------------------------------------------------------------------------


def _unit_of(actor: Actor) -> Unit:
    if actor.unit is None:
        raise RecordError(NO_ORGANISATION, code=RecordCode.NO_UNIT)
    return actor.unit


def _require_scope(actor: Actor, scope: PhraseScope) -> None:
    require(actor, Perm.RECORD_WRITE if scope == PhraseScope.PERSONAL else Perm.CLINIC_SETUP)


def _require_manage(actor: Actor, phrase: Phrase) -> Unit:
    unit = _unit_of(actor)
    if phrase.organisation_id != unit.organisation_id:
        raise Http404
    if phrase_scope(phrase) == PhraseScope.PERSONAL and phrase.owner_id != actor.user.pk:
        raise Http404
    _require_scope(actor, phrase_scope(phrase))
    return unit


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise RecordError(PHRASE_TEXT_REQUIRED, code=RecordCode.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_MAX:
        raise RecordError(
            _("At most %(max)s characters.") % {"max": TEXT_MAX},
            code=RecordCode.TEXT_TOO_LONG,
            field="text",
        )
    unknown = merge_fields_unknown(text)
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in MERGE_FIELDS)
        raise RecordError(
            MERGE_FIELD_UNKNOWN % {"fields": ", ".join(unknown), "known": known},
            code=RecordCode.MERGE_FIELD_UNKNOWN,
            field="text",
        )
    return text


def _taken(phrase: Phrase) -> bool:
    """Another phrase of the same scope has the shortcut (the constraints back this up)."""
    same = Phrase.objects.filter(organisation_id=phrase.organisation_id, shortcut=phrase.shortcut)
    if phrase.owner_id is not None:
        same = same.filter(owner_id=phrase.owner_id)
    elif phrase.unit_id is not None:
        same = same.filter(unit_id=phrase.unit_id, owner__isnull=True)
    else:
        same = same.filter(unit__isnull=True, owner__isnull=True)
    return same.exclude(pk=phrase.pk).exists()


def phrase_save(
    *,
    actor: Actor,
    shortcut: str,
    text: str,
    scope: str = PhraseScope.PERSONAL,
    phrase: Phrase | None = None,
) -> Phrase:
    """Add a phrase (the writer's own, or the unit's or organisation's for a manager), or
    change one the actor manages. Refused: a bad shortcut, one taken in the scope, an empty
    text, an unknown merge field — nothing is saved."""
    unit = _unit_of(actor)
    if scope not in PhraseScope.values:
        raise RecordError(SCOPE_UNKNOWN, code=RecordCode.SCOPE_UNKNOWN, field="scope")
    new_scope = PhraseScope(scope)
    _require_scope(actor, new_scope)
    if phrase is None:
        phrase = Phrase(organisation_id=unit.organisation_id)
    else:
        _require_manage(actor, phrase)
    shortcut = (shortcut or "").strip().lower()
    if not SHORTCUT_RE.match(shortcut):
        raise RecordError(SHORTCUT_INVALID, code=RecordCode.SHORTCUT_INVALID, field="shortcut")
    phrase.text = _clean_text(text)
    phrase.shortcut = shortcut
    phrase.owner = actor.user if new_scope == PhraseScope.PERSONAL else None
    phrase.unit = unit if new_scope == PhraseScope.UNIT else None
    if _taken(phrase):
        raise RecordError(SHORTCUT_TAKEN, code=RecordCode.SHORTCUT_TAKEN, field="shortcut")
    try:
        with transaction.atomic(durable=True):
            phrase.save()
    except IntegrityError as exc:
        raise RecordError(SHORTCUT_TAKEN, code=RecordCode.SHORTCUT_TAKEN, field="shortcut") from exc
    return phrase


def phrase_set_active(*, actor: Actor, phrase: Phrase, is_active: bool) -> Phrase:
    _require_manage(actor, phrase)
    with transaction.atomic(durable=True):
        Phrase.objects.filter(pk=phrase.pk).update(is_active=is_active)
    phrase.is_active = is_active
    return phrase


def phrase_delete(*, actor: Actor, phrase: Phrase) -> None:
    """Delete a phrase the actor manages (notes written with it keep their text)."""
    _require_manage(actor, phrase)
    with transaction.atomic(durable=True):
        Phrase.objects.filter(pk=phrase.pk).delete()


__all__ = [
    "MERGE_FIELDS",
    "MergeValues",
    "phrase_can_manage",
    "phrase_delete",
    "phrase_merge",
    "phrase_of",
    "phrase_save",
    "phrase_scope",
    "phrase_scopes_for",
    "phrase_set_active",
    "phrases_admin",
    "phrases_for",
]
