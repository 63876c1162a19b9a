"""Demo staff for Lægehuset: the secretaries, the nurse and the apprentice each with levels in
the job area's four competences, recorded by the clinic manager; two instructions and the
doctor's delegations of vaccination and blood sampling to the nurse under them (the vaccination
delegation runs out within the month, so it waits on the doctor's work queue). Through the
staff services, so the access log is as the screens make it. Course histories: completed and
planned courses for the secretaries and the apprentice; the apprentice's education plan with
its trainers, periods, goals and notes. Idempotent: what exists already
is left alone. Runs before the demo records, whose vaccinations the delegations cover."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, User
from klinik.core.services import actor_from_membership
from klinik.staff.apprentices.services import (
    education_period_add,
    education_plan_create,
    practice_goal_add,
    practice_goal_approve,
    progress_note_add,
)
from klinik.staff.choices import DelegatedTask
from klinik.staff.delegation import delegation_create, instruction_create
from klinik.staff.models import (
    Competence,
    Course,
    EducationPlan,
    Instruction,
    PersonCompetence,
    StaffProfile,
    Training,
)
from klinik.staff.profiles import staff_profile_save
from klinik.staff.services import catalogue_load, person_competence_set
from klinik.staff.training import training_record

# username -> [(competence code, level, evidence)]
LEVELS = {
    "sekretaer": [
        ("administration", "expert", "AMU 45583 Brug af DRG; 48665 Sundhedsdata og DRG"),
        ("coordination", "experienced", "AMU 48664 Forløbskoordinering"),
        ("data", "experienced", "AMU 49627 GDPR og IT-sikkerhed"),
        ("assistance", "routined", ""),
    ],
    "sekretaer2": [
        ("administration", "routined", "AMU 40915 Grundlæggende diagnoselatin"),
        ("coordination", "beginner", ""),
    ],
    "sygeplejerske": [
        ("assistance", "expert", "Sygeplejerske, autoriseret"),
        ("coordination", "experienced", ""),
    ],
    "elev": [
        ("assistance", "beginner", "Elev, 1. praktikperiode"),
        ("administration", "beginner", ""),
    ],
}


# username -> [(course number, status, days from today to the start, days the course took)]
COURSES = {
    "sekretaer": [
        ("48664", "completed", -400, 20),
        ("45583", "planned", 21, 0),
        ("49995", "completed", -500, 1),  # the responsible trainer's course
    ],
    "sekretaer2": [
        ("40915", "completed", -200, 6),
        ("48664", "planned", 45, 0),
        ("49998", "planned", 30, 0),  # the daily trainer's course, still to come
    ],
    "elev": [("47632", "planned", 14, 0)],
}

# username -> (profession, education, synthetic authorisation id, years employed)
PROFILES = {
    "laege": ("doctor", "Speciallæge i almen medicin", "0DEM1", 12),
    "sygeplejerske": ("nurse", "Professionsbachelor i sygepleje", "0DEM2", 7),
    "sekretaer": ("medical_secretary", "Lægesekretær (EUD)", "", 15),
    "sekretaer2": ("medical_secretary", "Lægesekretær (EUD)", "", 3),
    "elev": ("apprentice", "Lægesekretærelev, 1. praktikperiode", "", 0),
    "klinikchef": ("other", "HD i organisation og ledelse", "", 9),
}

INSTRUCTIONS = [
    (
        "Instruks for vaccination",
        "Formål: at sikre korrekt vaccination efter lægens rammedelegation.\n"
        "1. Kontrollér patientens identitet (navn og CPR-nummer) og vaccinationsstatus.\n"
        "2. Spørg til allergi, feber og tidligere reaktioner; ved tvivl kontaktes lægen.\n"
        "3. Giv vaccinen efter produktresuméet; notér batchnummer og injektionssted.\n"
        "4. Patienten bliver i venteværelset i 15 minutter; adrenalin er klar.\n"
        "5. Registrér vaccinationen i journalen samme dag.",
    ),
    (
        "Instruks for blodprøvetagning",
        "Formål: ensartet og sikker venøs blodprøvetagning.\n"
        "1. Kontrollér identitet og rekvisition.\n"
        "2. Håndhygiejne og handsker; stas højst 1 minut.\n"
        "3. Rørenes rækkefølge efter laboratoriets vejledning; mærk rørene ved patienten.",
    ),
]


def demo_staff(*, organisation: Organisation) -> None:
    if not Course.objects.exists():
        catalogue_load()  # a flushed test database lost the migration's catalogue
    _demo_profiles(organisation)  # first: the doctor's authorisation id lets her delegate
    _demo_delegations(organisation)
    _demo_training(organisation)
    _demo_apprentice(organisation)
    if PersonCompetence.objects.filter(organisation=organisation).exists():
        return
    manager = (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    if manager is None:
        return
    actor = actor_from_membership(manager)
    competences = {c.code: c for c in Competence.objects.filter(organisation=None)}
    assessed_on = timezone.localdate() - timedelta(days=60)
    for username, levels in LEVELS.items():
        membership = Membership.objects.filter(
            organisation=organisation, user__username=username, is_active=True
        ).first()
        if membership is None:
            continue
        for code, level, evidence in levels:
            person_competence_set(
                actor=actor,
                membership=membership,
                competence=competences[code],
                level=level,
                evidence=evidence,
                assessed_on=assessed_on,
            )


def _demo_delegations(organisation: Organisation) -> None:
    if Instruction.objects.filter(organisation=organisation).exists():
        return
    doctor = (
        Membership.objects.filter(
            organisation=organisation, user__username="laege", role=Role.DOCTOR, is_active=True
        )
        .select_related("user", "organisation", "unit")
        .first()
    )
    nurse = User.objects.filter(username="sygeplejerske").first()
    if doctor is None or nurse is None:
        return
    actor = actor_from_membership(doctor)
    today = timezone.localdate()
    start = today - timedelta(days=400)
    made = {
        title: instruction_create(
            actor=actor,
            title=title,
            text=text,
            valid_from=start,
            review_on=today + timedelta(days=200),
        )
        for title, text in INSTRUCTIONS
    }
    delegation_create(
        actor=actor,
        task=DelegatedTask.VACCINATION,
        instruction=made["Instruks for vaccination"],
        valid_from=start,
        valid_to=today + timedelta(days=20),
        delegate=nurse,
    )
    delegation_create(
        actor=actor,
        task=DelegatedTask.BLOOD_SAMPLING,
        instruction=made["Instruks for blodprøvetagning"],
        valid_from=start,
        valid_to=today + timedelta(days=365),
        review_on=today + timedelta(days=180),
        delegate=nurse,
    )


def _demo_training(organisation: Organisation) -> None:
    if Training.objects.filter(organisation=organisation).exists():
        return
    manager = (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    if manager is None:
        return
    actor = actor_from_membership(manager)
    today = timezone.localdate()
    for username, courses in COURSES.items():
        membership = Membership.objects.filter(
            organisation=organisation, user__username=username, is_active=True
        ).first()
        if membership is None:
            continue
        for number, status, start_in, took in courses:
            starts_on = today + timedelta(days=start_in)
            training_record(
                actor=actor,
                membership=membership,
                course_number=number,
                status=status,
                starts_on=starts_on,
                completed_on=starts_on + timedelta(days=took) if status == "completed" else None,
                provider="EUC Nord",
            )


def _demo_profiles(organisation: Organisation) -> None:
    if StaffProfile.objects.filter(organisation=organisation).exists():
        return
    manager = (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    if manager is None:
        return
    actor = actor_from_membership(manager)
    today = timezone.localdate()
    for username, (profession, education, authorisation_id, years) in PROFILES.items():
        membership = Membership.objects.filter(
            organisation=organisation, user__username=username, is_active=True
        ).first()
        if membership is not None:
            staff_profile_save(
                actor=actor,
                membership=membership,
                profession=profession,
                education=education,
                authorisation_id=authorisation_id,
                employed_from=today - timedelta(days=365 * years + 30),
            )


# The apprentice's plan: (kind, title, first day, last day) in days from today.
PERIODS = [
    ("school", "Skoleperiode 1", -150, -111),
    ("practice", "Praktikperiode 1", -110, 60),
    ("school", "Skoleperiode 2", 61, 100),
    ("practice", "Praktikperiode 2", 101, 400),
]
GOALS = [
    "Kan tage imod patienter i skranken og ved telefonen",
    "Kan booke, flytte og aflyse tider efter klinikkens aftaletyper",
    "Kan skrive journalnotater efter diktat med korrekt diagnoselatin",
    "Kan forberede og afslutte et forløb med henvisning og epikrise",
]


def _member(organisation: Organisation, username: str) -> Membership | None:
    return (
        Membership.objects.filter(
            organisation=organisation, user__username=username, is_active=True
        )
        .select_related("user", "organisation", "unit")
        .first()
    )


def _demo_apprentice(organisation: Organisation) -> None:
    """`elev`'s education plan: her periods and practice goals, `sekretaer2` the daily trainer
    and `sekretaer` the responsible trainer; the first goal approved, two progress notes."""
    if EducationPlan.objects.filter(organisation=organisation).exists():
        return
    manager = (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    apprentice = _member(organisation, "elev")
    daily = _member(organisation, "sekretaer2")
    responsible = _member(organisation, "sekretaer")
    if manager is None or apprentice is None or daily is None or responsible is None:
        return
    actor = actor_from_membership(manager)
    today = timezone.localdate()
    plan = education_plan_create(
        actor=actor,
        membership=apprentice,
        education="Lægesekretærelev (EUD)",
        starts_on=today + timedelta(days=PERIODS[0][2]),
        ends_on=today + timedelta(days=PERIODS[-1][3]),
        daily_trainer=daily.user,
        responsible_trainer=responsible.user,
    )
    periods = [
        education_period_add(
            actor=actor,
            plan=plan,
            kind=kind,
            title=title,
            starts_on=today + timedelta(days=first),
            ends_on=today + timedelta(days=last),
        )
        for kind, title, first, last in PERIODS
    ]
    goals = [practice_goal_add(actor=actor, plan=plan, text=t, period=periods[1]) for t in GOALS]
    trainer = actor_from_membership(daily)
    practice_goal_approve(actor=trainer, goal=goals[0])
    progress_note_add(
        actor=trainer,
        plan=plan,
        goal=goals[1],
        text="Emma booker sikkert almindelige konsultationer; flytninger af serier øver vi videre.",
    )
    progress_note_add(
        actor=actor_from_membership(apprentice),
        plan=plan,
        text="Jeg vil gerne prøve at skrive efter diktat i næste uge.",
    )
