from klinik.core.choices import Role
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
