"""The door to an invoice: the same 404 for missing and not the actor's, and the read in the
access log (an invoice names its patient)."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.models import Invoice
from klinik.core.policy import Actor, Perm, require


def _key(public_id: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc


def access_invoice(
    *,
    actor: Actor,
    public_id: object,
    channel: Channel,
    perm: Perm = Perm.INVOICE_VIEW,
    is_logged: bool = True,
    action: Action = Action.VIEW,
) -> Invoice:
    """The invoice when it belongs to one of the actor's organisations; 404 otherwise.
    `is_logged=False` when the caller's write logs it (a credit, a payment)."""
    require(actor, perm)
    invoice = (
        Invoice.objects.select_related("patient", "unit", "credits")
        .filter(organisation_id__in=actor.organisation_ids, public_id=_key(public_id))
        .first()
    )
    if invoice is None:
        raise Http404
    if is_logged:
        access_log_record(
            actor=actor,
            action=action,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="invoice",
            object_id=invoice.public_id,
            patient_id=invoice.patient.public_id,
            organisation_id=invoice.organisation_id,
        )
    return invoice
