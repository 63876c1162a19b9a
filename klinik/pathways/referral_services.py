"""Referrals in and their visitation.

`referral_receive` is the one door for a referral: the registration screen, the REST API and
(later) the MedCom import call it. Visitation (`referral_visitate`) accepts (starting a pathway,
from a template if one is given), rejects (a task to answer the referrer, until letters exist)
or redirects to another unit of the organisation; the clocks keep running across a redirect
(the rights count from the first receipt). Every step goes into the referral's history and the
access log in the same transaction.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.choices import Role
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.choices import (
    ClinicalArea,
    Decision,
    ReferralEventKind,
    ReferralMode,
    ReferralPriority,
    ReferralStatus,
    TaskPriority,
)
from klinik.pathways.deadlines import deadlines_create, deadlines_recompute, local_day
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.history import pathways_access_log, referral_event_add
from klinik.pathways.models import (
    Pathway,
    PathwayStep,
    PathwayTemplate,
    Referral,
    ReferralAttachment,
)
from klinik.pathways.rules import rules_for_rights
from klinik.pathways.task_services import task_insert
from klinik.patients.models import Patient
from klinik.records.access import record_write_begin
from klinik.records.documents.services import document_create, title_clean
from klinik.records.documents.storage import files_removed_on_failure
from klinik.records.documents.uploads import DOCUMENT_KINDS, CheckedUpload, upload_check
from klinik.terminology.selectors import code_lookup

REASON_MAX = 4000
NAME_MAX = 200
_SOR = re.compile(r"^\d{1,20}$")
_PROVIDER_NUMBER = re.compile(r"^\d{1,7}$")
ANSWER_TASK = "Besvar henviseren: henvisningen er afvist"


def _error(error_code: PathwayCode, field: str, **params: object) -> PathwayError:
    message = getattr(PathwayError, error_code.name)
    return PathwayError(error_code, message % params if params else message, field=field)


def sks_code_check(code: str, *, on: datetime, field: str, prefix: str = "") -> str:
    """The code as the terminology spells it, valid on the day; a refusal at `field` else."""
    code = code.strip().upper()
    found = code_lookup(code=code, on=local_day(on))
    if found is None or not found.code.startswith(prefix):
        raise _error(PathwayCode.UNKNOWN_CODE, field, code=code)
    return found.code


def unit_check(actor: Actor, unit: Unit, field: str = "unit") -> None:
    if unit.organisation_id not in actor.organisation_ids:
        raise _error(PathwayCode.UNIT_NOT_YOURS, field)


def _choice(value: str, choices: list[str], field: str) -> str:
    if value not in choices:
        raise _error(PathwayCode.BAD_VALUE, field, value=value)
    return value


def referral_receive(
    *,
    actor: Actor,
    patient: Patient,
    unit: Unit,
    received_at: datetime,
    referrer_name: str,
    reason: str,
    priority: str,
    referrer_sor: str = "",
    referrer_provider_number: str = "",
    diagnosis: str = "",
    mode: str = ReferralMode.PAPER,
    area: str = ClinicalArea.SOMATIC,
    rights: list[str] | None = None,
    letter: IO[bytes] | None = None,
    channel: Channel = Channel.UI,
) -> Referral:
    """Register a referral received by `unit` and start the clocks of the rights it carries;
    `letter`, a scanned letter, is attached in the same transaction (a refused file: nothing
    written). Field names in refusals: received_at, referrer.name, referrer.sor,
    referrer.ydernummer, reason, diagnosis, priority, mode, area, rights, unit, patient, file."""
    require(actor, Perm.REFERRAL_REGISTER)
    if letter is not None:
        require(actor, Perm.RECORD_WRITE)
    unit_check(actor, unit)
    if patient.organisation_id != unit.organisation_id:
        raise _error(PathwayCode.PATIENT_NOT_YOURS, "patient")
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > timezone.now() + timedelta(minutes=1):
        raise _error(PathwayCode.RECEIVED_IN_FUTURE, "received_at")
    referrer_name = " ".join(referrer_name.split())
    if not referrer_name:
        raise _error(PathwayCode.REQUIRED, "referrer.name")
    if len(referrer_name) > NAME_MAX:
        raise _error(PathwayCode.TOO_LONG, "referrer.name", max=NAME_MAX)
    referrer_sor = referrer_sor.strip()
    if referrer_sor and not _SOR.match(referrer_sor):
        raise _error(PathwayCode.BAD_VALUE, "referrer.sor", value=referrer_sor)
    referrer_provider_number = referrer_provider_number.strip()
    if referrer_provider_number and not _PROVIDER_NUMBER.match(referrer_provider_number):
        raise _error(PathwayCode.BAD_VALUE, "referrer.ydernummer", value=referrer_provider_number)
    reason = reason.strip()
    if not reason:
        raise _error(PathwayCode.REQUIRED, "reason")
    if len(reason) > REASON_MAX:
        raise _error(PathwayCode.TOO_LONG, "reason", max=REASON_MAX)
    if diagnosis.strip():
        diagnosis = sks_code_check(diagnosis, on=received_at, field="diagnosis", prefix="D")
    _choice(priority, ReferralPriority.values, "priority")
    _choice(mode, ReferralMode.values, "mode")
    _choice(area, ClinicalArea.values, "area")
    rights = list(dict.fromkeys(r.strip() for r in (rights or []) if r.strip()))
    rules_for_rights(rights, received=local_day(received_at), area=area)  # unknown: refused
    checked = upload_check(upload=letter, kinds=DOCUMENT_KINDS, field="file") if letter else None
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        referral = Referral.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            patient=patient,
            received_at=received_at,
            referrer_name=referrer_name,
            referrer_sor=referrer_sor,
            referrer_provider_number=referrer_provider_number,
            reason=reason,
            diagnosis=diagnosis.strip(),
            priority=priority,
            mode=mode,
            area=area,
            rights=rights,
            created_by=actor.user,
        )
        referral_event_add(referral, actor, ReferralEventKind.RECEIVED, to_unit=unit)
        deadlines_create(referral, actor=actor, channel=channel)
        _log(actor, referral, Action.CREATE, channel)
        if letter is not None and checked is not None:
            _attach(actor, referral, letter, checked, "", written, channel)
    return referral


def _log(
    actor: Actor | None, referral: Referral, action: Action, channel: Channel, reason: str = ""
) -> None:
    pathways_access_log(
        actor=actor,
        action=action,
        object_type="referral",
        object_id=referral.public_id,
        patient_public_id=referral.patient.public_id,
        organisation_id=referral.organisation_id,
        channel=channel,
        reason=reason,
    )


def referral_attach(
    *,
    actor: Actor,
    referral: Referral,
    upload: IO[bytes] | None,
    title: str = "",
    channel: Channel = Channel.UI,
) -> ReferralAttachment:
    """Attach a scanned letter (PDF or image) to the referral: kept as a document of the
    patient's record (records' storage and checks), linked to the referral."""
    require(actor, Perm.REFERRAL_REGISTER)
    checked = upload_check(upload=upload, kinds=DOCUMENT_KINDS, field="file")
    assert upload is not None  # upload_check refuses None
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        return _attach(actor, referral, upload, checked, title, written, channel)


def _attach(
    actor: Actor,
    referral: Referral,
    upload: IO[bytes],
    checked: CheckedUpload,
    title: str,
    written: list[Path],
    channel: Channel,
) -> ReferralAttachment:
    patient = record_write_begin(
        actor=actor, patient=referral.patient, channel=channel, object_type="document"
    )
    document = document_create(
        actor=actor,
        patient=patient,
        upload=upload,
        checked=checked,
        title=title_clean(title, getattr(upload, "name", "") or ""),
        written=written,
    )
    attachment = ReferralAttachment.objects.create(
        organisation_id=referral.organisation_id, referral=referral, document=document
    )
    referral_event_add(referral, actor, ReferralEventKind.ATTACHMENT, note=document.title)
    return attachment


def referral_visitate(
    *,
    actor: Actor,
    referral: Referral,
    decision: str,
    reason: str = "",
    unit: Unit | None = None,
    priority: str = "",
    label: str = "",
    template: PathwayTemplate | None = None,
    channel: Channel = Channel.UI,
) -> Referral:
    """Accept (a pathway starts at the receipt, from `template` when given), reject (with a
    reason; a task to answer the referrer) or redirect (to `unit`, of the same organisation).
    A referral already accepted or rejected is refused at `decision`."""
    require(actor, Perm.REFERRAL_VISITATE)
    _choice(decision, Decision.values, "decision")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise _error(PathwayCode.TOO_LONG, "reason", max=REASON_MAX)
    if decision == Decision.REJECT and not reason:
        raise _error(PathwayCode.REASON_REQUIRED, "reason")
    if decision == Decision.REDIRECT:
        if unit is None:
            raise _error(PathwayCode.REQUIRED, "unit")
        unit_check(actor, unit)
        if unit.organisation_id != referral.organisation_id:
            raise _error(PathwayCode.UNIT_NOT_YOURS, "unit")
    if priority:
        _choice(priority, ReferralPriority.values, "priority")
    if label.strip():
        label = sks_code_check(label, on=timezone.now(), field="label", prefix="ALAL")
    if template is not None and template.organisation_id != referral.organisation_id:
        raise _error(PathwayCode.BAD_VALUE, "template", value=template.code)
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != ReferralStatus.RECEIVED:
            raise _error(
                PathwayCode.REFERRAL_CLOSED, "decision", status=locked.get_status_display()
            )
        locked.patient = referral.patient
        if decision == Decision.REDIRECT:
            assert unit is not None
            if unit.pk == locked.unit_id:
                raise _error(PathwayCode.SAME_UNIT, "unit")
            from_unit = locked.unit
            locked.unit = unit
            locked.save(update_fields=["unit"])
            referral_event_add(
                locked, actor, ReferralEventKind.REDIRECTED, note=reason,
                from_unit=from_unit, to_unit=unit,
            )  # fmt: skip
        else:
            locked.status = (
                ReferralStatus.ACCEPTED if decision == Decision.ACCEPT else ReferralStatus.REJECTED
            )
            locked.decided_at = timezone.now()
            locked.decided_by = actor.user
            locked.decision_reason = reason
            if priority:
                locked.priority = priority
            locked.save(
                update_fields=["status", "decided_at", "decided_by", "decision_reason", "priority"]
            )
            kind = (
                ReferralEventKind.ACCEPTED
                if decision == Decision.ACCEPT
                else ReferralEventKind.REJECTED
            )
            referral_event_add(locked, actor, kind, note=reason)
            if decision == Decision.ACCEPT:
                _pathway_start(actor, locked, label or _label_default(locked), template, channel)
            else:
                task_insert(
                    actor=actor,
                    title=ANSWER_TASK,
                    unit=locked.unit,
                    referral=locked,
                    patient=locked.patient,
                    assignee_role=Role.SECRETARY,
                    due=timezone.localdate(),
                    priority=TaskPriority.NORMAL,
                    source="rule:henvisning-afvist",
                    channel=channel,
                )
        deadlines_recompute(locked, actor=actor, channel=channel)
        _log(actor, locked, Action.UPDATE, channel, reason=f"visitation: {decision}")
    return locked


def _label_default(referral: Referral) -> str:
    """A forløbslabel from the rights: cancer, heart, psychiatry; else none yet."""
    rights = " ".join(referral.rights)
    if "kraeft" in rights:
        return "ALAL01"
    if "hjerte" in rights:
        return "ALAL02"
    if referral.area == ClinicalArea.PSYCHIATRIC:
        return "ALAL03"
    return ""


def _pathway_start(
    actor: Actor,
    referral: Referral,
    label: str,
    template: PathwayTemplate | None,
    channel: Channel,
) -> Pathway:
    pathway = Pathway.objects.create(
        organisation_id=referral.organisation_id,
        unit=referral.unit,
        patient=referral.patient,
        referral=referral,
        template=template,
        label=label or (template.label if template is not None else ""),
        title=template.title if template is not None else "",
        started_at=referral.received_at,
        created_by=actor.user,
    )
    if template is not None:
        start = local_day(referral.received_at)
        PathwayStep.objects.bulk_create(
            PathwayStep(
                organisation_id=pathway.organisation_id,
                pathway=pathway,
                position=step.position,
                title=step.title,
                planned_on=start + timedelta(days=step.offset_days),
                marker=step.marker,
            )
            for step in template.steps.all()
        )
    pathways_access_log(
        actor=actor,
        action=Action.CREATE,
        object_type="pathway",
        object_id=pathway.public_id,
        patient_public_id=referral.patient.public_id,
        organisation_id=pathway.organisation_id,
        channel=channel,
    )
    return pathway
