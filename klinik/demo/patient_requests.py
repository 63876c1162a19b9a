"""Demo prescription renewals, certificate requests and patients' messages (issue 15 items
5-7) in the GP clinic: a renewal asked for by phone (waiting to be prepared), one prepared for
the doctor, one approved (FMK's local backend holds it); an LÆ certificate due next week and an
FP certificate written and sent (to be invoiced); a new message from the self-service page and
one given to the doctor. Made through the services, so the record, the work queue and the
access log are as the screens make them. Nothing when the clinic has renewals already."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.correspondence.certificates.services import (
    certificate_register,
    certificate_send,
    certificate_write,
)
from klinik.correspondence.econsult.services import patient_message_receive, patient_message_triage
from klinik.correspondence.letters.choices import LetterChannel
from klinik.correspondence.models import CertificateType, LetterTemplate, Renewal
from klinik.correspondence.renewals.services import (
    renewal_approve,
    renewal_prepare,
    renewal_register,
    renewal_request_receive,
)
from klinik.patients.models import Patient


def _member(unit: Unit, role: Role) -> Membership | None:
    return (
        Membership.objects.filter(unit=unit, role=role, is_active=True)
        .select_related("user", "organisation", "unit")
        .order_by("id")
        .first()
    )


def demo_patient_requests(*, unit: Unit) -> None:
    if Renewal.objects.filter(organisation_id=unit.organisation_id).exists():
        return
    secretary, doctor = _member(unit, Role.SECRETARY), _member(unit, Role.DOCTOR)
    patients = list(
        Patient.objects.filter(
            unit=unit, merged_into__isnull=True, deceased_date__isnull=True, is_restricted=False
        ).order_by("id")[:6]
    )
    if secretary is None or doctor is None or len(patients) < 3:
        return
    desk, clinician = actor_from_membership(secretary), actor_from_membership(doctor)
    renewal_register(
        actor=desk,
        patient=patients[0],
        medication="Amlodipin 5 mg",
        request_text="Ringede: har tabletter til en uge endnu.",
    )
    waiting = renewal_request_receive(
        patient=patients[1], medication="Furix 40 mg", request_text="Fra selvbetjeningen."
    )
    renewal_prepare(
        actor=desk,
        renewal=waiting,
        medication="Furix 40 mg",
        dose="1 tablet morgen",
        pharmacy="Svane Apotek, Aarhus",
        last_renewed_on=timezone.localdate() - timedelta(days=85),
        doctor=doctor.user,
    )
    done = renewal_register(actor=desk, patient=patients[2], medication="Metformin 500 mg")
    done = renewal_prepare(
        actor=desk,
        renewal=done,
        medication="Metformin 500 mg",
        dose="1 tablet 2 gange dagligt",
        pharmacy="Løve Apotek, Aarhus",
        last_renewed_on=timezone.localdate() - timedelta(days=170),
        doctor=doctor.user,
    )
    renewal_approve(actor=clinician, renewal=done)

    today = timezone.localdate()
    certificate_register(
        actor=desk,
        patient=patients[0],
        certificate_type=CertificateType.objects.get(organisation=None, code="LÆ 121"),
        requester="Aarhus Kommune, Jobcenter",
        requester_reference="Sag 2026-0412",
        received_on=today - timedelta(days=6),
    )
    insurance = certificate_register(
        actor=desk,
        patient=patients[1],
        certificate_type=CertificateType.objects.get(organisation=None, code="FP 710"),
        requester="Sundhedsforsikringen A/S",
        received_on=today - timedelta(days=3),
        due_on=today + timedelta(days=11),
    )
    template = LetterTemplate.objects.filter(unit=unit, title="Frit brev").first()
    if template is not None:
        written = certificate_write(actor=desk, certificate=insurance, template=template)
        certificate_send(actor=desk, certificate=written, channel=LetterChannel.PRINT)

    patient_message_receive(
        patient=patients[3 % len(patients)],
        subject="Spørgsmål om blodprøvesvar",
        text="Hej. Jeg fik taget blodprøver i sidste uge. Er svarene kommet?",
    )
    question = patient_message_receive(
        patient=patients[4 % len(patients)],
        subject="Udslæt efter ny medicin",
        text="Jeg har fået et let kløende udslæt på armene efter at have startet på ny medicin.",
    )
    patient_message_triage(actor=desk, message=question, clinician=doctor.user)
