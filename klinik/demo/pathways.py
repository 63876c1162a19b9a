"""Demo referrals, pathways, deadlines and tasks for the hospital's outpatient clinics: a
referral in each state (waiting for visitation, accepted with a pathway, rejected, redirected),
a cancer pathway (pakkeforløb) from a template with planned steps and markers, deadlines near
and breached, a paused clock, and tasks for the demo users. Everything goes through the
pathways services, so history, deadlines and the access log are as the screens make them."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.pathways import engine
from klinik.pathways.models import Pathway, PathwayTemplate, PathwayTemplateStep, Referral
from klinik.pathways.pathway_services import pathway_marker_add
from klinik.pathways.referral_services import referral_receive, referral_visitate
from klinik.pathways.task_services import task_create
from klinik.patients.models import Patient

REFERRERS = [
    ("Lægehuset Nord", "012345"),
    ("Lægerne i Søndergade", "023456"),
    ("Praktiserende læge Anne Holm", "034567"),
]
# (code, title, label, steps: (position, title, days after start, marker))
CANCER_TEMPLATE = (
    "pakke-lungekraeft",
    "Pakkeforløb for lungekræft",
    "ALAL01",
    [
        (1, "Første fremmøde: CT-skanning og samtale", 6, "AFV01B"),
        (2, "Bronkoskopi og biopsi", 10, ""),
        (3, "MDT-konference og beslutning om behandling", 17, "AFV01C"),
        (4, "Start på initial behandling", 28, "AFV01F"),
    ],
)


def _actor(unit: Unit, role: Role) -> Actor | None:
    membership = (
        Membership.objects.filter(
            organisation_id=unit.organisation_id, role=role, is_active=True, unit__isnull=False
        )
        .select_related("user", "organisation", "unit")
        .order_by("unit_id" if role == Role.DOCTOR else "id")
        .first()
    )
    return actor_from_membership(membership) if membership else None


def _at(days_ago: int, hour: int = 9) -> datetime:
    """A working day about `days_ago` working days back, at `hour`."""
    day = timezone.localdate()
    while days_ago > 0:
        day -= timedelta(days=1)
        if engine.is_working_day(day):
            days_ago -= 1
    return timezone.make_aware(datetime.combine(day, time(hour, 10)))


def _template(unit: Unit) -> PathwayTemplate:
    code, title, label, steps = CANCER_TEMPLATE
    template, created = PathwayTemplate.objects.get_or_create(
        organisation_id=unit.organisation_id, code=code, defaults={"title": title, "label": label}
    )
    if created:
        PathwayTemplateStep.objects.bulk_create(
            PathwayTemplateStep(
                organisation_id=unit.organisation_id,
                template=template,
                position=position,
                title=step_title,
                offset_days=days,
                marker=marker,
            )
            for position, step_title, days, marker in steps
        )
    return template


def demo_pathways(*, units: list[Unit], rng: random.Random) -> None:
    """Referrals and pathways for the hospital's units; nothing when the organisation has some."""
    if not units or Referral.objects.filter(organisation_id=units[0].organisation_id).exists():
        return
    secretary = _actor(units[0], Role.SECRETARY)
    doctor = _actor(units[0], Role.DOCTOR)
    if secretary is None or doctor is None:
        return
    template = _template(units[0])
    for index, unit in enumerate(units):
        patients = list(Patient.objects.filter(unit=unit).order_by("id")[:12])
        if len(patients) < 8:
            continue
        rng.shuffle(patients)

        def receive(
            patient: Patient, days_ago: int, rights: list[str], **extra: object
        ) -> Referral:
            name, number = rng.choice(REFERRERS)
            return referral_receive(
                actor=secretary,
                patient=patient,
                unit=unit,  # noqa: B023 (called within the loop's turn)
                received_at=_at(days_ago),
                referrer_name=name,
                referrer_provider_number=number,
                reason=str(extra.pop("reason", "Henvises til udredning.")),
                priority=str(extra.pop("priority", "planlagt")),
                rights=rights,
                **extra,  # type: ignore[arg-type]
            )

        # Waiting for visitation: new, near the tell-the-patient deadline, and breached.
        receive(patients[0], 1, ["udredningsret"], reason="Vedvarende symptomer, udredning ønskes.")
        receive(patients[1], 6, ["udredningsret"], priority="akut")
        receive(patients[2], 25, ["udredningsret", "behandlingsret"])
        # Accepted with a pathway; the clock paused at the patient's wish.
        accepted = receive(patients[3], 10, ["udredningsret"])
        referral_visitate(actor=doctor, referral=accepted, decision="accept", label="")
        pathway = Pathway.objects.get(referral=accepted)
        pathway_marker_add(actor=doctor, pathway=pathway, code="AFV01A1", at=_at(10, 10))
        pathway_marker_add(actor=doctor, pathway=pathway, code="AFV01X2", at=_at(3))
        # Rejected: a task to answer the referrer.
        rejected = receive(patients[4], 4, ["udredningsret"])
        referral_visitate(
            actor=doctor,
            referral=rejected,
            decision="reject",
            reason="Kan varetages i almen praksis; se vejledning i svaret.",
        )
        # Redirected to the next unit, the clocks keep running.
        redirected = receive(patients[5], 2, ["udredningsret"])
        referral_visitate(
            actor=doctor,
            referral=redirected,
            decision="redirect",
            unit=units[(index + 1) % len(units)],
            reason="Hører til et andet ambulatorium.",
        )
        if index == len(units) - 1:
            # A cancer pathway from the template, in the lung clinic.
            cancer = receive(
                patients[6],
                5,
                ["kraeft-udredning"],
                reason="Mistanke om lungekræft: fortætning på røntgen af thorax.",
                diagnosis="DC34",
                priority="akut",
            )
            referral_visitate(actor=doctor, referral=cancer, decision="accept", template=template)
            cancer_pathway = Pathway.objects.get(referral=cancer)
            pathway_marker_add(actor=doctor, pathway=cancer_pathway, code="AFV01A1A", at=_at(5, 10))
            pathway_marker_add(actor=doctor, pathway=cancer_pathway, code="AFV01B", at=_at(1))
        task_create(
            actor=secretary,
            title="Ring til patienten om manglende blodprøvesvar",
            unit=unit,
            patient=patients[7],
            assignee=secretary.user,
            due=timezone.localdate() + timedelta(days=1),
        )
        task_create(
            actor=secretary,
            title="Bestil journal fra anden region",
            unit=unit,
            patient=patients[7],
            assignee_role=Role.SECRETARY,
            due=timezone.localdate() - timedelta(days=1),
        )
