"""Note templates (headings such as Subjektivt/Objektivt/Vurdering/Plan), per unit or for the
whole organisation, and the defaults a unit starts with (templates and phrases; the phrases
themselves are in phrases.py).

Reads and writes of this small area live together here: they hold no patient data, so nothing
goes to the access log; staff with RECORD_WRITE administer their own unit's and organisation's.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.records.choices import EntryType
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import NoteTemplate, Phrase

_Scoped = TypeVar("_Scoped", bound=NoteTemplate)

HEADINGS_MAX = 20
HEADING_MAX = 100

NAME_REQUIRED = _("Give the template a name.")
NAME_TAKEN = _("A template with this name already exists here.")
HEADINGS_REQUIRED = _("Write at least one heading, one per line.")
HEADINGS_TOO_MANY = _("At most 20 headings, each at most 100 characters.")
NO_ORGANISATION = _("Choose the unit you are working in first.")

# What a unit starts with (the defaults are Danish clinic content, not interface text).
DEFAULT_TEMPLATES: list[tuple[str, str, list[str]]] = [
    ("Konsultation (SOAP)", EntryType.NOTE, ["Subjektivt:", "Objektivt:", "Vurdering:", "Plan:"]),
    ("Telefonkonsultation", EntryType.PHONE, ["Henvendelse:", "Vurdering:", "Plan:"]),
    ("Kontrol", EntryType.NOTE, ["Status:", "Målinger:", "Vurdering:", "Plan:"]),
]
DEFAULT_PHRASES: list[tuple[str, str]] = [
    (".bt", "Blodtryk:  /  mmHg."),
    (".p", "Puls:  /min, regelmæssig."),
    (".ua", "Alment upåvirket."),
    (".st", "Stetoskopi af hjerte og lunger: normale forhold."),
    (".ktr", "Kontrol ved egen læge efter behov."),
    (".inf", "Informeret om forventet forløb, og hvornår der skal søges læge igen."),
]


# Reads -------------------------------------------------------------------------------------------


# Sorts the unit's own rows before the organisation's (False < True on both databases).
_ORG_WIDE = ExpressionWrapper(Q(unit__isnull=True), output_field=BooleanField())


def _scoped(model: type[_Scoped], unit: Unit) -> QuerySet[_Scoped]:
    return model.objects.filter(
        Q(unit=unit) | Q(unit__isnull=True), organisation_id=unit.organisation_id
    )


def note_templates_for(*, unit: Unit) -> list[NoteTemplate]:
    """Active templates a writer in `unit` can pick: the unit's own, then the organisation's."""
    return list(
        _scoped(NoteTemplate, unit).filter(is_active=True).order_by(_ORG_WIDE, "position", "name")
    )


def note_templates_admin(*, actor: Actor) -> list[NoteTemplate]:
    """The templates the actor administers (their unit's and the organisation's), inactive too."""
    if actor.unit is None:
        return []
    return list(
        _scoped(NoteTemplate, actor.unit)
        .select_related("unit")
        .order_by("-is_active", _ORG_WIDE, "position", "name")
    )


def note_template_of(*, actor: Actor, public_id: uuid.UUID | str) -> NoteTemplate:
    """One template the actor administers; 404 for missing and not-yours alike."""
    require(actor, Perm.RECORD_WRITE)
    if actor.unit is None:
        raise Http404
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = _scoped(NoteTemplate, actor.unit).filter(public_id=key).first()
    if found is None:
        raise Http404
    return found


# Writes ------------------------------------------------------------------------------------------


def note_template_defaults(*, unit: Unit) -> list[NoteTemplate]:
    """Give a unit that has no templates of its own the default ones (S/O/V/P, phone, check-up)
    and, when it has no phrases either, the default phrases. Idempotent.

    Not durable: the demo loader calls it inside its own transaction, the editor on first use.
    """
    with transaction.atomic():
        if not NoteTemplate.objects.filter(
            organisation_id=unit.organisation_id, unit=unit
        ).exists():
            for position, (name, entry_type, headings) in enumerate(DEFAULT_TEMPLATES):
                try:
                    with transaction.atomic():
                        NoteTemplate.objects.create(
                            organisation_id=unit.organisation_id,
                            unit=unit,
                            name=name,
                            entry_type=entry_type,
                            headings=headings,
                            position=position,
                        )
                except IntegrityError:
                    pass  # another request seeded it at the same time
        if not Phrase.objects.filter(organisation_id=unit.organisation_id, unit=unit).exists():
            for shortcut, text in DEFAULT_PHRASES:
                try:
                    with transaction.atomic():
                        Phrase.objects.create(
                            organisation_id=unit.organisation_id,
                            unit=unit,
                            shortcut=shortcut,
                            text=text,
                        )
                except IntegrityError:
                    pass
    return list(NoteTemplate.objects.filter(organisation_id=unit.organisation_id, unit=unit))


def _admin_unit(actor: Actor) -> Unit:
    require(actor, Perm.RECORD_WRITE)
    if actor.unit is None:
        raise RecordError(NO_ORGANISATION, code=RecordCode.NO_UNIT)
    return actor.unit


def _clean_headings(headings: list[str]) -> list[str]:
    cleaned = [" ".join(h.split()) for h in headings if h and h.strip()]
    if not cleaned:
        raise RecordError(HEADINGS_REQUIRED, code=RecordCode.HEADINGS_REQUIRED, field="headings")
    if len(cleaned) > HEADINGS_MAX or any(len(h) > HEADING_MAX for h in cleaned):
        raise RecordError(HEADINGS_TOO_MANY, code=RecordCode.HEADINGS_TOO_MANY, field="headings")
    return cleaned


def note_template_save(
    *,
    actor: Actor,
    name: str,
    headings: list[str],
    entry_type: str = EntryType.NOTE,
    whole_organisation: bool = False,
    position: int = 0,
    template: NoteTemplate | None = None,
) -> NoteTemplate:
    """Add a template for the actor's unit (or the whole organisation), or change one."""
    unit = _admin_unit(actor)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise RecordError(NAME_REQUIRED, code=RecordCode.NAME_REQUIRED, field="name")
    if entry_type not in EntryType.values:
        raise RecordError(
            _("Unknown type of entry."), code=RecordCode.TYPE_UNKNOWN, field="entry_type"
        )
    cleaned = _clean_headings(headings)
    if template is None:
        template = NoteTemplate(organisation_id=unit.organisation_id)
    elif template.organisation_id != unit.organisation_id:
        raise Http404
    template.unit = None if whole_organisation else unit
    template.name = name
    template.entry_type = entry_type
    template.headings = cleaned
    template.position = max(0, min(position, 999))
    # NULLs are distinct in the unique constraint: organisation-wide names are checked here.
    if whole_organisation and (
        NoteTemplate.objects.filter(
            organisation_id=unit.organisation_id, unit__isnull=True, name__iexact=name
        )
        .exclude(pk=template.pk)
        .exists()
    ):
        raise RecordError(NAME_TAKEN, code=RecordCode.NAME_TAKEN, field="name")
    try:
        with transaction.atomic(durable=True):
            template.save()
    except IntegrityError as exc:
        raise RecordError(NAME_TAKEN, code=RecordCode.NAME_TAKEN, field="name") from exc
    return template


def note_template_set_active(
    *, actor: Actor, template: NoteTemplate, is_active: bool
) -> NoteTemplate:
    unit = _admin_unit(actor)
    if template.organisation_id != unit.organisation_id:
        raise Http404
    with transaction.atomic(durable=True):
        NoteTemplate.objects.filter(pk=template.pk).update(is_active=is_active)
    template.is_active = is_active
    return template
