"""The pathways' settings: how many working days ahead the work queue warns of a deadline,
for a unit or for the whole organisation (a unit's own setting wins); and the templates of
planned steps (pakkeforløb) a visitation can start a pathway from. Setup changes go into the
access log (core.setup_log)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from klinik.audit.choices import Channel
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record, setup_snapshot
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.models import PathwaySettings, PathwayTemplate, PathwayTemplateStep
from klinik.terminology.selectors import code_lookup

WARNING_MAX = 30
DEFAULT_WARNING_DAYS = 3


def warning_days_for(unit: Unit) -> tuple[int, str]:
    """The unit's warning and where it comes from: "unit", "organisation" or "default"."""
    rows = list(
        PathwaySettings.objects.filter(organisation_id=unit.organisation_id).filter(
            Q(unit=unit) | Q(unit__isnull=True)
        )
    )
    own = next((r for r in rows if r.unit_id == unit.pk), None)
    if own is not None:
        return own.warning_working_days, "unit"
    shared = next((r for r in rows if r.unit_id is None), None)
    if shared is not None:
        return shared.warning_working_days, "organisation"
    return DEFAULT_WARNING_DAYS, "default"


def pathway_warning_set(
    *,
    actor: Actor,
    unit: Unit,
    warning_working_days: int,
    for_organisation: bool = False,
    channel: Channel = Channel.UI,
) -> PathwaySettings:
    """Set the warning for the unit, or (for_organisation) for every unit without its own."""
    require(actor, Perm.CLINIC_SETUP)
    if unit.organisation_id not in actor.organisation_ids:
        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field="unit")
    if not 0 <= warning_working_days <= WARNING_MAX:
        raise PathwayError(
            PathwayCode.BAD_VALUE,
            PathwayError.BAD_VALUE % {"value": warning_working_days},
            field="warning_working_days",
        )
    with transaction.atomic(durable=True):
        row, created = PathwaySettings.objects.select_for_update().get_or_create(
            organisation_id=unit.organisation_id,
            unit=None if for_organisation else unit,
            defaults={"warning_working_days": warning_working_days},
        )
        before = None if created else setup_snapshot(row, ["warning_working_days"])
        row.warning_working_days = warning_working_days
        row.save(update_fields=["warning_working_days"])
        setup_change_record(
            actor=actor,
            object_type="pathway_settings",
            object_id=row.pk,
            before=before,
            after=setup_snapshot(row, ["warning_working_days"]),
            channel=channel,
        )
    return row


@dataclass(frozen=True)
class PlannedStep:
    offset_days: int
    title: str
    marker: str = ""


def pathway_template_save(
    *,
    actor: Actor,
    organisation_id: int,
    code: str,
    title: str,
    label: str,
    steps: list[PlannedStep],
    is_active: bool = True,
    channel: Channel = Channel.UI,
) -> PathwayTemplate:
    """Create or replace (by code) a template of planned steps, e.g. a pakkeforløb. The label
    and the steps' markers must be SKS codes the terminology knows; steps are kept in order of
    their days. Pathways already started keep the steps they got."""
    require(actor, Perm.CLINIC_SETUP)
    if organisation_id not in actor.organisation_ids:
        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field="code")
    code, title = slugify(code)[:40], " ".join(title.split())[:200]
    for value, field in ((code, "code"), (title, "title"), (label.strip(), "label")):
        if not value:
            raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field=field)
    label = _code(label, "label", "ALAL")
    if not steps:
        raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field="steps")
    checked = []
    for step in sorted(steps, key=lambda s: s.offset_days):
        if not 0 <= step.offset_days <= 365 or not step.title.strip():
            raise PathwayError(
                PathwayCode.BAD_VALUE,
                PathwayError.BAD_VALUE % {"value": f"{step.offset_days} {step.title}"},
                field="steps",
            )
        marker = _code(step.marker, "steps", "AF") if step.marker.strip() else ""
        checked.append(PlannedStep(step.offset_days, " ".join(step.title.split())[:200], marker))
    fields = ["title", "label", "is_active"]
    with transaction.atomic(durable=True):
        template = (
            PathwayTemplate.objects.select_for_update()
            .filter(organisation_id=organisation_id, code=code)
            .first()
        )
        before = None
        if template is None:
            template = PathwayTemplate(organisation_id=organisation_id, code=code)
        else:
            before = setup_snapshot(template, fields) | {"steps": _steps_text(template)}
        template.title, template.label, template.is_active = title, label, is_active
        template.save()
        template.steps.all().delete()
        PathwayTemplateStep.objects.bulk_create(
            PathwayTemplateStep(
                organisation_id=organisation_id,
                template=template,
                position=position,
                title=step.title,
                offset_days=step.offset_days,
                marker=step.marker,
            )
            for position, step in enumerate(checked, start=1)
        )
        setup_change_record(
            actor=actor,
            object_type="pathway_template",
            object_id=template.public_id,
            before=before,
            after=setup_snapshot(template, fields) | {"steps": _steps_text(template)},
            channel=channel,
        )
    return template


def _steps_text(template: PathwayTemplate) -> str:
    return " | ".join(
        f"{s.offset_days}: {s.title}{' ' + s.marker if s.marker else ''}"
        for s in template.steps.order_by("position")
    )


def _code(code: str, field: str, prefix: str) -> str:
    found = code_lookup(code=code.strip().upper(), on=timezone.localdate())
    if found is None or not found.code.startswith(prefix):
        raise PathwayError(
            PathwayCode.UNKNOWN_CODE,
            PathwayError.UNKNOWN_CODE % {"code": code.strip()},
            field=field,
        )
    return found.code
