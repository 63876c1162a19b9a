"""Fees (ydelser): suggested from a day's contacts, edited and approved by the clinic, then
settled with the region in a monthly batch; the region's rejections come back to the work
queue. The patient's sygesikringsgruppe decides who pays: the region for gruppe 1, the
patient for gruppe 2 (their tilskud is the municipality's business, not the clinic's)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.choices import (
    FEE_BY_ATTENDANCE,
    FEE_BY_CONTACT_KIND,
    FeePayer,
    FeeStatus,
    InvoiceSourceKind,
)
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.fees.rates import fee_rate_for
from klinik.billing.models import Fee
from klinik.billing.services import LineInput, amount_check, invoice_create_within
from klinik.core.choices import OrganisationKind
from klinik.core.models import Organisation, Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.records.models import Contact
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment

HELD = (AppointmentStatus.ARRIVED, AppointmentStatus.IN_PROGRESS, AppointmentStatus.FINISHED)
EDITABLE = (FeeStatus.SUGGESTED, FeeStatus.REJECTED)


def _log(actor: Actor, action: Action, object_type: str, count: int, organisation_id: int) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.UI,
        object_type=object_type,
        reason=f"{count} rows",
        organisation_id=organisation_id,
    )


def _unit_check(actor: Actor, unit: Unit) -> None:
    if unit.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.UNIT_NOT_YOURS, "unit")


def _fee_for(appointment: Appointment, code: str, day: date) -> Fee | None:
    fee = _fee_of(appointment.patient, code, day)
    if fee is not None:
        fee.organisation_id, fee.unit_id = appointment.organisation_id, appointment.unit_id
        fee.appointment = appointment
    return fee


def _fee_of(patient: Patient, code: str, day: date) -> Fee | None:
    """A fee at the table's amount for the patient's group on the day; None when the table
    has no such code then."""
    group = patient.insurance_group
    rate = fee_rate_for(code=code, group=group, on=day)
    if rate is None:
        return None
    return Fee(
        patient_id=patient.pk,
        performed_on=day,
        code=rate.code,
        title=rate.title,
        insurance_group=group,
        payer=FeePayer.REGION if group == 1 else FeePayer.PATIENT,
        amount=rate.amount,
    )


def _contact_fee(contact: Contact) -> Fee | None:
    """The fee a contact without an appointment suggests, by its kind: a written contact is an
    e-konsultation (0105), a phone call 0201, video 0125, an unbooked visit 0101."""
    code = FEE_BY_CONTACT_KIND.get(contact.kind)
    day = timezone.localtime(contact.ended_at or contact.started_at).date()
    fee = _fee_of(contact.patient, code, day) if code else None
    if fee is not None:
        fee.organisation_id, fee.unit_id, fee.contact = (
            contact.organisation_id,
            contact.unit_id,
            contact,
        )
    return fee


# The practices that settle fees with the region (ydernummer): only they get fees suggested
# when a contact closes.
SETTLING_KINDS = (OrganisationKind.GENERAL_PRACTICE, OrganisationKind.SPECIALIST_PRACTICE)


def fee_suggest_for_contact(contact: Contact, actor: Actor | None) -> None:
    """records.hooks.CONTACT_CLOSED: a closed contact's fee, suggested for approval (by the
    appointment's attendance, or by the kind of contact without one). Inside the close's
    transaction; it never refuses the close: no rate for the code, no fee."""
    kind = (
        Organisation.objects.filter(pk=contact.organisation_id)
        .values_list("kind", flat=True)
        .first()
    )
    if kind not in SETTLING_KINDS:
        return
    if contact.appointment_id is not None:
        appointment = Appointment.objects.select_related("patient", "appointment_type").get(
            pk=contact.appointment_id
        )
        code = FEE_BY_ATTENDANCE.get(appointment.appointment_type.attendance)
        day = timezone.localtime(appointment.start).date()
        fee = _fee_for(appointment, code, day) if code else None
        if Fee.objects.filter(appointment=appointment).exists():
            return
    else:
        fee = _contact_fee(contact)
        if Fee.objects.filter(contact=contact).exists():
            return
    if fee is None:
        return
    Fee.objects.bulk_create([fee], ignore_conflicts=True)


def fees_suggest(*, actor: Actor, unit: Unit, day: date) -> int:
    """A fee for each contact held at the unit on `day` that has none yet: consultation,
    telephone or video consultation by how the patient attended, at the table's amount for
    the patient's group on that day. Returns how many were suggested."""
    require(actor, Perm.FEE_APPROVE)
    _unit_check(actor, unit)
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    held = (
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            status__in=HELD,
            start__gte=start,
            start__lt=start + timedelta(days=1),
        )
        .exclude(pk__in=Fee.objects.filter(unit=unit, performed_on=day).values("appointment_id"))
        .select_related("patient", "appointment_type")
    )
    fees = []
    for appointment in held:
        code = FEE_BY_ATTENDANCE.get(appointment.appointment_type.attendance)
        fee = _fee_for(appointment, code, day) if code else None
        if fee is not None:
            fees.append(fee)
    # Contacts without an appointment (an e-konsultation, a phone call) closed on the day.
    unbooked = (
        Contact.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            appointment__isnull=True,
            ended_at__gte=start,
            ended_at__lt=start + timedelta(days=1),
        )
        .exclude(pk__in=Fee.objects.filter(contact__isnull=False).values("contact_id"))
        .select_related("patient")
    )
    for contact in unbooked:
        fee = _contact_fee(contact)
        if fee is not None:
            fees.append(fee)
    with transaction.atomic(durable=True):
        Fee.objects.bulk_create(fees, ignore_conflicts=True)
        _log(actor, Action.CREATE, "fees_suggested", len(fees), unit.organisation_id)
    return len(fees)


