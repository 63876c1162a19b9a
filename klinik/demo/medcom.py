"""Demo MedCom correspondence: every organisation's own SOR/EAN and a partner directory (the
demo's GP clinics with their provider numbers, the municipality, a hospital unit); in the GP
clinic and the hospital's first unit a message sent to a patient's own GP (acknowledged), one
received and matched, and one received for a CPR number the register does not know (waiting
in the work queue). Made through the services, so the Bundles, statuses and the access log are
as the screens make them. Nothing when the organisation has messages already."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, Unit
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.correspondence.letters.choices import LetterChannel, LetterKind
from klinik.correspondence.letters.services import letter_draft, letter_send, letter_write
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import PartnerKind
from klinik.correspondence.messages.services import (
    care_message_receive,
    care_message_send,
    gp_partner,
)
from klinik.correspondence.models import CareMessage, Letter, LetterTemplate, Partner
from klinik.demo import names
from klinik.patients.models import Patient

MUNICIPALITY = ("Aarhus Kommune, Sundhed og Omsorg", "459781000016004", "5798000420397")
HOSPITAL = ("Hjerteafdelingen, Aarhus Universitetshospital", "265161000016000", "5790000209354")


def _sor(index: int) -> str:
    return f"{700000 + index * 137:06d}1000016{index % 10}"


def _ean(index: int) -> str:
    return f"579000{1_000_000 + index * 7919:07d}"


def demo_partners(organisation: Organisation, index: int) -> None:
    """The directory of one organisation; idempotent (rows keyed by SOR id)."""
    rows = [(PartnerKind.OWN, organisation.name, _sor(100 + index), _ean(100 + index), "")]
    rows += [
        (PartnerKind.GP, name, _sor(i), _ean(i), number)
        for i, (name, number) in enumerate(names.GPS, start=1)
    ]
    rows += [(PartnerKind.MUNICIPALITY, *MUNICIPALITY, ""), (PartnerKind.HOSPITAL, *HOSPITAL, "")]
    for kind, name, sor, ean, number in rows:
        Partner.objects.get_or_create(
            organisation=organisation,
            sor=sor,
            defaults={"kind": kind, "name": name, "ean": ean, "provider_number": number},
        )


def _secretary(unit: Unit) -> Actor | None:
    membership = (
        Membership.objects.filter(unit=unit, role=Role.SECRETARY, is_active=True)
        .select_related("user", "organisation", "unit")
        .order_by("id")
        .first()
    )
    return actor_from_membership(membership) if membership else None


def demo_medcom(*, units: list[Unit], rng: random.Random) -> None:
    for index, organisation in enumerate(Organisation.objects.order_by("id")):
        demo_partners(organisation, index)
    for unit in units:
        if CareMessage.objects.filter(organisation_id=unit.organisation_id).exists():
            continue
        actor = _secretary(unit)
        if actor is None:
            continue
        _demo_messages(unit, actor, rng)


def _demo_messages(unit: Unit, actor: Actor, rng: random.Random) -> None:
    patients = list(
        Patient.objects.filter(unit=unit, merged_into__isnull=True, deceased_date__isnull=True)
        .exclude(gp_provider_number="")
        .order_by("id")[:20]
    )
    if len(patients) < 2:
        return
    own = Partner.objects.get(organisation_id=unit.organisation_id, kind=PartnerKind.OWN)
    us = fhir.Party(sor=own.sor, ean=own.ean, name=own.name)
    first, second = patients[0], patients[1]
    gp = gp_partner(patient=first)
    sent = care_message_send(
        actor=actor,
        patient=first,
        recipient=fhir.Party(sor=gp.sor, ean=gp.ean, name=gp.name),
        category="examination-results",
        topic="Blodprøvesvar",
        text="Kære kollega\nBlodprøverne fra i går er normale. Vi ser patienten igen om et år."
        "\nVenlig hilsen",
    )
    gp_party = fhir.Party(sor=gp.sor, ean=gp.ean, name=gp.name)
    care_message_receive(
        actor=actor,
        document=fhir.acknowledgement_build(
            fhir.Acknowledgement(uuid.uuid4(), timezone.now(), gp_party, us, sent.header_id)
        ),
    )
    hospital = fhir.Party(sor=HOSPITAL[1], ean=HOSPITAL[2], name=HOSPITAL[0])
    when = timezone.now() - timedelta(hours=rng.randint(1, 5))
    for patient, cpr, text in (
        (
            second,
            second.cpr,
            "Patienten er udskrevet i dag. Vi beder om kontrol af blodtryk "
            "om 14 dage og justering af medicin efter behov.",
        ),
        (
            None,
            "0101001234",
            "Vedr. opfølgning efter ambulant besøg: ønsker I fortsat at "
            "følge patienten? Venlig hilsen sygeplejerske Michael.",
        ),
    ):
        header = uuid.uuid4()
        care_message_receive(
            actor=actor,
            document=fhir.care_communication_build(
                fhir.CareCommunication(
                    header_id=header,
                    communication_id=uuid.uuid4(),
                    at=when,
                    sender=hospital,
                    receiver=us,
                    cpr=cpr,
                    given_name=patient.given_name if patient else "Bruno",
                    family_name=patient.family_name if patient else "Elmer",
                    category="discharge" if patient else "carecoordination",
                    topic="Udskrivelse" if patient else "Opfølgning",
                    segments=(fhir.Segment(uuid.uuid4(), when, "Michael Burns", "38683868", text),),
                )
            ),
        )


LETTER_TEMPLATES = [
    (
        LetterKind.INVITATION,
        "Indkaldelse",
        "Indkaldelse til {unit}",
        "Kære {patient_first_name}\n\nDu indkaldes til {next_appointment}.\n\n{preparation}\n\n"
        "Har du spørgsmål, eller kan du ikke komme, så ring på {unit_phone}.",
        "Medbring en liste over den medicin, du tager. Mød 10 minutter før.",
    ),
    (
        LetterKind.REFERRAL_REPLY,
        "Svar på henvisning",
        "Vedrørende din henvisning",
        "Kære {patient_first_name}\n\nVi har modtaget din henvisning og vurderet den. "
        "Du hører fra os med en tid.\n\nVenlig hilsen {clinician}",
        "",
    ),
    (
        LetterKind.DISCHARGE,
        "Epikrise",
        "Epikrise",
        "Kære {patient_first_name}\n\nHer er et resumé af forløbet i {unit}.\n\n",
        "",
    ),
    (LetterKind.FREE, "Frit brev", "", "Kære {patient_first_name}\n\n", ""),
]


def demo_letters(*, units: list[Unit]) -> None:
    """Each unit's letter templates; in the first unit, one letter sent by Digital Post."""
    for unit in units:
        for kind, title, subject, body, preparation in LETTER_TEMPLATES:
            LetterTemplate.objects.get_or_create(
                organisation_id=unit.organisation_id,
                unit=unit,
                title=title,
                defaults={
                    "kind": kind,
                    "subject": subject or "Brev fra {unit}",
                    "body": body,
                    "preparation": preparation,
                },
            )
    for unit in units[:1]:
        actor = _secretary(unit)
        patient = (
            Patient.objects.filter(unit=unit, deceased_date__isnull=True).order_by("id").first()
        )
        if actor is None or patient is None or Letter.objects.filter(unit=unit).exists():
            continue
        template = LetterTemplate.objects.get(unit=unit, title="Indkaldelse")
        subject, body = letter_draft(actor=actor, patient=patient, template=template)
        letter = letter_write(
            actor=actor, patient=patient, subject=subject, body=body, template=template
        )
        letter_send(actor=actor, letter=letter, channel=LetterChannel.DIGITAL_POST)
