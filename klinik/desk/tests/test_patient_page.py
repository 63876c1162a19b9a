from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.core.choices import Role
from klinik.patients.services import patient_merge, patient_register, patient_update, relative_add
from klinik.records.choices import WarningKind
from klinik.records.clinical.services import warning_add
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.tests.factories import at, clinic_create, next_workday


def test_search_hits_and_patient_page_show_the_next_appointment(world, client, login_as, actor_for):
    membership = world.member(Role.SECRETARY)
    clinic = clinic_create(world.unit_a)
    day = next_workday()
    appointment_book(
        actor=actor_for(membership),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9, 30),
    )
    login_as(membership)
    hits = client.post("/patients/", {"q": world.patient_a.cpr}, HTTP_HX_REQUEST="true")
    assert f"{day:%d.%m.} 09:30 Telefonkonsultation" in hits.content.decode()
    page = client.get(f"/patients/{world.patient_a.public_id}/").content.decode()
    assert "Telefonkonsultation" in page
    assert f"/calendar/book/?patient={world.patient_a.public_id}" in page


def test_patient_page_query_count_is_bounded(
    world, client, login_as, actor_for, django_assert_max_num_queries
):
    membership = world.member(Role.SECRETARY)
    clinic = clinic_create(world.unit_a)
    day = next_workday()
    for hour in (9, 10, 11, 13, 14):
        appointment_book(
            actor=actor_for(membership),
            patient=world.patient_a,
            appointment_type=clinic.phone,
            start=at(day, hour),
        )
    login_as(membership)
    with django_assert_max_num_queries(25):
        response = client.get(f"/patients/{world.patient_a.public_id}/")
    assert response.status_code == 200


def test_the_preferred_language_is_shown_in_words(world, client, login_as):
    world.patient_a.language = "ar"
    world.patient_a.needs_interpreter = True
    world.patient_a.save()
    login_as(world.member(Role.SECRETARY))
    page = client.get(f"/patients/{world.patient_a.public_id}/").content.decode()
    assert "<dd>arabisk · tolk nødvendig</dd>" in page
    assert "(arabisk)" in page  # the header's interpreter flag


def test_a_doctor_s_patient_page_with_everything_on_it_reads_each_part_once(
    world, client, login_as, actor_for
):
    """Appointments, relatives, warnings, a merged record's history and its merge: the page
    reads each in one statement (the appointments with their holds too), whatever their
    number; the
    access log's entry is one statement on PostgreSQL (docs/adr/0039) and three on SQLite
    (under its write lock). The session and the memberships are the shell's two."""
    secretary = actor_for(world.member(Role.SECRETARY))
    doctor = world.member(Role.DOCTOR)
    clinic = clinic_create(world.unit_a)
    day = next_workday()
    for hour in (9, 10, 11, 13, 14):
        appointment_book(
            actor=secretary,
            patient=world.patient_a,
            appointment_type=clinic.phone,
            start=at(day, hour),
        )
    for name in ("Eva Hansen", "Ole Hansen"):
        relative_add(actor=secretary, patient=world.patient_a, name=name, relation="spouse")
    for kind, text in ((WarningKind.ALLERGY, "Penicillin"), (WarningKind.CAVE, "Marevan")):
        warning_add(actor=actor_for(doctor), patient=world.patient_a, kind=kind, text=text)
    twin = patient_register(
        actor=secretary, cpr="010190-1AB2", given_name="Anna", family_name="Dublet"
    ).patient
    patient_update(actor=secretary, patient=twin, data={"phone": "22334455"}, reason="ringede")
    patient_merge(actor=secretary, source=twin, target=world.patient_a)
    login_as(doctor)
    url = f"/patients/{world.patient_a.public_id}/"
    client.get(url)  # the connection's first append learns where the head is
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    log = 1 if connection.vendor == "postgresql" else 3
    assert len(queries) == 2 + 1 + log + 1 + 3 + 1 + 1 + 1, [q["sql"][:80] for q in queries]
    assert page.count('class="when"') == 5
    assert "Eva Hansen" in page and "Ole Hansen" in page
    assert "Penicillin" in page and "Marevan" in page
    assert "010190-1AB2" in page  # the merge
    assert "22334455" in page and "ringede" in page  # the merged record's history
