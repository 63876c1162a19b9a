"""Demo record data: contacts on the past weeks' finished appointments with journal notes,
phone notes and letters, some unapproved and some corrected — written through the services,
so the access log and the signing rules are what a real day produces; and the dictation queue
(`demo_dictations`).

Idempotent: a unit that already has journal entries (or dictations) is left alone.
"""

from __future__ import annotations

import io
import math
import random
import struct
import wave
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.policy import Actor, Perm
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.records.choices import (
    ContactKind,
    DiagnosisKind,
    DictationPriority,
    DictationStatus,
    EntryType,
    MeasurementKind,
    VaccinationSite,
    WarningKind,
)
from klinik.records.clinical.services import (
    contact_diagnosis_add,
    measurement_record,
    vaccination_record,
    warning_add,
)
from klinik.records.dictation.services import (
    dictation_create,
    dictation_deadline_default,
    dictation_send_for_signing,
    dictation_take,
)
from klinik.records.journal.note_templates import note_template_defaults
from klinik.records.journal.services import (
    EntryDraft,
    contact_open,
    journal_entry_correct,
    journal_entry_sign,
    journal_entry_write,
)
from klinik.records.models import Contact, Dictation, JournalEntry
from klinik.scheduling.models import Appointment


@dataclass(frozen=True)
class Consultation:
    """A typical consultation: the note (S/O/V/P) and the SKS code it would be coded with."""

    reason: str
    text: str
    code: str


GP_CONSULTATIONS = [
    Consultation(
        "Ondt i halsen",
        "Subjektivt: 3 dages ondt i halsen og feber op til 38,5. Ingen hoste.\n"
        "Objektivt: Svælg rødt, tonsiller let forstørrede uden belægninger. Strep A negativ.\n"
        "Vurdering: Viral pharyngitis.\n"
        "Plan: Paracetamol efter behov. Kontakt ved forværring eller feber > 3 dage.",
        "DJ029",
    ),
    Consultation(
        "Blodtrykskontrol",
        "Subjektivt: Kommer til årskontrol af hypertension. Ingen gener. Tager medicin dagligt.\n"
        "Objektivt: BT 138/86, puls 72 regelmæssig. Vægt uændret.\n"
        "Vurdering: Velreguleret essentiel hypertension.\n"
        "Plan: Uændret behandling. Blodprøver og kontrol om 12 måneder.",
        "DI10",
    ),
    Consultation(
        "Diabeteskontrol",
        "Subjektivt: Årskontrol af type 2-diabetes. Ingen føleforstyrrelser i fødderne.\n"
        "Objektivt: HbA1c 52 mmol/mol. Fødder uden sår, normal sensibilitet.\n"
        "Vurdering: Type 2-diabetes, rimeligt reguleret.\n"
        "Plan: Fortsætter metformin. Henvist til øjenscreening. Kontrol om 3 måneder.",
        "DE119",
    ),
    Consultation(
        "Lændesmerter",
        "Subjektivt: Akut opståede lændesmerter efter havearbejde for 4 dage siden. "
        "Ingen udstråling, ingen vandladningsproblemer.\n"
        "Objektivt: Ømhed paravertebralt L4-L5. Lasègue negativ bilateralt. Normal neurologi.\n"
        "Vurdering: Uspecifikke lændesmerter (lumbago).\n"
        "Plan: Hold dig i bevægelse, håndkøbssmertestillende. Fysioterapi hvis ikke bedre.",
        "DM545",
    ),
    Consultation(
        "Svie ved vandladning",
        "Subjektivt: 2 dages svie ved vandladning og hyppig vandladning. Ingen feber.\n"
        "Objektivt: Urinstix: leukocytter +2, nitrit positiv. Ikke ømhed over nyrelogerne.\n"
        "Vurdering: Ukompliceret cystitis.\n"
        "Plan: Pivmecillinam i 3 dage. Urin til dyrkning.",
        "DN300",
    ),
    Consultation(
        "Øreverk",
        "Subjektivt: Barn med øreverk venstre øre i nat og feber 38,8.\n"
        "Objektivt: Venstre trommehinde rød og bombert. Højre normal.\n"
        "Vurdering: Otitis media acuta sinistra.\n"
        "Plan: Smertestillende. Kontrol ved fortsat feber efter 2-3 døgn.",
        "DH669",
    ),
    Consultation(
        "Nedtrykthed",
        "Subjektivt: Gennem 2 måneder nedtrykt, dårlig søvn og nedsat lyst. Ingen "
        "selvmordstanker.\n"
        "Objektivt: Afdæmpet, god kontakt. MDI 24.\n"
        "Vurdering: Let depressiv enkeltepisode.\n"
        "Plan: Samtaleforløb, henvisning til psykolog. Ny tid om 2 uger.",
        "DF320",
    ),
]

