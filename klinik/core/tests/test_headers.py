"""Cache-Control: no-store on every page and API answer that is not a static file (pages with
patient data must not stay in a browser's or proxy's cache, nor come back with the Back
button after logout); a Permissions-Policy on every response."""

import pytest

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role


@pytest.fixture
def clinic_feed(world, actor_for):
    from klinik.scheduling.online.feeds import resource_feed_rotate
    from klinik.scheduling.tests.factories import clinic_create

    doctor = world.member(Role.DOCTOR)
    clinic = clinic_create(world.unit_a)
    resource = clinic.doctors[0]
    resource.user = doctor.user
    resource.save()
    return resource_feed_rotate(actor=actor_for(doctor), resource=resource)


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    ["/dashboard/", "/patients/{patient}/", "/staff/", "/profile/", "/feeds/", "/calendar/"],
)
def test_every_authenticated_page_is_no_store(world, client, login_as, path):
    login_as(world.member(Role.MANAGER))
    response = client.get(path.format(patient=world.patient_a.public_id))
    assert response.status_code in (200, 302, 403, 404), response.status_code
    assert _no_store(response), path


def test_htmx_partials_and_redirects_are_no_store_too(world, client, login_as):
    login_as(world.member(Role.SECRETARY))
    partial = client.get(f"/patients/{world.patient_a.public_id}/", HTTP_HX_REQUEST="true")
    assert _no_store(partial)
    assert _no_store(client.post("/logout/"))


def test_every_api_answer_is_no_store(world, client):
    membership = world.member(Role.SECRETARY)
    _, raw = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for response in (
        client.get("/api/v1/me", **auth),
        client.get(f"/api/v1/patients/{world.patient_a.public_id}", **auth),
        client.get("/api/v1/me"),  # 401
        client.get(f"/api/v1/patients/{world.patient_b.public_id}", **auth),  # 404
    ):
        assert _no_store(response), response.status_code


def test_a_views_own_no_store_header_is_kept(world, client, clinic_feed):
    """The calendar feed says `private, no-store` itself; the middleware leaves it be."""
    response = client.get(f"/feeds/{clinic_feed}.ics")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_public_pages_are_no_store_and_static_files_are_not(db, client):
    assert _no_store(client.get("/login/"))
    static = client.get("/static/klinik/app.js")
    assert static.status_code == 200
    assert not _no_store(static)


def test_permissions_policy_allows_the_microphone_here_and_nothing_else(world, client, login_as):
    """Dictation records audio in the page (records_dictation.js): microphone for this origin
    only; camera, location, payment and the rest for no one."""
    responses = [client.get("/login/"), client.get("/api/v1/me")]
    login_as(world.member(Role.DOCTOR))
    responses.append(client.get("/dashboard/"))
    for response in responses:
        policy = {
            part.split("=")[0].strip(): part.split("=")[1].strip()
            for part in response["Permissions-Policy"].split(",")
        }
        assert policy["microphone"] == "(self)"
        for feature in ("camera", "geolocation", "payment", "usb", "display-capture"):
            assert policy[feature] == "()", feature
