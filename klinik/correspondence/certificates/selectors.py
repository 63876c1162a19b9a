"""Reads of the certificate catalogue and requests. The request list names patients: one
access-log entry (ADR 0015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.certificates.choices import OPEN_CERTIFICATE_STATUSES
from klinik.correspondence.models import Certificate, CertificatePrice, CertificateType
from klinik.patients.models import Patient


def certificate_types(*, actor: Actor) -> QuerySet[CertificateType]:
    """The national catalogue and the organisation's own types, active ones."""
    require(actor, Perm.RECORD_READ)
    return CertificateType.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=actor.organisation_ids),
        is_active=True,
    ).order_by("family", "code")


def certificate_price(
    *, certificate_type: CertificateType, organisation_id: int, day: date
) -> Decimal | None:
    """The fee on `day`: the organisation's own latest price from that day or before, else
    the national one; None when neither exists."""
    prices = CertificatePrice.objects.filter(certificate_type=certificate_type, valid_from__lte=day)
    for rows in (prices.filter(organisation_id=organisation_id), prices.filter(organisation=None)):
        found = rows.order_by("-valid_from").values_list("amount", flat=True).first()
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class CatalogueRow:
    certificate_type: CertificateType
    price: Decimal | None


def certificate_catalogue(*, actor: Actor, day: date) -> list[CatalogueRow]:
    organisation_id = actor.organisation.pk if actor.organisation else 0
    return [
        CatalogueRow(
            t, certificate_price(certificate_type=t, organisation_id=organisation_id, day=day)
        )
        for t in certificate_types(actor=actor)
    ]


def certificate_list(
    *, actor: Actor, is_open: bool = True, limit: int = 200, channel: Channel = Channel.UI
) -> list[Certificate]:
    require(actor, Perm.RECORD_READ)
    rows = Certificate.objects.filter(organisation_id__in=actor.organisation_ids).select_related(
        "patient", "certificate_type"
    )
    if is_open:
        rows = rows.filter(status__in=OPEN_CERTIFICATE_STATUSES).order_by("due_on", "id")
    else:
        rows = rows.exclude(status__in=OPEN_CERTIFICATE_STATUSES).order_by("-created_at", "-id")
    found = list(rows[:limit])
    patient_list_log(actor, "certificate_list", len(found), channel)
    return found


def patient_certificates(*, patient: Patient) -> list[Certificate]:
    return list(
        Certificate.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("certificate_type", "letter")
        .order_by("-created_at", "-id")
    )


def certificates_to_invoice(*, actor: Actor) -> QuerySet[Certificate]:
    """Sent certificates marked for invoicing (billing excludes those it has invoiced)."""
    return Certificate.objects.filter(
        organisation_id__in=actor.organisation_ids, is_to_invoice=True
    ).select_related("patient", "certificate_type", "unit")