THERAPY_CONSULTATIONS = [
    Consultation(
        "Skuldersmerter",
        "Subjektivt: Smerter i højre skulder ved løft over hovedhøjde gennem 6 uger.\n"
        "Objektivt: Smertefuld bue 70-120 grader, positiv Hawkins. Fuld passiv bevægelighed.\n"
        "Vurdering: Impingement af højre skulder.\n"
        "Plan: Øvelsesprogram for rotator cuff, 6 behandlinger.",
        "DM754",
    ),
    Consultation(
        "Knæsmerter",
        "Subjektivt: Smerter i venstre knæ ved trappegang og efter løb.\n"
        "Objektivt: Ømhed medialt, ingen hævelse, stabile ledbånd.\n"
        "Vurdering: Belastningsbetingede knæsmerter.\n"
        "Plan: Styrketræning af quadriceps og hofte, gradvis tilbagevenden til løb.",
        "DM255",
    ),
    Consultation(
        "Nakkesmerter",
        "Subjektivt: Stivhed og smerter i nakken efter lange dage ved skærm.\n"
        "Objektivt: Nedsat rotation til venstre, ømme muskler i trapezius.\n"
        "Vurdering: Myalgi i nakken.\n"
        "Plan: Mobiliserende behandling og øvelser, ergonomisk vejledning.",
        "DM542",
    ),
]

HOSPITAL_CONSULTATIONS = [
    Consultation(
        "Ambulant kontrol",
        "Subjektivt: Kontrol efter indlæggelse med hjertesvigt. Mindre åndenød, sover på "
        "2 puder.\n"
        "Objektivt: Let ødem på underbenene. BT 124/78, puls 68. Vægt faldet 2 kg.\n"
        "Vurdering: Kronisk hjertesvigt, stabil i NYHA II.\n"
        "Plan: Optitrering af betablokker. Ekkokardiografi om 3 måneder.",
        "DI500",
    ),
    Consultation(
        "Lungefunktion",
        "Subjektivt: Kendt KOL, tiltagende åndenød ved gang på trapper.\n"
        "Objektivt: FEV1 58 % af forventet, FEV1/FVC 0,55. Saturation 95 %.\n"
        "Vurdering: KOL, moderat.\n"
        "Plan: Rygestopvejledning, henvisning til lungerehabilitering.",
        "DJ449",
    ),
    Consultation(
        "Første samtale",
        "Subjektivt: Henvist med forhøjet stofskifte, hjertebanken og vægttab.\n"
        "Objektivt: Fin tremor, puls 104. TSH < 0,01, frit T4 forhøjet.\n"
        "Vurdering: Thyreotoksikose, formentlig Graves' sygdom.\n"
        "Plan: Methimazol opstartes, TRAb og skintigrafi bestilt.",
        "DE050",
    ),
]

PHONE_NOTES = [
    "Telefonkonsultation: Patienten ringer om blodprøvesvar. Svar normale, informeret.",
    "Patienten ringer og ønsker recept fornyet. Videregivet til lægen.",
    "Pårørende ringer (datter, må informeres). Orienteret om planlagt kontrol.",
    "Patienten melder afbud til kontrol. Ny tid tilbudt.",
]

LETTERS_IN = [
    "Epikrise modtaget fra Regionshospital Nord: indlagt 3 døgn med pneumoni, behandlet "
    "med penicillin, udskrevet i habituel tilstand.",
    "Svar fra røntgenafdelingen: Røntgen af thorax uden tegn på infiltrat.",
]


def _actors(unit: Unit) -> dict[int, Actor]:
    """Each active member's actor in the unit, by user id: read once for the unit's hundreds
    of notes and codes."""
    actors: dict[int, Actor] = {}
    for membership in (
        Membership.objects.filter(unit=unit, is_active=True)
        .select_related("user", "organisation", "unit")
        .order_by("pk")
    ):
        actors.setdefault(membership.user_id, actor_from_membership(membership))
    return actors


