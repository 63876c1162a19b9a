"""Staff profiles: the manager keeps profession, education, authorisation id and employment;
the person sees their own profile, levels and training plan at /staff/me/; bad input is
refused with nothing written; another organisation's person is a 404."""

from __future__ import annotations

from klinik.core.choices import Role
from klinik.staff.models import StaffProfile


def _profile(**overrides):
    return {
        "profession": "nurse",
        "education": "Professionsbachelor i sygepleje",
        "authorisation_id": "0c4x2",
        "employed_from": "01.02.2020",
        "employed_to": "",
    } | overrides


def test_the_manager_saves_a_profile_and_the_person_sees_it(world, client, login_as):
    nurse = world.member(Role.NURSE)
    login_as(world.member(Role.MANAGER))
    page = client.get(f"/staff/{nurse.public_id}/competences/").content.decode()
    assert 'id="profile-form"' in page
    response = client.post(f"/staff/{nurse.public_id}/profile/", _profile())
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=nurse.user)
    assert (profile.profession, profile.authorisation_id) == ("nurse", "0C4X2")

    client.post("/logout/")
    login_as(nurse)
    mine = client.get("/staff/me/").content.decode()
    assert "0C4X2" in mine and "Professionsbachelor i sygepleje" in mine
    assert 'href="/staff/me/"' in client.get("/profile/").content.decode()
    # The person cannot open the manager's page or change the profile.
    assert client.get(f"/staff/{nurse.public_id}/competences/").status_code == 403
    assert client.post(f"/staff/{nurse.public_id}/profile/", _profile()).status_code == 403


def test_bad_profile_input_is_refused_and_nothing_written(world, client, login_as):
    nurse = world.member(Role.NURSE)
    login_as(world.member(Role.MANAGER))
    for overrides in (
        {"authorisation_id": "not an id!"},
        {"employed_from": "01.02.2020", "employed_to": "01.01.2020"},
        {"profession": "astronaut"},
    ):
        response = client.post(f"/staff/{nurse.public_id}/profile/", _profile(**overrides))
        assert response.status_code == 400, overrides
    assert not StaffProfile.objects.exists()


def test_another_organisations_person_is_a_404(world, client, login_as):
    other = world.member(Role.NURSE, unit=world.unit_b)
    login_as(world.member(Role.MANAGER))
    assert client.post(f"/staff/{other.public_id}/profile/", _profile()).status_code == 404
    assert not StaffProfile.objects.exists()
