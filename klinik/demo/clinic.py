"""The demo clinic: organisations, units, staff and a few synthetic patients.

Idempotent: running it again finds what exists and adds only what is missing. Later issues
add their domains' demo data here, through their services.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from klinik.core.choices import OrganisationKind, Role, UnitKind
from klinik.core.models import Community, Membership, Organisation, Unit, User
from klinik.core.slugs import danish_slugify
from klinik.demo.billing import demo_billing, demo_fees
from klinik.demo.drg import demo_drg
from klinik.demo.generate import generate_patients
from klinik.demo.lpr3 import demo_lpr3
from klinik.demo.medcom import demo_letters, demo_medcom
from klinik.demo.pathways import demo_pathways
from klinik.demo.patient_requests import demo_patient_requests
from klinik.demo.purchasing import demo_stock
from klinik.demo.records import demo_clinical, demo_dictations, demo_records
from klinik.demo.schedule import (
    GP_TYPES,
    TypeSpec,
    generate_schedule,
    resources_create,
    types_create,
)
from klinik.demo.staff import demo_staff
from klinik.patients.models import Patient
from klinik.scheduling.choices import Attendance
from klinik.scheduling.models import Appointment
from klinik.terminology.models import PostalCode, SKSCode
from klinik.terminology.services import postal_codes_load, starter_load

DEMO_PASSWORD = "klinik-demo"  # noqa: S105  (documented demo-only password)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    org: str | None  # organisation slug, or None for a community membership
    unit: str  # unit name, or the community slug
    demo_login: bool = True  # listed in the README / printed by make run


ORGANISATIONS = [
    # slug, name, kind, community, units (name, kind, phone); a unit's booking address is its
    # name spelt out: the GP's is /book/laegehuset/
    (
        "laegehuset",
        "Lægehuset Åboulevarden",
        OrganisationKind.GENERAL_PRACTICE,
        None,
        [("Lægehuset", UnitKind.CLINIC, "86 12 34 56")],
    ),
    (
        "fysio-nord",
        "Fysio Nord",
        OrganisationKind.THERAPY_CLINIC,
        "sundhedshuset",
        [("Fysioterapi", UnitKind.CLINIC, "86 12 40 40")],
    ),
    (
        "kiro-nord",
        "Kiropraktisk Klinik Nord",
        OrganisationKind.THERAPY_CLINIC,
        "sundhedshuset",
        [("Kiropraktik", UnitKind.CLINIC, "86 12 40 50")],
    ),
    (
        "akupunktur-nord",
        "Akupunktur Nord",
        OrganisationKind.ALTERNATIVE_CLINIC,
        "sundhedshuset",
        [("Akupunktur", UnitKind.CLINIC, "86 12 40 60")],
    ),
    (
        "medicinsk-ambulatorium",
        "Medicinsk Ambulatorium, Regionshospital Nord",
        OrganisationKind.HOSPITAL,
        None,
        [
            ("Endokrinologisk ambulatorium", UnitKind.OUTPATIENT, "78 45 10 10"),
            ("Kardiologisk ambulatorium", UnitKind.OUTPATIENT, "78 45 10 20"),
            ("Lungemedicinsk ambulatorium", UnitKind.OUTPATIENT, "78 45 10 30"),
        ],
    ),
]

COMMUNITIES = [("sundhedshuset", "Sundhedshuset Nord")]

_LH, _LHU = "laegehuset", "Lægehuset"
_MA = "medicinsk-ambulatorium"
_ENDO, _KARDIO, _LUNGE = (
    "Endokrinologisk ambulatorium",
    "Kardiologisk ambulatorium",
    "Lungemedicinsk ambulatorium",
)

USERS = [
    DemoUser("laege", "Mette", "Lund", Role.DOCTOR, _LH, _LHU),
    DemoUser("laege2", "Henrik", "Dahl", Role.DOCTOR, _LH, _LHU, demo_login=False),
    DemoUser("laege3", "Amira", "Haddad", Role.DOCTOR, _LH, _LHU, demo_login=False),
    DemoUser("sekretaer", "Susanne", "Jensen", Role.SECRETARY, _LH, _LHU),
    DemoUser("sekretaer2", "Louise", "Holm", Role.SECRETARY, _LH, _LHU, demo_login=False),
    DemoUser("sygeplejerske", "Karen", "Madsen", Role.NURSE, _LH, _LHU),
    DemoUser("elev", "Emma", "Nielsen", Role.APPRENTICE, _LH, _LHU),
    DemoUser("klinikchef", "Peter", "Kristensen", Role.MANAGER, _LH, _LHU),
    DemoUser(
        "receptionist", "Sofie", "Andersen", Role.HEALTH_SERVICE_SECRETARY, None, "sundhedshuset"
    ),
    DemoUser("fysioterapeut", "Jonas", "Berg", Role.THERAPIST, "fysio-nord", "Fysioterapi"),
    DemoUser(
        "kiropraktor",
        "Anders",
        "Winther",
        Role.THERAPIST,
        "kiro-nord",
        "Kiropraktik",
        demo_login=False,
    ),
    DemoUser(
        "akupunktoer",
        "Lin",
        "Sørensen",
        Role.THERAPIST,
        "akupunktur-nord",
        "Akupunktur",
        demo_login=False,
    ),
    DemoUser("hospitalssekretaer", "Birgitte", "Friis", Role.SECRETARY, _MA, _ENDO),
    DemoUser(
        "hospitalssekretaer2", "Dorthe", "Lauridsen", Role.SECRETARY, _MA, _KARDIO, demo_login=False
    ),
    DemoUser("overlaege", "Niels", "Brandt", Role.DOCTOR, _MA, _ENDO, demo_login=False),
    DemoUser("kardiolog", "Sara", "Mikkelsen", Role.DOCTOR, _MA, _KARDIO, demo_login=False),
    DemoUser(
        "ambulatoriesygeplejerske", "Hanne", "Bach", Role.NURSE, _MA, _LUNGE, demo_login=False
    ),
    DemoUser("afdelingsleder", "Mikkel", "Rasmussen", Role.MANAGER, _MA, _ENDO, demo_login=False),
]

# The system administrator administers staff in every demo organisation.
ADMIN_UNITS = [(slug, units[0][0]) for slug, _, _, _, units in ORGANISATIONS]

PATIENTS_PER_UNIT = 250


def demo_is_loaded() -> bool:
    return Organisation.objects.exists()


def demo_load(
    *, patients_per_unit: int = PATIENTS_PER_UNIT, records_per_unit: int = 60, seed: int = 2026
) -> None:
    """The demo clinic. `records_per_unit`: how many finished appointments per unit get a
    contact with notes and coding (a demo shows a few weeks' worth; a browser test needs a
    few, and loads the demo for every test)."""
    rng = random.Random(seed)
    if not SKSCode.objects.exists():
        # The starter codes come with a migration; a flushed test database lost them.
        starter_load()
    if not PostalCode.objects.exists():
        postal_codes_load()  # likewise: the shipped postal codes
    with transaction.atomic():
        communities = {
            slug: Community.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in COMMUNITIES
        }
        units: dict[tuple[str, str], Unit] = {}
        for slug, name, kind, community_slug, unit_specs in ORGANISATIONS:
            org, _ = Organisation.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "kind": kind,
                    "community": communities.get(community_slug) if community_slug else None,
                },
            )
            for unit_name, unit_kind, phone in unit_specs:
                units[(slug, unit_name)] = Unit.objects.get_or_create(
                    organisation=org,
                    name=unit_name,
                    defaults={
                        "kind": unit_kind,
                        "slug": danish_slugify(unit_name),
                        "phone": phone,
                    },
                )[0]
        for spec in USERS:
            user = _demo_user(spec.username, spec.first_name, spec.last_name)
            if spec.org is None:
                Membership.objects.get_or_create(
                    user=user,
                    community=communities[spec.unit],
                    is_active=True,
                    defaults={"role": spec.role},
                )
            else:
                unit = units[(spec.org, spec.unit)]
                Membership.objects.get_or_create(
                    user=user,
                    unit=unit,
                    is_active=True,
                    defaults={"role": spec.role, "organisation": unit.organisation},
                )
        admin = _demo_user("admin", "System", "Administrator")
        if not admin.is_superuser:
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        for slug, unit_name in ADMIN_UNITS:
            unit = units[(slug, unit_name)]
            Membership.objects.get_or_create(
                user=admin,
                unit=unit,
                is_active=True,
                defaults={"role": Role.SYSTEM_ADMIN, "organisation": unit.organisation},
            )
    for unit in units.values():
        _demo_patients(unit, patients_per_unit, rng)
    for (slug, unit_name), unit in units.items():
        _demo_schedule(slug, unit_name, unit, rng)
    # Before the records: the nurse's vaccinations need the doctor's delegation.
    demo_staff(organisation=Organisation.objects.get(slug=_LH))
    for unit in units.values():
        contacts = demo_records(unit=unit, rng=rng, limit=records_per_unit)
        demo_clinical(unit=unit, contacts=contacts, rng=rng)
    for unit in units.values():
        demo_dictations(unit=unit, rng=rng)
    hospital = [u for u in units.values() if u.organisation.kind == OrganisationKind.HOSPITAL]
    demo_pathways(units=hospital, rng=rng)
    demo_drg(units=hospital, rng=rng)
    therapy = [u for u in units.values() if u.organisation.kind == OrganisationKind.THERAPY_CLINIC]
    demo_billing(units=therapy, rng=rng)
    demo_fees(unit=units[("laegehuset", "Lægehuset")])
    demo_stock(unit=units[("laegehuset", "Lægehuset")])
    general = [
        u for u in units.values() if u.organisation.kind == OrganisationKind.GENERAL_PRACTICE
    ]
    demo_medcom(units=general + hospital, rng=rng)
    demo_letters(units=general + hospital)
    demo_lpr3(units=hospital)
    # After the letters: the demo's certificate is written from the unit's free letter.
    demo_patient_requests(unit=units[(_LH, _LHU)])


def _demo_user(username: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


@functools.cache
def _demo_password_hash() -> str:
    # One hash for every demo user: hashing is slow on purpose, and the password is shared.
    return make_password(DEMO_PASSWORD)


def _demo_patients(unit: Unit, count: int, rng: random.Random) -> None:
    """Synthetic patients for the unit, bulk-generated like `klinik generate patients`."""
    existing = Patient.objects.filter(organisation=unit.organisation, unit=unit).count()
    if existing < count:
        generate_patients(
            organisation=unit.organisation,
            count=count - existing,
            seed=rng.randrange(1 << 30),
            units=[unit],
        )


# Who treats in each demo unit (usernames), its rooms, and its appointment types.
_T = TypeSpec
DEMO_SCHEDULES: dict[tuple[str, str], tuple[list[str], list[str], list[TypeSpec]]] = {
    ("laegehuset", "Lægehuset"): (
        ["laege", "laege2", "laege3", "sygeplejerske"],
        ["Konsultation 1", "Konsultation 2", "Konsultation 3", "Sygeplejerskerum"],
        GP_TYPES,
    ),
    ("fysio-nord", "Fysioterapi"): (
        ["fysioterapeut"],
        ["Behandlingsrum 1", "Behandlingsrum 2", "Træningssal"],
        [
            _T("Førstegangsundersøgelse", 45, 0, True, 0.2, True, "#8e6bbf"),
            _T(
                "Behandling",
                30,
                0,
                True,
                0.7,
                True,
                "#4a90d9",
                preparation="Tag løst tøj på, som du kan bevæge dig i.",
            ),
            _T("Holdtræning", 60, 0, True, 0.1, False, "#7cb342", is_group=True, capacity=8),
        ],
    ),
    ("kiro-nord", "Kiropraktik"): (
        ["kiropraktor"],
        ["Behandlingsrum"],
        [
            _T("Konsultation", 30, 0, True, 0.7, True),
            _T("Første konsultation", 45, 0, True, 0.3, True, "#8e6bbf"),
        ],
    ),
    ("akupunktur-nord", "Akupunktur"): (
        ["akupunktoer"],
        ["Behandlingsrum"],
        [_T("Akupunktur", 45, 15, True, 1.0, True, "#f0a030")],
    ),
    ("medicinsk-ambulatorium", "Endokrinologisk ambulatorium"): (
        ["overlaege"],
        ["Ambulatorierum 1", "Ambulatorierum 2"],
        [
            _T("Første samtale", 45, 5, True, 0.2, False, "#8e6bbf"),
            _T("Ambulant kontrol", 30, 5, True, 0.6, False),
            _T("Telefonkontrol", 15, 0, False, 0.2, False, "#7cb342", attendance=Attendance.PHONE),
        ],
    ),
    ("medicinsk-ambulatorium", "Kardiologisk ambulatorium"): (
        ["kardiolog"],
        ["Ekkorum", "Ambulatorierum 3"],
        [
            _T("Ekkokardiografi", 45, 15, True, 0.4, False, "#c0392b"),
            _T("Ambulant kontrol", 30, 5, True, 0.6, False),
        ],
    ),
    ("medicinsk-ambulatorium", "Lungemedicinsk ambulatorium"): (
        ["ambulatoriesygeplejerske"],
        ["Lungefunktion"],
        [_T("Lungefunktionsundersøgelse", 30, 10, True, 1.0, False, "#16a085")],
    ),
}


def _demo_schedule(slug: str, unit_name: str, unit: Unit, rng: random.Random) -> None:
    """Hours, types and a few weeks of bookings, some arriving today: a real Monday."""
    spec = DEMO_SCHEDULES.get((slug, unit_name))
    if spec is None or Appointment.objects.filter(unit=unit).exists():
        return
    usernames, rooms, types = spec
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    practitioners, room_resources = resources_create(
        unit=unit,
        practitioners=[(users[name].get_full_name(), users[name]) for name in usernames],
        rooms=rooms,
    )
    made = types_create(unit=unit, specs=types)
    generate_schedule(
        unit=unit,
        practitioners=practitioners,
        rooms=room_resources,
        types=made,
        specs=types,
        days_back=14,
        days_ahead=28,
        seed=rng.randrange(1 << 30),
    )
