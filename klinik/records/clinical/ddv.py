"""The export to the Danish vaccination register (DDV): what waits to be reported, the export
that marks it reported in one batch (each patient's export logged), the batches sent so far and
their files again."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import access_log_record
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import Vaccination

EXPORT_OTHER_ORGANISATION = gettext_lazy(
    "You can only export your own organisation's vaccinations."
)

DDV_FORMAT = "klinik-ddv-1"
DDV_COLUMNS = [
    "vaccination_id",
    "cpr",
    "vaccine",
    "atc_code",
    "batch_number",
    "dose",
    "site",
    "given_on",
    "given_by",
    "given_by_authorisation_id",
    "organisation",
    "cvr",
    "sor_code",
    "ydernummer",
]
DDV_OBJECT_TYPE = "ddv_report"
LOG_WINDOW = timedelta(minutes=10)


@dataclass
class DdvExport:
    """One batch sent to the vaccination register: the file content, in JSON or CSV."""

    batch: uuid.UUID | None
    exported_at: datetime | None
    organisation: Organisation
    rows: list[dict[str, Any]]

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": DDV_FORMAT,
                "batch": str(self.batch) if self.batch else None,
                "exported_at": self.exported_at.isoformat() if self.exported_at else None,
                "organisation": {
                    "name": self.organisation.name,
                    "cvr": self.organisation.cvr,
                },
                "vaccinations": self.rows,
            },
            ensure_ascii=False,
            indent=2,
        )

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=DDV_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in DDV_COLUMNS})
        return out.getvalue()


def _ddv_row(v: Vaccination) -> dict[str, Any]:
    unit = v.contact.unit if v.contact is not None else v.patient.unit
    return {
        "vaccination_id": str(v.public_id),
        "cpr": v.patient.cpr,
        "vaccine": v.vaccine,
        "atc_code": v.atc_code,
        "batch_number": v.batch_number,
        "dose": v.dose,
        "site": v.site,
        "given_on": v.given_on.isoformat(),
        "given_by": v.given_by.get_full_name() or v.given_by.get_username(),
        # No authorisation register (autorisations-id) in Klinik yet.
        "given_by_authorisation_id": None,
        "organisation": v.organisation.name,
        "cvr": v.organisation.cvr,
        "sor_code": unit.sor_code if unit is not None else "",
        # No provider number (ydernummer) on organisations yet.
        "ydernummer": "",
    }


def _export_actor(actor: Actor, organisation: Organisation) -> None:
    require(actor, Perm.PATIENT_EXPORT)
    if organisation.pk not in actor.organisation_ids or actor.organisation is None:
        raise RecordError(EXPORT_OTHER_ORGANISATION, code=RecordCode.ORGANISATION)


def _log_export(actor: Actor, rows: list[Vaccination], batch: uuid.UUID, channel: Channel) -> None:
    """One access-log entry per patient in the batch (the batch id is the object)."""
    for patient in {v.patient_id: v.patient for v in rows}.values():
        access_log_record(
            actor=actor,
            action=Action.EXPORT,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type=DDV_OBJECT_TYPE,
            object_id=batch,
            patient_id=patient.public_id,
            organisation_id=patient.organisation_id,
        )


def _export_rows(queryset: QuerySet[Vaccination]) -> QuerySet[Vaccination]:
    return queryset.select_related(
        "patient", "patient__unit", "given_by", "organisation", "contact", "contact__unit"
    ).order_by("given_on", "recorded_at", "pk")


def vaccinations_export_ddv(
    *, actor: Actor, organisation: Organisation, channel: Channel = Channel.UI
) -> DdvExport:
    """Export the organisation's unreported vaccinations (not entered in error) for the
    vaccination register and mark them reported with one batch id, in one transaction.
    Each patient's export is logged. A second export right after is empty."""
    _export_actor(actor, organisation)
    batch = uuid.uuid4()
    with transaction.atomic(durable=True):
        now = timezone.now()
        rows = list(
            _export_rows(
                Vaccination.objects.select_for_update(of=("self",)).filter(
                    organisation=organisation,
                    reported_at__isnull=True,
                    error_at__isnull=True,
                )
            )
        )
        if not rows:
            return DdvExport(batch=None, exported_at=None, organisation=organisation, rows=[])
        Vaccination.objects.filter(pk__in=[v.pk for v in rows]).update(
            reported_at=now, report_batch=batch
        )
        _log_export(actor, rows, batch, channel)
    return DdvExport(
        batch=batch, exported_at=now, organisation=organisation, rows=[_ddv_row(v) for v in rows]
    )


def vaccination_report_again(
    *,
    actor: Actor,
    organisation: Organisation,
    batch: uuid.UUID,
    channel: Channel = Channel.UI,
) -> DdvExport | None:
    """The file of an earlier batch, rebuilt from its rows (the rows are never edited; one
    marked in error since is still listed, as it was sent). Logged like the export."""
    _export_actor(actor, organisation)
    with transaction.atomic(durable=True):
        rows = list(
            _export_rows(Vaccination.objects.filter(organisation=organisation, report_batch=batch))
        )
        if not rows:
            return None
        _log_export(actor, rows, batch, channel)
    return DdvExport(
        batch=batch,
        exported_at=rows[0].reported_at,
        organisation=organisation,
        rows=[_ddv_row(v) for v in rows],
    )


@dataclass(frozen=True)
class ReportBatch:
    batch: uuid.UUID
    reported_at: datetime
    count: int
    exported_by: str


def vaccination_report_batches(
    *, actor: Actor, organisation: Organisation, limit: int = 50
) -> list[ReportBatch]:
    """The batches sent so far, newest first, with who exported them (from the access log)."""
    _export_actor(actor, organisation)
    batches = list(
        Vaccination.objects.filter(organisation=organisation, report_batch__isnull=False)
        .values("report_batch")
        .annotate(count=Count("pk"), reported_at=Max("reported_at"))
        .order_by("-reported_at")[:limit]
    )
    names: dict[str, str] = {}
    if batches:
        # Each export's log entries are written right after its rows are stamped: narrow
        # time windows keep this on the (organisation, occurred_at) index of a large log.
        windows = Q()
        for b in batches:
            windows |= Q(occurred_at__range=(b["reported_at"], b["reported_at"] + LOG_WINDOW))
        for object_id, username in (
            AccessLogEntry.objects.filter(
                windows,
                organisation_id=organisation.pk,
                object_type=DDV_OBJECT_TYPE,
                action=Action.EXPORT,
                object_id__in=[str(b["report_batch"]) for b in batches],
            )
            .order_by("seq")
            .values_list("object_id", "username")
        ):
            names.setdefault(object_id, username)
    return [
        ReportBatch(
            batch=b["report_batch"],
            reported_at=b["reported_at"],
            count=b["count"],
            exported_by=names.get(str(b["report_batch"]), ""),
        )
        for b in batches
        if b["report_batch"] is not None  # always: the query skips unreported rows
    ]


def vaccinations_unreported_count(*, organisation: Organisation) -> int:
    return Vaccination.objects.filter(
        organisation=organisation, reported_at__isnull=True, error_at__isnull=True
    ).count()
