"""A manager records a person's competence level on the person's page; bad input is refused with
nothing written; another organisation's people are a 404."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.staff.errors import StaffDomainError
from klinik.staff.models import Competence, PersonCompetence


def _form(**overrides):
    competence = Competence.objects.get(organisation=None, code="administration")
    data = {
        "competence": str(competence.public_id),
        "level": "experienced",
        "assessed_on": f"{timezone.localdate() - timedelta(days=25):%d.%m.%Y}",
        "expires_on": "",
        "evidence": "AMU 45583 Brug af DRG",
    }
    return data | overrides


def test_manager_records_a_level_and_sees_it_on_the_page(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(world.member(Role.MANAGER))
    url = f"/staff/{secretary.public_id}/competences/"
    page = client.get(url).content.decode()
    assert page.count("Not assessed") + page.count("Ikke vurderet") == 4

    response = client.post(url, _form())
    assert response.status_code == 302
    held = PersonCompetence.objects.get(user=secretary.user)
    assert (held.organisation, held.level, held.competence.code) == (
        world.org_a,
        "experienced",
        "administration",
    )
    assert AccessLogEntry.objects.filter(
        action=Action.STAFF_CHANGE, object_id=str(secretary.public_id)
    ).exists()
    assert "AMU 45583 Brug af DRG" in client.get(url).content.decode()

    # A new assessment replaces the earlier one.
    client.post(url, _form(level="expert"))
    assert PersonCompetence.objects.get(user=secretary.user).level == "expert"


def test_an_expiry_before_the_assessment_is_refused_and_nothing_written(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(world.member(Role.MANAGER))
    response = client.post(
        f"/staff/{secretary.public_id}/competences/",
        _form(expires_on=f"{timezone.localdate() - timedelta(days=50):%d.%m.%Y}"),
    )
    assert response.status_code == 400
    assert str(StaffDomainError.EXPIRY_NOT_AFTER_ASSESSMENT) in response.content.decode()
    assert not PersonCompetence.objects.exists()


def test_a_future_assessment_is_refused(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(world.member(Role.MANAGER))
    response = client.post(
        f"/staff/{secretary.public_id}/competences/", _form(assessed_on="01.01.2199")
    )
    assert response.status_code == 400
    assert not PersonCompetence.objects.exists()


def test_another_organisations_person_is_a_404_and_nothing_changes(world, client, login_as):
    other = world.member(Role.SECRETARY, unit=world.unit_b)
    login_as(world.member(Role.MANAGER))
    url = f"/staff/{other.public_id}/competences/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form()).status_code == 404
    assert not PersonCompetence.objects.exists()


def test_a_secretary_may_not_open_the_competence_page(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(secretary)
    assert client.get(f"/staff/{secretary.public_id}/competences/").status_code == 403


def test_the_catalogue_page_lists_the_courses_and_the_four_competences(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    page = client.get("/staff/courses/").content.decode()
    assert "EUD-Oplæringsvejledning for den uddannelsesansvarlige" in page
    assert page.count('<tr id="course-') == 50
    assert "Planlægning og koordinering af patientforløb" in page
    assert 'href="/staff/courses/"' in client.get("/staff/").content.decode()
