"""The manager adds the clinic's own competences and courses from the catalogue screen (issue
17 items 2-3); taken names and numbers, and bad day counts, are refused with nothing written;
another organisation does not see them. A profile photo (item 1): a JPEG or PNG of at most
2 MB, checked by its content; shown to the manager and the person only."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from klinik.core.choices import Role
from klinik.staff.models import Competence, Course, StaffProfile


@pytest.fixture
def people(world):
    return {
        "manager": world.member(Role.MANAGER),
        "secretary": world.member(Role.SECRETARY),
        "nurse": world.member(Role.NURSE),
        "other_manager": world.member(Role.MANAGER, unit=world.unit_b),
    }


def test_a_manager_adds_a_local_competence_and_a_clinic_course(world, client, login_as, people):
    login_as(people["manager"])
    response = client.post(
        "/staff/courses/",
        {
            "action": "competence",
            "name": "Må kode DRG",
            "description": "",
            "tasks": "Kode DRG\nKontrollere koder",
        },
    )
    assert response.status_code == 302
    competence = Competence.objects.get(organisation=world.org_a)
    assert competence.tasks == ["Kode DRG", "Kontrollere koder"]
    response = client.post(
        "/staff/courses/",
        {
            "action": "course",
            "number": "K-001",
            "title": "Intern introduktion til journalsystemet",
            "days": "0,5",
            "level": "",
            "competences": [str(competence.public_id)],
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    course = Course.objects.get(organisation=world.org_a)
    assert list(course.competences.all()) == [competence]
    page = client.get("/staff/courses/").content.decode()
    assert 'id="course-K-001"' in page and f'id="competence-{competence.code}"' in page
    client.post("/logout/")
    login_as(people["other_manager"])
    page = client.get("/staff/courses/").content.decode()
    assert "K-001" not in page and f'id="competence-{competence.code}"' not in page


@pytest.mark.parametrize(
    "body",
    [
        {"action": "course", "number": "49995", "title": "Kopi", "days": "1"},  # an AMU number
        {"action": "course", "number": "K-2", "title": "Nul dage", "days": "0"},
        {"action": "competence", "name": "Behandling af data og informationer i patientforløb"},
    ],
)
def test_taken_or_bad_entries_are_refused(world, client, login_as, people, body):
    login_as(people["manager"])
    response = client.post("/staff/courses/", body)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Course.objects.filter(organisation=world.org_a).exists()
    assert not Competence.objects.filter(organisation=world.org_a).exists()


def _png(size: tuple[int, int] = (40, 50)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, format="PNG")
    return out.getvalue()


def _profile_post(client, member, photo):
    return client.post(
        f"/staff/{member.public_id}/profile/",
        {
            "profession": "medical_secretary",
            "education": "",
            "authorisation_id": "",
            "photo": photo,
        },
    )


def test_a_photo_is_kept_and_shown_to_the_manager_and_the_person(world, client, login_as, people):
    secretary = people["secretary"]
    login_as(people["manager"])
    response = _profile_post(
        client, secretary, SimpleUploadedFile("Susanne Jensen.png", _png(), "image/png")
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    profile = StaffProfile.objects.get(user=secretary.user)
    assert profile.photo.name.endswith(".png") and "Susanne" not in profile.photo.name
    url = f"/staff/{secretary.public_id}/photo/"
    photo = client.get(url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    client.post("/logout/")
    login_as(secretary)
    assert client.get(url).status_code == 200
    assert b'id="staff-photo"' in client.get("/staff/me/").content
    client.post("/logout/")
    login_as(people["nurse"])
    assert client.get(url).status_code == 404
    client.post("/logout/")
    login_as(people["other_manager"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.png", b"not a picture at all", "image/png"),
        SimpleUploadedFile("x.gif", b"GIF89a" + b"\x00" * 40, "image/gif"),
    ],
)
def test_a_photo_that_is_no_jpeg_or_png_is_refused(world, client, login_as, people, upload):
    login_as(people["manager"])
    response = _profile_post(client, people["secretary"], upload)
    assert response.status_code == 400
    assert not StaffProfile.objects.filter(user=people["secretary"].user).exists()


def test_a_photo_over_two_megabytes_is_refused(world, client, login_as, people, monkeypatch):
    from klinik.staff import profiles

    monkeypatch.setattr(profiles, "PHOTO_MAX_BYTES", 100)
    login_as(people["manager"])
    response = _profile_post(
        client, people["secretary"], SimpleUploadedFile("x.png", _png(), "image/png")
    )
    assert response.status_code == 400
    assert not StaffProfile.objects.filter(user=people["secretary"].user).exists()