def fee_add(*, actor: Actor, appointment: Appointment, code: str) -> Fee:
    """A further fee for a contact (a tillægsydelse such as 2101 blodtagning)."""
    require(actor, Perm.FEE_APPROVE)
    if appointment.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "appointment")
    day = timezone.localtime(appointment.start).date()
    fee = _fee_for(appointment, code.strip(), day)
    if fee is None:
        raise billing_error(BillingCode.UNKNOWN_FEE, "code", fee=code.strip())
    if Fee.objects.filter(appointment=appointment, code=fee.code).exists():
        raise billing_error(BillingCode.ALREADY_INVOICED, "code", number=fee.code)
    with transaction.atomic(durable=True):
        fee.save()
        _log(actor, Action.CREATE, "fee", 1, fee.organisation_id)
    return fee


def fee_change(*, actor: Actor, fee: Fee, code: str | None = None, amount: object = None) -> Fee:
    """Change a fee's code (the table's amount follows) or its amount, until it is approved
    (and again after the region rejected it)."""
    require(actor, Perm.FEE_APPROVE)
    if fee.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "fee")
    if fee.status not in EDITABLE:
        raise billing_error(BillingCode.FEE_LOCKED, "fee")
    if code is not None and code.strip() != fee.code:
        rate = fee_rate_for(code=code.strip(), group=fee.insurance_group, on=fee.performed_on)
        if rate is None:
            raise billing_error(BillingCode.UNKNOWN_FEE, "code", fee=code.strip())
        fee.code, fee.title, fee.amount = rate.code, rate.title, rate.amount
    if amount is not None and str(amount).strip():
        fee.amount = amount_check(amount, "amount", allow_zero=True)
    with transaction.atomic(durable=True):
        fee.save(update_fields=["code", "title", "amount"])
    return fee


def fee_remove(*, actor: Actor, fee: Fee) -> None:
    """Remove a suggested fee (the contact gave no service to bill)."""
    require(actor, Perm.FEE_APPROVE)
    if fee.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "fee")
    if fee.status != FeeStatus.SUGGESTED:
        raise billing_error(BillingCode.FEE_LOCKED, "fee")
    fee.delete()


def fees_approve(*, actor: Actor, unit: Unit, public_ids: Sequence[str]) -> int:
    """Approve the unit's chosen fees that wait for it (suggested, or rejected and corrected)."""
    require(actor, Perm.FEE_APPROVE)
    _unit_check(actor, unit)
    with transaction.atomic(durable=True):
        count = Fee.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            public_id__in=list(public_ids),
            status__in=EDITABLE,
        ).update(
            status=FeeStatus.APPROVED,
            approved_by=actor.user,
            approved_at=timezone.now(),
            settlement=None,
            rejection_reason="",
        )
        if actor.can(Perm.INVOICE_WRITE):
            _patient_fees_invoice(actor, unit)
        # Logged after the invoices: the series' lock is taken before the access log's (a
        # log entry first would hold the log's lock while waiting for the series: a deadlock
        # with an invoice being issued at that moment).
        _log(actor, Action.UPDATE, "fees_approved", count, unit.organisation_id)
    return count


def _patient_fees_invoice(actor: Actor, unit: Unit) -> list[uuid.UUID]:
    """A gruppe-2 patient pays the fee: the unit's approved patient-paid fees not yet
    invoiced become one invoice per patient and day (a line per fee, VAT-exempt treatment),
    inside the approval's transaction."""
    waiting = list(
        Fee.objects.select_for_update()
        .filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            status=FeeStatus.APPROVED,
            payer=FeePayer.PATIENT,
            invoice__isnull=True,
        )
        .select_related("patient")
        .order_by("patient_id", "performed_on", "code")
    )
    groups: dict[tuple[int, date], list[Fee]] = {}
    for fee in waiting:
        groups.setdefault((fee.patient_id, fee.performed_on), []).append(fee)
    issued = []
    for (_patient_id, day), fees in groups.items():
        invoice = invoice_create_within(
            actor=actor,
            patient=fees[0].patient,
            lines=[
                LineInput(
                    text=f"{fee.code} {fee.title} {day:%d.%m.%Y}",
                    quantity=Decimal(1),
                    unit_price=fee.amount,
                    vat_rate=0,
                )
                for fee in fees
            ],
            unit=unit,
            supplied_on=day,
            source_kind=InvoiceSourceKind.FEES,
            source_label=f"Ydelser, sygesikringsgruppe 2, {day:%d.%m.%Y}",
        )
        Fee.objects.filter(pk__in=[fee.pk for fee in fees]).update(invoice=invoice)
        issued.append(invoice.public_id)
    return issued


def fee_reject(*, actor: Actor, fee: Fee, reason: str) -> Fee:
    """Register the region's rejection of a settled fee: it returns to the work queue to be
    corrected and approved again (into the next batch)."""
    require(actor, Perm.FEE_APPROVE)
    if fee.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "fee")
    if fee.status != FeeStatus.SETTLED:
        raise billing_error(BillingCode.FEE_NOT_SETTLED, "fee")
    reason = " ".join(reason.split())
    if not reason:
        raise billing_error(BillingCode.REQUIRED, "reason")
    fee.status, fee.rejection_reason = FeeStatus.REJECTED, reason[:300]
    with transaction.atomic(durable=True):
        fee.save(update_fields=["status", "rejection_reason"])
        _log(actor, Action.UPDATE, "fee_rejected", 1, fee.organisation_id)
    return fee


def amount_total(fees: Sequence[Fee]) -> Decimal:
    return sum((f.amount for f in fees), Decimal("0.00"))
