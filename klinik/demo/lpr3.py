"""Demo LPR3 reporting errors in the hospital's first outpatient clinic (issue 18): three
patients whose pathways and contacts break different business rules, so the secretary's error
list (LPR-fejl) has something to work through:

- a physical contact 40 days ago, closed, without an aktionsdiagnose (05.14, 05.15) and,
  unbooked and so acute, without a kontaktårsag (5102);
- a planned contact with a kontaktårsag (5104);
- a closed pathway whose contact is still open (05.31).

The hospital's units get (fictional) SOR codes, which LPR3 needs for every responsible unit.
Everything goes through the services; the error list is filled by re-validating the units.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Unit
from klinik.demo.pathways import _actor, _at
from klinik.pathways.models import Pathway, Referral
from klinik.pathways.pathway_services import pathway_close, pathway_link
from klinik.pathways.referral_services import referral_receive, referral_visitate
from klinik.patients.models import Patient
from klinik.records.choices import ContactKind, DiagnosisKind
from klinik.records.clinical.lpr import contact_lpr_update
from klinik.records.clinical.services import contact_diagnosis_add
from klinik.records.journal.services import contact_close, contact_open
from klinik.records.models import Contact
from klinik.reporting.lpr3_report.services import lpr3_unit_revalidate

REASON = "Dårligt reguleret type 2-diabetes."
# Fictional SOR codes of the demo hospital's units (the shape of real ones).
DEMO_SOR = ["900011000016007", "900021000016002", "900031000016005"]


def demo_lpr3(*, units: list[Unit]) -> None:
    if not units:
        return
    for unit, sor in zip(units, DEMO_SOR, strict=False):
        if not unit.sor_code:
            unit.sor_code = sor
            unit.save(update_fields=["sor_code"])
    unit = units[0]
    if Referral.objects.filter(organisation_id=unit.organisation_id, reason=REASON).exists():
        return  # loaded once already
    secretary, doctor = _actor(unit, Role.SECRETARY), _actor(unit, Role.DOCTOR)
    if secretary is None or doctor is None:
        return
    # The unit's newest patients (the demo's other pathways use the oldest); as many
    # scenarios as there are patients.
    patients = list(Patient.objects.filter(unit=unit).order_by("-id")[:3])
    if not patients:
        return

    def pathway_for(patient: Patient, days_ago: int) -> Pathway:
        referral = referral_receive(
            actor=secretary,
            patient=patient,
            unit=unit,
            received_at=_at(days_ago),
            referrer_name="Lægehuset Nord",
            referrer_provider_number="012345",
            reason=REASON,
            diagnosis="DE11",
            priority="planlagt",
            rights=["udredningsret"],
        )
        referral_visitate(actor=doctor, referral=referral, decision="accept", label="ALAL22")
        return Pathway.objects.get(referral=referral)

    def visit(patient: Patient, pathway: Pathway, days_ago: int, *, close: bool = True) -> Contact:
        contact = contact_open(
            actor=secretary,
            patient=patient,
            kind=ContactKind.PHYSICAL,
            unit=unit,
            started_at=_at(days_ago, 10),
        )
        pathway_link(actor=secretary, pathway=pathway, contact=contact)
        if close:
            contact = contact_close(
                actor=secretary, contact=contact, ended_at=contact.started_at + timedelta(hours=1)
            )
        return contact

    # 05.14 / 05.15 / 5102: no aktionsdiagnose 30 days on, no kontaktårsag on an acute visit.
    first = pathway_for(patients[0], 32)
    visit(patients[0], first, 30)
    # 5104: a planned visit given a kontaktårsag.
    if len(patients) < 2:
        return _revalidate(units)
    second = pathway_for(patients[1], 12)
    planned = visit(patients[1], second, 8)
    contact_diagnosis_add(actor=doctor, contact=planned, code="DE11", kind=DiagnosisKind.MAIN)
    contact_lpr_update(
        actor=secretary, contact=planned, lpr_type="", priority="ATA3", reason="ALCC01"
    )
    # 05.31: the pathway closed while its contact is still open.
    if len(patients) < 3:
        return _revalidate(units)
    third = pathway_for(patients[2], 15)
    visit(patients[2], third, 5, close=False)
    pathway_close(actor=doctor, pathway=third, ended_at=timezone.now(), end_mode="ALAC02")
    _revalidate(units)


def _revalidate(units: list[Unit]) -> None:
    for each in units:
        lpr3_unit_revalidate(organisation_id=each.organisation_id, unit_id=each.pk)
