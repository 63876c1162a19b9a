"""The DRG import (ADR 0033): check a file, then take it in, in one transaction.

A file's lines name Klinik's public ids of contacts and pathways (forløbselementer), as the
region's grouped LPR3 data names the contacts and forløbselementer Klinik reported. Each
month the file carries replaces what was imported for that month before (the month's values
are deleted and written again; the earlier import stays, as history)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.selectors import pathways_by_public_ids
from klinik.records.contacts import contacts_by_public_ids
from klinik.reporting.drg.csvformat import KIND_CONTACT, DrgLine, ParsedFile, drg_file_parse
from klinik.reporting.drg.errors import DrgCode, DrgError
from klinik.reporting.models import DrgImport, DrgValue


@dataclass
class DrgPreview:
    """A checked file: its lines with their unit, and the errors per line (Danish)."""

    parsed: ParsedFile
    # line number → (contact id or None, pathway id or None, unit id)
    targets: dict[int, tuple[int | None, int | None, int]]
    replaced: int  # values already imported for the file's months

    @property
    def errors(self) -> list[tuple[int, str]]:
        return sorted(self.parsed.errors)

    @property
    def is_valid(self) -> bool:
        return not self.parsed.errors

    @property
    def total(self) -> Decimal:
        return sum((line.tariff for line in self.parsed.lines), Decimal(0))


def drg_file_check(*, organisation: Organisation, data: bytes) -> DrgPreview:
    """The file's lines tied to the organisation's contacts and pathways; an id it does not
    hold is an error of its line. Writes nothing."""
    parsed = drg_file_parse(data)
    contacts = contacts_by_public_ids(
        organisation_id=organisation.pk,
        public_ids={ln.public_id for ln in parsed.lines if ln.kind == KIND_CONTACT},
    )
    pathways = pathways_by_public_ids(
        organisation_id=organisation.pk,
        public_ids={ln.public_id for ln in parsed.lines if ln.kind != KIND_CONTACT},
    )
    targets: dict[int, tuple[int | None, int | None, int]] = {}
    kept: list[DrgLine] = []
    for line in parsed.lines:
        if line.kind == KIND_CONTACT:
            found = contacts.get(line.public_id)
            if found is None:
                parsed.errors.append((line.number, _("No contact with this id in Klinik.")))
                continue
            targets[line.number] = (found[0], None, found[1])
        else:
            found = pathways.get(line.public_id)
            if found is None:
                parsed.errors.append((line.number, _("No pathway with this id in Klinik.")))
                continue
            targets[line.number] = (None, found[0], found[1])
        kept.append(line)
    parsed.lines = kept
    replaced = DrgValue.objects.filter(
        organisation_id=organisation.pk, period__in=parsed.periods
    ).count()
    return DrgPreview(parsed, targets, replaced)


def _organisation(actor: Actor) -> Organisation:
    require(actor, Perm.DRG_IMPORT)
    if actor.organisation is None:
        raise PermissionDenied(Perm.DRG_IMPORT.value)
    return actor.organisation


def drg_preview(*, actor: Actor, data: bytes) -> DrgPreview:
    return drg_file_check(organisation=_organisation(actor), data=data)


def drg_import(
    *,
    actor: Actor | None,
    organisation: Organisation | None = None,
    file_name: str,
    data: bytes,
    channel: Channel = Channel.UI,
) -> DrgImport:
    """Take the file in: every line or none (DrgError with the line errors when any). The
    console passes the organisation and no actor."""
    if actor is not None:
        organisation = _organisation(actor)
    assert organisation is not None
    with transaction.atomic(durable=True):
        preview = drg_file_check(organisation=organisation, data=data)
        if not preview.is_valid:
            raise DrgError(
                DrgCode.FILE_INVALID, DrgError.FILE_INVALID, "file", line_errors=preview.errors
            )
        periods = preview.parsed.periods
        # Re-importing a month replaces it: its values go, the new ones come.
        replaced, _deleted = DrgValue.objects.filter(
            organisation_id=organisation.pk, period__in=periods
        ).delete()
        imported = DrgImport.objects.create(
            organisation=organisation,
            file_name=file_name[:200],
            periods=[p.isoformat() for p in periods],
            line_count=len(preview.parsed.lines),
            total_tariff=preview.total,
            imported_by=actor.user if actor else None,
            imported_at=timezone.now(),
        )
        DrgValue.objects.bulk_create(
            [
                DrgValue(
                    organisation=organisation,
                    drg_import=imported,
                    unit_id=preview.targets[line.number][2],
                    period=line.period,
                    contact_id=preview.targets[line.number][0],
                    pathway_id=preview.targets[line.number][1],
                    drg_group=line.drg_group,
                    dags_group=line.dags_group,
                    tariff=line.tariff,
                    line_number=line.number,
                )
                for line in preview.parsed.lines
            ],
            batch_size=1000,
        )
        access_log_record(
            actor=actor,
            username="" if actor else "console",
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="drg_import",
            object_id=imported.public_id,
            reason=f"{imported.line_count} lines, {len(periods)} months, {replaced} replaced",
            organisation_id=organisation.pk,
        )
    return imported