def _secretary(unit: Unit) -> Actor | None:
    membership = (
        Membership.objects.filter(unit=unit, role=Role.SECRETARY, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    return actor_from_membership(membership) if membership else None


def consultations_for(unit: Unit) -> list[Consultation]:
    kind = unit.organisation.kind
    if kind == "hospital":
        return HOSPITAL_CONSULTATIONS
    if kind in ("therapy_clinic", "alternative_clinic"):
        return THERAPY_CONSULTATIONS
    return GP_CONSULTATIONS


def demo_records(*, unit: Unit, rng: random.Random, limit: int = 60) -> list[Contact]:
    """Contacts and journal entries on the unit's finished appointments of the past weeks.

    Returns the contacts made, so that coding and measurements can be added to them."""
    # Reads better whole: the demo's story of a few weeks of notes, told in order.
    note_template_defaults(unit=unit)
    if JournalEntry.objects.filter(unit=unit).exists():
        return []
    now = timezone.now()
    finished = list(
        Appointment.objects.filter(unit=unit, patient__unit=unit, status="finished", start__lt=now)
        .select_related("patient", "appointment_type")
        .prefetch_related("resource_holds__resource__user")
        .order_by("start")[:limit]
    )
    secretary = _secretary(unit)
    consultations = consultations_for(unit)
    actors = _actors(unit)
    contacts = []
    for appointment in finished:
        clinician = next(
            (
                hold.resource.user
                for hold in appointment.resource_holds.all()
                if hold.resource.user is not None
            ),
            None,
        )
        actor = actors.get(clinician.pk) if clinician else None
        if actor is None or not actor.can(Perm.RECORD_WRITE):
            continue
        consultation = rng.choice(consultations)
        contact, _ = Contact.objects.get_or_create(
            appointment=appointment,
            defaults={
                "organisation_id": unit.organisation_id,
                "unit": unit,
                "patient": appointment.patient,
                "kind": ContactKind.PHYSICAL,
                "reason": consultation.reason,
                "started_at": appointment.start,
                "ended_at": appointment.end,
                "responsible": clinician,
                "created_by": clinician,
            },
        )
        contact.demo_code = consultation.code  # type: ignore[attr-defined]
        contacts.append(contact)
        patient = appointment.patient
        if secretary is not None and rng.random() < 0.3 and actor.can(Perm.RECORD_SIGN):
            # Dictated by the clinician, typed by the secretary: unapproved until signed.
            entry = journal_entry_write(
                actor=secretary,
                patient=patient,
                draft=EntryDraft(
                    entry_type=EntryType.DICTATION,
                    text=consultation.text,
                    contact=contact,
                    responsible=clinician,
                    occurred_at=appointment.start,
                ),
            )
            if rng.random() < 0.6:
                journal_entry_sign(actor=actor, entry=entry)
        else:
            entry = journal_entry_write(
                actor=actor,
                patient=patient,
                draft=EntryDraft(
                    entry_type=EntryType.NOTE,
                    text=consultation.text,
                    contact=contact,
                    occurred_at=appointment.start,
                ),
            )
            if rng.random() < 0.08:
                journal_entry_correct(
                    actor=actor,
                    entry=entry,
                    text=entry.text + "\nTillæg: Patienten informeret om bivirkninger.",
                    reason="Manglende oplysning om information af patienten tilføjet",
                )
        if secretary is not None and rng.random() < 0.25:
            phone = contact_open(
                actor=secretary,
                patient=patient,
                kind=ContactKind.PHONE,
                unit=unit,
                started_at=min(appointment.start + timedelta(days=rng.randint(1, 5)), now),
                responsible=clinician if actor.can(Perm.RECORD_SIGN) else None,
                reason="Telefonhenvendelse",
            )
            journal_entry_write(
                actor=secretary,
                patient=patient,
                draft=EntryDraft(
                    entry_type=EntryType.PHONE,
                    text=rng.choice(PHONE_NOTES),
                    contact=phone,
                    responsible=phone.responsible,
                    occurred_at=min(phone.started_at, now),
                ),
            )
        if secretary is not None and rng.random() < 0.1:
            journal_entry_write(
                actor=secretary,
                patient=patient,
                draft=EntryDraft(
                    entry_type=EntryType.LETTER_IN,
                    title="Epikrise",
                    text=rng.choice(LETTERS_IN),
                    responsible=clinician if actor.can(Perm.RECORD_SIGN) else None,
                    occurred_at=min(appointment.start + timedelta(days=2), now),
                ),
            )
    return contacts


# The dictation queue -----------------------------------------------------------------------------

DICTATION_DRAFTS = [
    (
        "Epikrise til egen læge",
        "Patienten set i dag til kontrol. Fortsat velbefindende, ingen nye symptomer. "
        "Blodtryk 132/84. Fortsætter uændret behandling. Ny kontrol om tre måneder.",
    ),
    (
        "Henvisning til fysioterapi",
        "Henvises til fysioterapeutisk genoptræning efter distorsion af højre knæ. "
        "Ønskes styrke- og stabilitetstræning, 8-10 behandlinger.",
    ),
    (
        "Svar på blodprøver",
        "Blodprøverne viser let forhøjet kolesterol, i øvrigt normale værdier. "
        "Patienten informeres telefonisk; kostvejledning udleveret.",
    ),
    (
        "Status efter behandling",
        "Har gennemført 6 behandlinger med god effekt. Smerter reduceret fra VAS 7 til 3. "
        "Fortsætter med hjemmeøvelser; afsluttes.",
    ),
    (
        "Attest til kommunen",
        "Patienten har kroniske lændesmerter og kan ikke løfte over 10 kg. "
        "Skånehensyn i 3 måneder anbefales.",
    ),
    (
        "Opfølgning på telefonkonsultation",
        "Ringer vedr. hoste gennem 3 uger. Ingen feber. "
        "Aftalt fremmøde til lungefunktionsundersøgelse.",
    ),
]
DICTATION_INSTRUCTIONS = ["", "", "Kopi til egen læge", "Haster: send i dag", "Brev til patienten"]


def demo_wav(*, seconds: float, rng: random.Random, rate: int = 8000) -> bytes:
    """A short mono 16-bit WAV: a few tones with pauses, like speech with breaks."""
    frames = bytearray()
    total = int(seconds * rate)
    tone, left = 0.0, 0
    for i in range(total):
        if left == 0:  # a new "word" or pause
            tone = rng.choice([0.0, 180.0, 220.0, 260.0])
            left = rng.randint(rate // 8, rate // 2)
        left -= 1
        value = int(6000 * math.sin(2 * math.pi * tone * i / rate)) if tone else 0
        frames += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))
    return out.getvalue()


def _clinicians(unit: Unit) -> list[Actor]:
    memberships = (
        Membership.objects.filter(unit=unit, is_active=True)
        .select_related("user", "organisation", "unit")
        .order_by("pk")
    )
    actors = [actor_from_membership(m) for m in memberships]
    return [a for a in actors if a.can(Perm.RECORD_SIGN)]


def demo_dictations(*, unit: Unit, rng: random.Random, count: int = 8) -> list[Dictation]:
    """About `count` queue items for the unit through the dictation services: typed drafts,
    two with a short generated recording, mixed priorities, some taken by the secretary, one
    overdue; plus a few transcribed ones (sent for signing, some signed) so the turnaround
    figures have data. Idempotent: a unit with dictations is left alone."""
    if Dictation.objects.filter(unit=unit).exists():
        return []
    clinicians = _clinicians(unit)
    patients = list(Patient.objects.filter(unit=unit).order_by("pk")[:50])
    if not clinicians or not patients:
        return []
    secretary = _secretary(unit)
    now = timezone.now()
    priorities = [DictationPriority.URGENT] * 2 + [DictationPriority.NORMAL] * 4
    priorities += [DictationPriority.LOW] * max(0, count - 6)
    made = []
    for index in range(count + 3):
        clinician = clinicians[index % len(clinicians)]
        title, text = DICTATION_DRAFTS[index % len(DICTATION_DRAFTS)]
        audio = None
        if index < 2:  # two recordings
            audio = ContentFile(demo_wav(seconds=3 + index * 2, rng=rng), name="diktat.wav")
        dictation = dictation_create(
            actor=clinician,
            patient=rng.choice(patients),
            audio=audio,
            text="" if audio else f"{title}\n\n{text}",
            priority=priorities[index % len(priorities)],
            instructions=rng.choice(DICTATION_INSTRUCTIONS),
        )
        # Dictated some hours ago (the queue and the turnaround need a past); the deadline
        # follows from then, as it would have.
        hours = (
            rng.uniform(0.5, 3)
            if dictation.priority == DictationPriority.URGENT
            else rng.uniform(1, 30)
        )
        created = now - timedelta(hours=hours)
        Dictation.objects.filter(pk=dictation.pk).update(
            created_at=created,
            deadline=dictation_deadline_default(priority=dictation.priority, now=created),
        )
        dictation.refresh_from_db()
        made.append(dictation)
        if secretary is None:
            continue
        if index >= count:  # transcribed already: sent for signing, the first two signed
            taken = dictation_take(actor=secretary, dictation=dictation)
            entry = dictation_send_for_signing(
                actor=secretary, dictation=taken, text=f"{title}\n\n{text}"
            )
            if index < count + 2:
                journal_entry_sign(actor=clinician, entry=entry)
        elif index in (2, 5):  # being transcribed
            dictation_take(actor=secretary, dictation=dictation)
    # One waiting item is overdue.
    waiting = [d for d in made[:count] if d.status == DictationStatus.WAITING]
    if waiting:
        Dictation.objects.filter(pk=waiting[-1].pk).update(deadline=now - timedelta(hours=3))
    return made


# Coding, measurements, vaccinations and warnings --------------------------------------------

WARNINGS = [
    (WarningKind.ALLERGY, "Penicillin", "J01CE"),
    (WarningKind.CAVE, "NSAID (mavesår)", "M01A"),
    (WarningKind.ALLERGY, "Jod-kontrast", ""),
    (WarningKind.CAVE, "Latex", ""),
]
VACCINES = [
    ("Influenzavaccine (Vaxigrip Tetra)", "J07BB02"),
    ("Covid-19-vaccine (Comirnaty)", "J07BN01"),
    ("Pneumokokvaccine (Prevenar 20)", "J07AL02"),
    ("Stivkrampe-difteri (diTeBooster)", "J07AM51"),
]


def demo_clinical(*, unit: Unit, contacts: list[Contact], rng: random.Random) -> None:
    """Main diagnoses on the demo contacts, blood pressure, weight and height, a few CAVE
    warnings and influenza season vaccinations, through the coding and observation services."""
    actors = _actors(unit)
    for contact in contacts:
        actor = actors.get(contact.responsible_id) if contact.responsible_id else None
        if actor is None or not actor.can(Perm.RECORD_WRITE):
            continue
        code = getattr(contact, "demo_code", "")
        if code:
            contact_diagnosis_add(actor=actor, contact=contact, code=code, kind=DiagnosisKind.MAIN)
        patient = contact.patient
        if unit.organisation.kind != "alternative_clinic" and rng.random() < 0.6:
            systolic = rng.randint(112, 165)
            measurement_record(
                actor=actor,
                patient=patient,
                kind=MeasurementKind.BLOOD_PRESSURE,
                value=systolic,
                value2=systolic - rng.randint(35, 60),
                measured_at=contact.started_at,
                contact=contact,
            )
            measurement_record(
                actor=actor,
                patient=patient,
                kind=MeasurementKind.PULSE,
                value=rng.randint(55, 95),
                measured_at=contact.started_at,
                contact=contact,
            )
        if rng.random() < 0.3:
            height = rng.randint(155, 195)
            measurement_record(
                actor=actor,
                patient=patient,
                kind=MeasurementKind.HEIGHT,
                value=height,
                measured_at=contact.started_at - timedelta(minutes=2),
                contact=contact,
            )
            bmi = rng.uniform(19, 34)
            measurement_record(
                actor=actor,
                patient=patient,
                kind=MeasurementKind.WEIGHT,
                value=round(bmi * (height / 100) ** 2, 1),
                measured_at=contact.started_at,
                contact=contact,
            )
        if rng.random() < 0.08:
            kind, text, atc = rng.choice(WARNINGS)
            warning_add(actor=actor, patient=patient, kind=kind, text=text, code=atc)
        if unit.organisation.kind == "general_practice" and rng.random() < 0.2:
            vaccine, atc = rng.choice(VACCINES)
            vaccination_record(
                actor=actor,
                patient=patient,
                vaccine=vaccine,
                atc_code=atc,
                batch_number=f"{rng.choice('ABFHKLMTX')}{rng.randint(10000, 99999)}",
                dose="1",
                site=rng.choice([VaccinationSite.LEFT_DELTOID, VaccinationSite.RIGHT_DELTOID]),
                given_on=timezone.localtime(contact.started_at).date(),
                given_by=actor.user,
                contact=contact,
            )
